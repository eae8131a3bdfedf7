#ifndef CLIENTBOOK_SERVICES_BILLING_API_BILLING_RECONCILE_SERVICE_H_
#define CLIENTBOOK_SERVICES_BILLING_API_BILLING_RECONCILE_SERVICE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "clientbook/v1/reconcile.grpc.pb.h"
#include "common/auth/caller.h"
#include "common/locks/shared_next_run.h"
#include "common/server/frame.h"
#include "grpcpp/channel.h"
#include "services/billing/domain/billing.h"

namespace clientbook::billing {

// clientbook.v1.ReconcileService on billing's operator address: billing's
// subscriptions against the directory's clients (Billing::ReconcileClients),
// read as a snapshot of the directory's change feed with the operator's own
// credentials, so the directory's audit names the operator. Calls that arrive
// while one runs share the next of theirs (with or without `fix`): a run
// holds a set of every client the directory has.
class BillingReconcileService final : public v1::ReconcileService::CallbackService {
 public:
  BillingReconcileService(Billing& billing, std::shared_ptr<grpc::Channel> directory,
                          server::Frame& frame)
      : billing_(billing), directory_(std::move(directory)), frame_(frame) {}

  grpc::ServerUnaryReactor* Reconcile(grpc::CallbackServerContext* ctx,
                                      const v1::ReconcileRequest* req,
                                      v1::ReconcileResponse* resp) override;

 private:
  absl::StatusOr<v1::ReconcileResponse> ReconcileNow(const auth::Caller& caller,
                                                     bool fix);

  Billing& billing_;
  std::shared_ptr<grpc::Channel> directory_;
  server::Frame& frame_;
  // Indexed by `fix`.
  storage::SharedNextRun<absl::StatusOr<v1::ReconcileResponse>> runs_[2];
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_API_BILLING_RECONCILE_SERVICE_H_
