#ifndef CLIENTBOOK_SERVICES_BILLING_API_BILLING_RECONCILE_SERVICE_H_
#define CLIENTBOOK_SERVICES_BILLING_API_BILLING_RECONCILE_SERVICE_H_

#include <memory>

#include "clientbook/v1/reconcile.grpc.pb.h"
#include "common/server/frame.h"
#include "grpcpp/channel.h"
#include "services/billing/domain/billing.h"

namespace clientbook::billing {

// clientbook.v1.ReconcileService on billing's operator address: billing's
// subscriptions against the directory's clients (Billing::ReconcileClients),
// read as a snapshot of the directory's change feed with the operator's own
// credentials, so the directory's audit names the operator.
class BillingReconcileService final : public v1::ReconcileService::CallbackService {
 public:
  BillingReconcileService(Billing& billing, std::shared_ptr<grpc::Channel> directory,
                          server::Frame& frame)
      : billing_(billing), directory_(std::move(directory)), frame_(frame) {}

  grpc::ServerUnaryReactor* Reconcile(grpc::CallbackServerContext* ctx,
                                      const v1::ReconcileRequest* req,
                                      v1::ReconcileResponse* resp) override;

 private:
  Billing& billing_;
  std::shared_ptr<grpc::Channel> directory_;
  server::Frame& frame_;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_API_BILLING_RECONCILE_SERVICE_H_
