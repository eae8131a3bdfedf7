#include "services/import/api/import_service.h"

#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/changes/change_token.h"
#include "common/names/names.h"
#include "common/server/respond.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "common/text/text.h"
#include "google/protobuf/util/time_util.h"
#include "services/import/api/job_convert.h"
#include "services/import/domain/import_file.h"

namespace clientbook::importer {
namespace {

using server::Respond;
using Write = std::function<bool(const v1::CsvChunk&)>;

// The most CSV one CsvChunk carries (import.proto promises 64 KiB).
constexpr size_t kChunkBytes = 64 * 1024;
// How long a watcher sleeps between checks that its caller is still there.
constexpr absl::Duration kWatchPoll = absl::Seconds(1);

// Written in place, on the page's arena.
void ToProto(const ErrorRecord& e, v1::ImportError& out) {
  out.set_row(e.row());
  out.set_column(e.column());
  out.set_code(e.code());
  out.set_message(e.message());
  for (const std::string& field : e.original()) {
    out.add_original(text::EscapeInvalidUtf8(field));
    out.add_original_bytes(field);
  }
}

absl::StatusOr<char> SeparatorOf(v1::CsvSeparator separator) {
  switch (separator) {
    case v1::CSV_SEPARATOR_UNSPECIFIED:
    case v1::COMMA:
      return ',';
    case v1::SEMICOLON:
      return ';';
    case v1::TAB:
      return '\t';
    default:
      return errors::InvalidField("separator", "must be COMMA, SEMICOLON or TAB");
  }
}

bool WriteChunks(const Write& write, absl::string_view data) {
  for (size_t at = 0; at < data.size(); at += kChunkBytes) {
    v1::CsvChunk chunk;
    chunk.set_data(std::string(data.substr(at, kChunkBytes)));
    if (!write(chunk)) return false;
  }
  return true;
}

}  // namespace

grpc::ServerWriteReactor<v1::CsvChunk>* ImportService::ExportClients(
    grpc::CallbackServerContext* ctx, const v1::ExportClientsRequest* req) {
  return frame_.Stream<v1::CsvChunk>(
      ctx, req,
      [this, req](const auth::Caller& caller, const Write& write) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName parent,
                            names::FirmName::Parse("parent", req->parent()));
        const auto language = req->header_language() == v1::HEADER_LANGUAGE_UNSPECIFIED
                                  ? v1::ENGLISH
                                  : req->header_language();
        CB_ASSIGN_OR_RETURN(const char separator, SeparatorOf(req->separator()));
        server::UnsentResponses::Hold held;
        return importer_.Export(
            caller, parent.firm_id, language, separator, req->include_inactive(),
            [&](int64_t bytes) {
              held = server::UnsentResponses::Hold();
              held = export_room_.Reserve(caller.user_id, bytes);
              return held.bytes();
            },
            [&](std::string data) { return WriteChunks(write, data); });
      });
}

grpc::ServerUnaryReactor* ImportService::StartImport(grpc::CallbackServerContext* ctx,
                                                     const v1::StartImportRequest* req,
                                                     v1::ImportJob* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName parent,
                            names::FirmName::Parse("parent", req->parent()));
        return Respond(importer_.Start(caller, parent.firm_id, req->csv(),
                                       req->file_name(), req->request_id()),
                       resp, [](const JobRecord& job) { return ToProto(job); });
      });
}

grpc::ServerReadReactor<grpc::ByteBuffer>* ImportService::UploadImport(
    grpc::CallbackServerContext* ctx, grpc::ByteBuffer* resp) {
  // The first message names the firm and the file; every one adds CSV.
  struct Upload {
    std::optional<v1::UploadImportRequest> first;
    std::string csv;
  };
  auto upload = std::make_shared<Upload>();
  return frame_.Upload<v1::UploadImportRequest, v1::ImportJob>(
      ctx, resp,
      [upload](const v1::UploadImportRequest& message) -> absl::Status {
        upload->csv += message.csv();
        if (upload->csv.size() > kMaxFileBytes) {
          return absl::ResourceExhaustedError(
              absl::StrCat("the upload passed ", kMaxFileBytes,
                           " bytes (100 KB), the most a file may have: split it"));
        }
        if (!upload->first.has_value()) {
          upload->first = message;
          upload->first->clear_csv();
        }
        return absl::OkStatus();
      },
      [this, upload](const auth::Caller& caller) -> absl::StatusOr<v1::ImportJob> {
        if (!upload->first.has_value()) {
          return absl::InvalidArgumentError("the upload sent nothing");
        }
        const v1::UploadImportRequest& first = *upload->first;
        CB_ASSIGN_OR_RETURN(const names::FirmName parent,
                            names::FirmName::Parse("parent", first.parent()));
        CB_ASSIGN_OR_RETURN(JobRecord job,
                            importer_.Start(caller, parent.firm_id, upload->csv,
                                            first.file_name(), first.request_id()));
        return ToProto(job);
      });
}

grpc::ServerUnaryReactor* ImportService::GetImportJob(grpc::CallbackServerContext* ctx,
                                                      const v1::GetImportJobRequest* req,
                                                      v1::ImportJob* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ImportJobName ref,
                            names::ImportJobName::Parse("name", req->name()));
        return Respond(importer_.Get(caller, ref), resp,
                       [](const JobRecord& job) { return ToProto(job); });
      });
}

grpc::ServerUnaryReactor* ImportService::ListImportJobs(
    grpc::CallbackServerContext* ctx, const v1::ListImportJobsRequest* req,
    v1::ListImportJobsResponse* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName parent,
                            names::FirmName::Parse("parent", req->parent()));
        resp->set_change_token(
            changes::ListChangeToken(changes_, req->parent(), req->page_token()));
        if (req->unfinished_only()) {
          CB_ASSIGN_OR_RETURN(std::vector<JobRecord> jobs,
                              importer_.ListUnfinished(caller, parent.firm_id));
          for (const JobRecord& job : jobs) *resp->add_import_jobs() = ToProto(job);
          return absl::OkStatus();
        }
        return server::RespondPage(
            importer_.List(
                caller, parent.firm_id,
                {.page_size = req->page_size(), .page_token = req->page_token()}),
            resp, [](auto& out) { return out.add_import_jobs(); },
            [](const JobRecord& job) { return ToProto(job); });
      });
}

grpc::ServerWriteReactor<v1::ImportJob>* ImportService::WatchImportJob(
    grpc::CallbackServerContext* ctx, const v1::WatchImportJobRequest* req) {
  return frame_.Stream<v1::ImportJob>(
      ctx, req,
      [this, ctx, req](
          const auth::Caller& caller,
          const std::function<bool(const v1::ImportJob&)>& write) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ImportJobName ref,
                            names::ImportJobName::Parse("name", req->name()));
        std::string last_sent;
        while (true) {
          const uint64_t seen = importer_.ChangeCount();
          CB_ASSIGN_OR_RETURN(JobRecord job, importer_.Get(caller, ref));
          if (std::string now = job.SerializeAsString(); now != last_sent) {
            if (!write(ToProto(job))) return absl::CancelledError("the watcher left");
            last_sent = std::move(now);
          }
          if (IsTerminal(job)) return absl::OkStatus();
          if (ctx->IsCancelled()) return absl::CancelledError("the watcher left");
          if (frame_.Closing()) return server::Draining();
          importer_.WaitForChange(seen, kWatchPoll);
        }
      });
}

grpc::ServerUnaryReactor* ImportService::ListImportErrors(
    grpc::CallbackServerContext* ctx, const v1::ListImportErrorsRequest* req,
    v1::ListImportErrorsResponse* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ImportJobName ref,
                            names::ImportJobName::Parse("parent", req->parent()));
        return server::RespondPage(
            importer_.ListErrors(
                caller, ref,
                {.page_size = req->page_size(), .page_token = req->page_token()}),
            resp, [](auto& out) { return out.add_errors(); },
            [](const ErrorRecord& e, v1::ImportError& out) { ToProto(e, out); });
      });
}

grpc::ServerWriteReactor<v1::CsvChunk>* ImportService::DownloadErrorReport(
    grpc::CallbackServerContext* ctx, const v1::DownloadErrorReportRequest* req) {
  return frame_.Stream<v1::CsvChunk>(
      ctx, req,
      [this, req](const auth::Caller& caller, const Write& write) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ImportJobName ref,
                            names::ImportJobName::Parse("name", req->name()));
        return importer_.ErrorReport(
            caller, ref, [&](std::string piece) { return WriteChunks(write, piece); });
      });
}

}  // namespace clientbook::importer
