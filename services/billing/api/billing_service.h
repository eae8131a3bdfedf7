#ifndef CLIENTBOOK_SERVICES_BILLING_API_BILLING_SERVICE_H_
#define CLIENTBOOK_SERVICES_BILLING_API_BILLING_SERVICE_H_

#include "clientbook/v1/billing.grpc.pb.h"
#include "common/auth/authenticator.h"
#include "services/billing/domain/billing.h"

namespace clientbook::billing {

// clientbook.v1.BillingService over gRPC: converts messages, calls Billing,
// maps the status. No rules live here.
class BillingService final : public v1::BillingService::Service {
 public:
  BillingService(Billing& billing, const auth::Authenticator& authenticator)
      : billing_(billing), authenticator_(authenticator) {}

  grpc::Status GetSubscription(grpc::ServerContext* ctx,
                               const v1::GetSubscriptionRequest* req,
                               v1::Subscription* resp) override;
  grpc::Status ListSubscriptions(grpc::ServerContext* ctx,
                                 const v1::ListSubscriptionsRequest* req,
                                 v1::ListSubscriptionsResponse* resp) override;
  grpc::Status SubscribeClient(grpc::ServerContext* ctx,
                               const v1::SubscribeClientRequest* req,
                               v1::Subscription* resp) override;
  grpc::Status AddProduct(grpc::ServerContext* ctx, const v1::AddProductRequest* req,
                          v1::Subscription* resp) override;
  grpc::Status RemoveProduct(grpc::ServerContext* ctx,
                             const v1::RemoveProductRequest* req,
                             v1::Subscription* resp) override;
  grpc::Status SetBillingPeriod(grpc::ServerContext* ctx,
                                const v1::SetBillingPeriodRequest* req,
                                v1::Subscription* resp) override;
  grpc::Status AddPaymentMethod(grpc::ServerContext* ctx,
                                const v1::AddPaymentMethodRequest* req,
                                v1::Subscription* resp) override;
  grpc::Status RemoveFromWholesale(grpc::ServerContext* ctx,
                                   const v1::RemoveFromWholesaleRequest* req,
                                   v1::Subscription* resp) override;
  grpc::Status AuthorizeBillingTransfer(grpc::ServerContext* ctx,
                                        const v1::AuthorizeBillingTransferRequest* req,
                                        v1::BillingTransfer* resp) override;
  grpc::Status CompleteBillingTransfer(grpc::ServerContext* ctx,
                                       const v1::CompleteBillingTransferRequest* req,
                                       v1::BillingTransfer* resp) override;
  grpc::Status RevokeBillingTransfer(grpc::ServerContext* ctx,
                                     const v1::RevokeBillingTransferRequest* req,
                                     v1::BillingTransfer* resp) override;
  grpc::Status GetBillingTransfer(grpc::ServerContext* ctx,
                                  const v1::GetBillingTransferRequest* req,
                                  v1::BillingTransfer* resp) override;

 private:
  Billing& billing_;
  const auth::Authenticator& authenticator_;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_API_BILLING_SERVICE_H_
