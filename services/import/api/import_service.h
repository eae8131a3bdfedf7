#ifndef CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_SERVICE_H_
#define CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_SERVICE_H_

#include "clientbook/v1/import.grpc.pb.h"
#include "common/changes/change_log.h"
#include "common/server/arena_messages.h"
#include "common/server/frame.h"
#include "services/import/domain/importer.h"

namespace clientbook::importer {

// clientbook.v1.ImportService over gRPC's callback API: converts messages,
// calls the Importer, maps the status. Every call asks the directory about
// the caller, so unary calls run on the frame's blocking pool and streams on
// threads of their own. The upload is read as bytes so the frame parses it
// (Frame::Upload). No rules live here.
class ImportService final : public v1::ImportService::WithRawCallbackMethod_UploadImport<
                                v1::ImportService::CallbackService> {
 public:
  // `changes`: import's change log, whose position a list's first page
  // returns (change_token).
  ImportService(Importer& importer, const changes::ChangeLog& changes,
                server::Frame& frame)
      : importer_(importer),
        changes_(changes),
        frame_(frame),
        export_room_(frame.unsent_responses().limits()) {
    SetMessageAllocatorFor_ListImportErrors(&list_errors_messages_);
  }

  grpc::ServerWriteReactor<v1::CsvChunk>* ExportClients(
      grpc::CallbackServerContext* ctx, const v1::ExportClientsRequest* req) override;
  grpc::ServerUnaryReactor* StartImport(grpc::CallbackServerContext* ctx,
                                        const v1::StartImportRequest* req,
                                        v1::ImportJob* resp) override;
  grpc::ServerReadReactor<grpc::ByteBuffer>* UploadImport(
      grpc::CallbackServerContext* ctx, grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* GetImportJob(grpc::CallbackServerContext* ctx,
                                         const v1::GetImportJobRequest* req,
                                         v1::ImportJob* resp) override;
  grpc::ServerUnaryReactor* ListImportJobs(grpc::CallbackServerContext* ctx,
                                           const v1::ListImportJobsRequest* req,
                                           v1::ListImportJobsResponse* resp) override;
  grpc::ServerWriteReactor<v1::ImportJob>* WatchImportJob(
      grpc::CallbackServerContext* ctx, const v1::WatchImportJobRequest* req) override;
  grpc::ServerUnaryReactor* ListImportErrors(grpc::CallbackServerContext* ctx,
                                             const v1::ListImportErrorsRequest* req,
                                             v1::ListImportErrorsResponse* resp) override;
  grpc::ServerWriteReactor<v1::CsvChunk>* DownloadErrorReport(
      grpc::CallbackServerContext* ctx,
      const v1::DownloadErrorReportRequest* req) override;

 private:
  Importer& importer_;
  const changes::ChangeLog& changes_;
  server::Frame& frame_;
  // Pages of up to 1,000 errors, each with its row, on the call's arena.
  server::ArenaMessages<v1::ListImportErrorsRequest, v1::ListImportErrorsResponse>
      list_errors_messages_;
  // The room export pages take while their callers read them: as much as
  // the frame allows unsent answers (--max_unsent_response_mib*), apart.
  server::UnsentResponses export_room_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_SERVICE_H_
