#include "services/billing/api/billing_service.h"

#include "common/names/names.h"
#include "common/server/call.h"
#include "common/status/macros.h"
#include "services/billing/api/convert.h"

namespace clientbook::billing {
namespace {

using server::Serve;

// Unary handlers that turn a subscription name into a view share this.
template <typename Request, typename Response, typename Action, typename Output>
grpc::Status OnSubscription(const auth::Authenticator& authenticator,
                            grpc::ServerContext* ctx, const Request& req, Response* resp,
                            Action action, Output output) {
  return Serve(authenticator, *ctx, &req,
               [&](const auth::Caller& caller) -> absl::Status {
                 CB_ASSIGN_OR_RETURN(names::SubscriptionName ref,
                                     names::SubscriptionName::Parse("name", req.name()));
                 CB_ASSIGN_OR_RETURN(SubscriptionView view, action(caller, ref));
                 *resp = output(view);
                 return absl::OkStatus();
               });
}

}  // namespace

grpc::Status BillingService::GetSubscription(grpc::ServerContext* ctx,
                                             const v1::GetSubscriptionRequest* req,
                                             v1::Subscription* resp) {
  return OnSubscription(
      authenticator_, ctx, *req, resp,
      [&](const auth::Caller& caller, names::SubscriptionName ref) {
        return billing_.Get(caller, ref);
      },
      ToProto);
}

grpc::Status BillingService::ListSubscriptions(grpc::ServerContext* ctx,
                                               const v1::ListSubscriptionsRequest* req,
                                               v1::ListSubscriptionsResponse* resp) {
  return Serve(
      authenticator_, *ctx, req, [&](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        SubscriptionFilter filter{.plan = req->plan(),
                                  .trial_state = req->trial_state(),
                                  .eligibility = req->transfer_eligibility()};
        CB_ASSIGN_OR_RETURN(Page<SubscriptionView> page,
                            billing_.List(caller, firm.firm_id, filter,
                                          PageRequest{.page_size = req->page_size(),
                                                      .page_token = req->page_token()}));
        for (const SubscriptionView& v : page.items)
          *resp->add_subscriptions() = ToProto(v);
        resp->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status BillingService::SubscribeClient(grpc::ServerContext* ctx,
                                             const v1::SubscribeClientRequest* req,
                                             v1::Subscription* resp) {
  return Serve(
      authenticator_, *ctx, req, [&](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::ClientName client,
                            names::ClientName::Parse("parent", req->parent()));
        std::vector<v1::Product> products;
        for (int i = 0; i < req->subscription().products_size(); ++i) {
          products.push_back(req->subscription().products(i));
        }
        CB_ASSIGN_OR_RETURN(
            SubscriptionView view,
            billing_.Subscribe(caller, {client.firm_id, client.company_id},
                               req->subscription().plan(), products,
                               req->subscription().billing_period(), req->request_id()));
        *resp = ToProto(view);
        return absl::OkStatus();
      });
}

grpc::Status BillingService::AddProduct(grpc::ServerContext* ctx,
                                        const v1::AddProductRequest* req,
                                        v1::Subscription* resp) {
  return OnSubscription(
      authenticator_, ctx, *req, resp,
      [&](const auth::Caller& caller, names::SubscriptionName ref) {
        return billing_.AddProduct(caller, ref, req->product(), req->request_id());
      },
      ToProto);
}

grpc::Status BillingService::RemoveProduct(grpc::ServerContext* ctx,
                                           const v1::RemoveProductRequest* req,
                                           v1::Subscription* resp) {
  return OnSubscription(
      authenticator_, ctx, *req, resp,
      [&](const auth::Caller& caller, names::SubscriptionName ref) {
        return billing_.RemoveProduct(caller, ref, req->product(), req->request_id());
      },
      ToProto);
}

grpc::Status BillingService::SetBillingPeriod(grpc::ServerContext* ctx,
                                              const v1::SetBillingPeriodRequest* req,
                                              v1::Subscription* resp) {
  return OnSubscription(
      authenticator_, ctx, *req, resp,
      [&](const auth::Caller& caller, names::SubscriptionName ref) {
        return billing_.SetBillingPeriod(caller, ref, req->billing_period(),
                                         req->request_id());
      },
      ToProto);
}

grpc::Status BillingService::AddPaymentMethod(grpc::ServerContext* ctx,
                                              const v1::AddPaymentMethodRequest* req,
                                              v1::Subscription* resp) {
  return OnSubscription(
      authenticator_, ctx, *req, resp,
      [&](const auth::Caller& caller, names::SubscriptionName ref) {
        return billing_.AddPaymentMethod(caller, ref, req->request_id());
      },
      ToProto);
}

grpc::Status BillingService::RemoveFromWholesale(
    grpc::ServerContext* ctx, const v1::RemoveFromWholesaleRequest* req,
    v1::Subscription* resp) {
  return OnSubscription(
      authenticator_, ctx, *req, resp,
      [&](const auth::Caller& caller, names::SubscriptionName ref) {
        return billing_.RemoveFromWholesale(caller, ref, req->request_id());
      },
      ToProto);
}

grpc::Status BillingService::AuthorizeBillingTransfer(
    grpc::ServerContext* ctx, const v1::AuthorizeBillingTransferRequest* req,
    v1::BillingTransfer* resp) {
  return OnSubscription(
      authenticator_, ctx, *req, resp,
      [&](const auth::Caller& caller,
          names::SubscriptionName ref) -> absl::StatusOr<SubscriptionView> {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("firm", req->firm()));
        return billing_.AuthorizeTransfer(caller, ref, firm.firm_id, req->request_id());
      },
      TransferToProto);
}

grpc::Status BillingService::CompleteBillingTransfer(
    grpc::ServerContext* ctx, const v1::CompleteBillingTransferRequest* req,
    v1::BillingTransfer* resp) {
  return OnSubscription(
      authenticator_, ctx, *req, resp,
      [&](const auth::Caller& caller, names::SubscriptionName ref) {
        return billing_.CompleteTransfer(caller, ref, req->request_id());
      },
      TransferToProto);
}

grpc::Status BillingService::RevokeBillingTransfer(
    grpc::ServerContext* ctx, const v1::RevokeBillingTransferRequest* req,
    v1::BillingTransfer* resp) {
  return OnSubscription(
      authenticator_, ctx, *req, resp,
      [&](const auth::Caller& caller, names::SubscriptionName ref) {
        return billing_.RevokeTransfer(caller, ref, req->request_id());
      },
      TransferToProto);
}

grpc::Status BillingService::GetBillingTransfer(grpc::ServerContext* ctx,
                                                const v1::GetBillingTransferRequest* req,
                                                v1::BillingTransfer* resp) {
  return Serve(
      authenticator_, *ctx, req, [&](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::BillingTransferName transfer,
                            names::BillingTransferName::Parse("name", req->name()));
        CB_ASSIGN_OR_RETURN(SubscriptionView view,
                            billing_.Get(caller, transfer.subscription()));
        if (!view.record.has_transfer()) {
          return absl::NotFoundError(
              absl::StrCat(req->name(), " not found: no transfer was authorized"));
        }
        *resp = TransferToProto(view);
        return absl::OkStatus();
      });
}

}  // namespace clientbook::billing
