#include "services/import/api/import_service.h"

#include "absl/strings/str_cat.h"
#include "common/names/names.h"
#include "common/server/call.h"
#include "common/status/macros.h"
#include "common/text/text.h"
#include "google/protobuf/util/time_util.h"
#include "services/import/domain/import_file.h"

namespace clientbook::importer {
namespace {

using server::Serve;

// The most CSV one CsvChunk carries (import.proto promises 64 KiB).
constexpr size_t kChunkBytes = 64 * 1024;
// How long a watcher sleeps between checks that its caller is still there.
constexpr absl::Duration kWatchPoll = absl::Seconds(1);

google::protobuf::Timestamp Timestamp(int64_t micros) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(micros);
}

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
  return out;
}

v1::ImportError ToProto(const ErrorRecord& e) {
  v1::ImportError out;
  out.set_row(e.row());
  out.set_column(e.column());
  out.set_code(e.code());
  out.set_message(e.message());
  for (const std::string& field : e.original()) {
    out.add_original(text::EscapeInvalidUtf8(field));
    out.add_original_bytes(field);
  }
  return out;
}

bool WriteChunks(grpc::ServerWriter<v1::CsvChunk>* writer, absl::string_view data) {
  for (size_t at = 0; at < data.size(); at += kChunkBytes) {
    v1::CsvChunk chunk;
    chunk.set_data(std::string(data.substr(at, kChunkBytes)));
    if (!writer->Write(chunk)) return false;
  }
  return true;
}

}  // namespace

grpc::Status ImportService::ExportClients(grpc::ServerContext* ctx,
                                          const v1::ExportClientsRequest* req,
                                          grpc::ServerWriter<v1::CsvChunk>* writer) {
  return Serve(
      authenticator_, *ctx, req, [&](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName parent,
                            names::FirmName::Parse("parent", req->parent()));
        const auto language = req->header_language() == v1::HEADER_LANGUAGE_UNSPECIFIED
                                  ? v1::ENGLISH
                                  : req->header_language();
        return importer_.Export(
            caller, parent.firm_id, language, req->include_inactive(),
            [&](std::string data) { return WriteChunks(writer, data); });
      });
}

grpc::Status ImportService::StartImport(grpc::ServerContext* ctx,
                                        const v1::StartImportRequest* req,
                                        v1::ImportJob* resp) {
  return Serve(authenticator_, *ctx, req,
               [&](const auth::Caller& caller) -> absl::Status {
                 CB_ASSIGN_OR_RETURN(const names::FirmName parent,
                                     names::FirmName::Parse("parent", req->parent()));
                 CB_ASSIGN_OR_RETURN(
                     JobRecord job, importer_.Start(caller, parent.firm_id, req->csv(),
                                                    req->file_name(), req->request_id()));
                 *resp = ToProto(job);
                 return absl::OkStatus();
               });
}

grpc::Status ImportService::UploadImport(
    grpc::ServerContext* ctx, grpc::ServerReader<v1::UploadImportRequest>* reader,
    v1::ImportJob* resp) {
  return Serve(
      authenticator_, *ctx, nullptr, [&](const auth::Caller& caller) -> absl::Status {
        v1::UploadImportRequest first;
        if (!reader->Read(&first))
          return absl::InvalidArgumentError("the upload sent nothing");
        std::string csv = first.csv();
        v1::UploadImportRequest next;
        // Stop reading once over the limit: the file is refused either way.
        while (csv.size() <= kMaxFileBytes && reader->Read(&next)) csv += next.csv();
        if (csv.size() > kMaxFileBytes) {
          return absl::ResourceExhaustedError(
              absl::StrCat("the upload passed ", kMaxFileBytes,
                           " bytes (100 KB), the most a file may have: split it"));
        }
        CB_ASSIGN_OR_RETURN(const names::FirmName parent,
                            names::FirmName::Parse("parent", first.parent()));
        CB_ASSIGN_OR_RETURN(
            JobRecord job, importer_.Start(caller, parent.firm_id, csv, first.file_name(),
                                           first.request_id()));
        *resp = ToProto(job);
        return absl::OkStatus();
      });
}

grpc::Status ImportService::GetImportJob(grpc::ServerContext* ctx,
                                         const v1::GetImportJobRequest* req,
                                         v1::ImportJob* resp) {
  return Serve(authenticator_, *ctx, req,
               [&](const auth::Caller& caller) -> absl::Status {
                 CB_ASSIGN_OR_RETURN(names::ImportJobName ref,
                                     names::ImportJobName::Parse("name", req->name()));
                 CB_ASSIGN_OR_RETURN(JobRecord job, importer_.Get(caller, ref));
                 *resp = ToProto(job);
                 return absl::OkStatus();
               });
}

grpc::Status ImportService::ListImportJobs(grpc::ServerContext* ctx,
                                           const v1::ListImportJobsRequest* req,
                                           v1::ListImportJobsResponse* resp) {
  return Serve(authenticator_, *ctx, req,
               [&](const auth::Caller& caller) -> absl::Status {
                 CB_ASSIGN_OR_RETURN(const names::FirmName parent,
                                     names::FirmName::Parse("parent", req->parent()));
                 if (req->unfinished_only()) {
                   CB_ASSIGN_OR_RETURN(std::vector<JobRecord> jobs,
                                       importer_.ListUnfinished(caller, parent.firm_id));
                   for (const JobRecord& job : jobs)
                     *resp->add_import_jobs() = ToProto(job);
                   return absl::OkStatus();
                 }
                 CB_ASSIGN_OR_RETURN(Page<JobRecord> page,
                                     importer_.List(caller, parent.firm_id,
                                                    {.page_size = req->page_size(),
                                                     .page_token = req->page_token()}));
                 for (const JobRecord& job : page.items)
                   *resp->add_import_jobs() = ToProto(job);
                 resp->set_next_page_token(page.next_page_token);
                 return absl::OkStatus();
               });
}

grpc::Status ImportService::WatchImportJob(grpc::ServerContext* ctx,
                                           const v1::WatchImportJobRequest* req,
                                           grpc::ServerWriter<v1::ImportJob>* writer) {
  return Serve(authenticator_, *ctx, req,
               [&](const auth::Caller& caller) -> absl::Status {
                 CB_ASSIGN_OR_RETURN(names::ImportJobName ref,
                                     names::ImportJobName::Parse("name", req->name()));
                 std::string last_sent;
                 while (true) {
                   const uint64_t seen = importer_.ChangeCount();
                   CB_ASSIGN_OR_RETURN(JobRecord job, importer_.Get(caller, ref));
                   if (std::string now = job.SerializeAsString(); now != last_sent) {
                     if (!writer->Write(ToProto(job)))
                       return absl::CancelledError("the watcher left");
                     last_sent = std::move(now);
                   }
                   if (IsTerminal(job)) return absl::OkStatus();
                   if (ctx->IsCancelled())
                     return absl::CancelledError("the watcher left");
                   importer_.WaitForChange(seen, kWatchPoll);
                 }
               });
}

grpc::Status ImportService::ListImportErrors(grpc::ServerContext* ctx,
                                             const v1::ListImportErrorsRequest* req,
                                             v1::ListImportErrorsResponse* resp) {
  return Serve(
      authenticator_, *ctx, req, [&](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ImportJobName ref,
                            names::ImportJobName::Parse("parent", req->parent()));
        CB_ASSIGN_OR_RETURN(Page<ErrorRecord> page,
                            importer_.ListErrors(caller, ref,
                                                 {.page_size = req->page_size(),
                                                  .page_token = req->page_token()}));
        for (const ErrorRecord& e : page.items) *resp->add_errors() = ToProto(e);
        resp->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status ImportService::DownloadErrorReport(
    grpc::ServerContext* ctx, const v1::DownloadErrorReportRequest* req,
    grpc::ServerWriter<v1::CsvChunk>* writer) {
  return Serve(
      authenticator_, *ctx, req, [&](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ImportJobName ref,
                            names::ImportJobName::Parse("name", req->name()));
        CB_ASSIGN_OR_RETURN(std::string report, importer_.ErrorReport(caller, ref));
        if (!WriteChunks(writer, report)) return absl::CancelledError("the caller left");
        return absl::OkStatus();
      });
}

}  // namespace clientbook::importer
