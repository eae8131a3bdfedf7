#ifndef CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_RECONCILE_SERVICE_H_
#define CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_RECONCILE_SERVICE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "clientbook/v1/reconcile.grpc.pb.h"
#include "common/auth/caller.h"
#include "common/locks/shared_next_run.h"
#include "common/server/frame.h"
#include "grpcpp/channel.h"
#include "services/import/domain/importer.h"

namespace clientbook::importer {

// clientbook.v1.ReconcileService on import's operator address: import jobs
// against the directory's firms (Importer::FindJobsWithoutFirm), read as a
// snapshot of the directory's change feed with the operator's own
// credentials. It only lists: a job without its firm has no one right repair.
// Calls that arrive while one runs share the next.
class ImportReconcileService final : public v1::ReconcileService::CallbackService {
 public:
  ImportReconcileService(Importer& importer, std::shared_ptr<grpc::Channel> directory,
                         server::Frame& frame)
      : importer_(importer), directory_(std::move(directory)), frame_(frame) {}

  grpc::ServerUnaryReactor* Reconcile(grpc::CallbackServerContext* ctx,
                                      const v1::ReconcileRequest* req,
                                      v1::ReconcileResponse* resp) override;

 private:
  absl::StatusOr<v1::ReconcileResponse> ReconcileNow(const auth::Caller& caller);

  Importer& importer_;
  std::shared_ptr<grpc::Channel> directory_;
  server::Frame& frame_;
  storage::SharedNextRun<absl::StatusOr<v1::ReconcileResponse>> runs_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_RECONCILE_SERVICE_H_
