#include "services/import/api/job_convert.h"

#include "common/names/names.h"
#include "common/requests/etag.h"
#include "google/protobuf/util/time_util.h"

namespace clientbook::importer {
namespace {

google::protobuf::Timestamp Timestamp(int64_t micros) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(micros);
}

}  // namespace

v1::ImportJob ToProto(const JobRecord& job) {
  v1::ImportJob out;
  out.set_name(names::ImportJobName{job.firm_id(), job.job_id()}.ToString());
  out.set_state(job.state());
  out.set_file_name(job.file_name());
  out.set_request_id(job.request_id());
  out.set_header_language(job.header_language());
  out.set_total_rows(job.total_rows());
  out.set_validated_rows(job.validated_rows());
  out.set_rejected_rows(job.rejected_rows());
  out.set_applied_rows(job.applied_rows());
  out.set_unchanged_rows(job.unchanged_rows());
  out.set_failure_reason(job.failure_reason());
  out.set_created_by(job.created_by());
  *out.mutable_create_time() = Timestamp(job.create_time_us());
  *out.mutable_update_time() = Timestamp(job.update_time_us());
  if (job.end_time_us() != 0) *out.mutable_end_time() = Timestamp(job.end_time_us());
  if (job.directory_busy_since_us() != 0) {
    *out.mutable_directory_busy_since() = Timestamp(job.directory_busy_since_us());
  }
  out.set_etag(requests::EtagOf(job));
  return out;
}

}  // namespace clientbook::importer
