#ifndef CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_RECONCILE_SERVICE_H_
#define CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_RECONCILE_SERVICE_H_

#include <memory>

#include "clientbook/v1/reconcile.grpc.pb.h"
#include "common/server/frame.h"
#include "grpcpp/channel.h"
#include "services/import/domain/importer.h"

namespace clientbook::importer {

// clientbook.v1.ReconcileService on import's operator address: import jobs
// against the directory's firms (Importer::FindJobsWithoutFirm), read as a
// snapshot of the directory's change feed with the operator's own
// credentials. It only lists: a job without its firm has no one right repair.
class ImportReconcileService final : public v1::ReconcileService::CallbackService {
 public:
  ImportReconcileService(Importer& importer, std::shared_ptr<grpc::Channel> directory,
                         server::Frame& frame)
      : importer_(importer), directory_(std::move(directory)), frame_(frame) {}

  grpc::ServerUnaryReactor* Reconcile(grpc::CallbackServerContext* ctx,
                                      const v1::ReconcileRequest* req,
                                      v1::ReconcileResponse* resp) override;

 private:
  Importer& importer_;
  std::shared_ptr<grpc::Channel> directory_;
  server::Frame& frame_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_RECONCILE_SERVICE_H_
