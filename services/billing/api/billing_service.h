#ifndef CLIENTBOOK_SERVICES_BILLING_API_BILLING_SERVICE_H_
#define CLIENTBOOK_SERVICES_BILLING_API_BILLING_SERVICE_H_

#include "clientbook/v1/billing.grpc.pb.h"
#include "common/changes/change_log.h"
#include "common/server/arena_messages.h"
#include "common/server/frame.h"
#include "services/billing/domain/billing.h"

namespace clientbook::billing {

// clientbook.v1.BillingService over gRPC's callback API: converts messages,
// calls Billing, maps the status. Every call asks the directory about the
// caller, so all run on the frame's blocking pool. No rules live here.
class BillingService final : public v1::BillingService::CallbackService {
 public:
  // `changes`: billing's change log, whose position a list's first page
  // returns (change_token).
  BillingService(Billing& billing, const changes::ChangeLog& changes,
                 server::Frame& frame)
      : billing_(billing), changes_(changes), frame_(frame) {
    SetMessageAllocatorFor_ListSubscriptions(&list_subscriptions_messages_);
  }

  grpc::ServerUnaryReactor* GetSubscription(grpc::CallbackServerContext* ctx,
                                            const v1::GetSubscriptionRequest* req,
                                            v1::Subscription* resp) override;
  grpc::ServerUnaryReactor* ListSubscriptions(
      grpc::CallbackServerContext* ctx, const v1::ListSubscriptionsRequest* req,
      v1::ListSubscriptionsResponse* resp) override;
  grpc::ServerUnaryReactor* SubscribeClient(grpc::CallbackServerContext* ctx,
                                            const v1::SubscribeClientRequest* req,
                                            v1::Subscription* resp) override;
  grpc::ServerUnaryReactor* AddProduct(grpc::CallbackServerContext* ctx,
                                       const v1::AddProductRequest* req,
                                       v1::Subscription* resp) override;
  grpc::ServerUnaryReactor* RemoveProduct(grpc::CallbackServerContext* ctx,
                                          const v1::RemoveProductRequest* req,
                                          v1::Subscription* resp) override;
  grpc::ServerUnaryReactor* SetBillingPeriod(grpc::CallbackServerContext* ctx,
                                             const v1::SetBillingPeriodRequest* req,
                                             v1::Subscription* resp) override;
  grpc::ServerUnaryReactor* AddPaymentMethod(grpc::CallbackServerContext* ctx,
                                             const v1::AddPaymentMethodRequest* req,
                                             v1::Subscription* resp) override;
  grpc::ServerUnaryReactor* RemoveFromWholesale(grpc::CallbackServerContext* ctx,
                                                const v1::RemoveFromWholesaleRequest* req,
                                                v1::Subscription* resp) override;
  grpc::ServerUnaryReactor* AuthorizeBillingTransfer(
      grpc::CallbackServerContext* ctx, const v1::AuthorizeBillingTransferRequest* req,
      v1::BillingTransfer* resp) override;
  grpc::ServerUnaryReactor* CompleteBillingTransfer(
      grpc::CallbackServerContext* ctx, const v1::CompleteBillingTransferRequest* req,
      v1::BillingTransfer* resp) override;
  grpc::ServerUnaryReactor* RevokeBillingTransfer(
      grpc::CallbackServerContext* ctx, const v1::RevokeBillingTransferRequest* req,
      v1::BillingTransfer* resp) override;
  grpc::ServerUnaryReactor* GetBillingTransfer(grpc::CallbackServerContext* ctx,
                                               const v1::GetBillingTransferRequest* req,
                                               v1::BillingTransfer* resp) override;

 private:
  Billing& billing_;
  const changes::ChangeLog& changes_;
  server::Frame& frame_;
  // Pages of up to 1,000, each written in place on the call's arena.
  server::ArenaMessages<v1::ListSubscriptionsRequest, v1::ListSubscriptionsResponse>
      list_subscriptions_messages_;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_API_BILLING_SERVICE_H_
