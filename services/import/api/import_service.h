#ifndef CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_SERVICE_H_
#define CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_SERVICE_H_

#include "clientbook/v1/import.grpc.pb.h"
#include "common/auth/authenticator.h"
#include "services/import/domain/importer.h"

namespace clientbook::importer {

// clientbook.v1.ImportService over gRPC: converts messages, calls the
// Importer, maps the status. No rules live here.
class ImportService final : public v1::ImportService::Service {
 public:
  ImportService(Importer& importer, const auth::Authenticator& authenticator)
      : importer_(importer), authenticator_(authenticator) {}

  grpc::Status ExportClients(grpc::ServerContext* ctx,
                             const v1::ExportClientsRequest* req,
                             grpc::ServerWriter<v1::CsvChunk>* writer) override;
  grpc::Status StartImport(grpc::ServerContext* ctx, const v1::StartImportRequest* req,
                           v1::ImportJob* resp) override;
  grpc::Status UploadImport(grpc::ServerContext* ctx,
                            grpc::ServerReader<v1::UploadImportRequest>* reader,
                            v1::ImportJob* resp) override;
  grpc::Status GetImportJob(grpc::ServerContext* ctx, const v1::GetImportJobRequest* req,
                            v1::ImportJob* resp) override;
  grpc::Status ListImportJobs(grpc::ServerContext* ctx,
                              const v1::ListImportJobsRequest* req,
                              v1::ListImportJobsResponse* resp) override;
  grpc::Status WatchImportJob(grpc::ServerContext* ctx,
                              const v1::WatchImportJobRequest* req,
                              grpc::ServerWriter<v1::ImportJob>* writer) override;
  grpc::Status ListImportErrors(grpc::ServerContext* ctx,
                                const v1::ListImportErrorsRequest* req,
                                v1::ListImportErrorsResponse* resp) override;
  grpc::Status DownloadErrorReport(grpc::ServerContext* ctx,
                                   const v1::DownloadErrorReportRequest* req,
                                   grpc::ServerWriter<v1::CsvChunk>* writer) override;

 private:
  Importer& importer_;
  const auth::Authenticator& authenticator_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_SERVICE_H_
