#include "services/import/api/import_change_readers.h"

#include "common/storage/records.h"
#include "services/import/api/job_convert.h"

namespace clientbook::importer {

absl::Status ImportChangeReaders::ToResource(const changes::ChangeRecord& record,
                                             absl::string_view stored,
                                             v1::Resource& out) const {
  if (record.resource_type() != v1::ImportJob::descriptor()->full_name()) {
    return changes::UnknownResourceType(record);
  }
  absl::StatusOr<JobRecord> job = storage::DecodeRecord<JobRecord>(stored);
  if (!job.ok()) return job.status();
  *out.mutable_import_job() = ToProto(*job);
  return absl::OkStatus();
}

}  // namespace clientbook::importer
