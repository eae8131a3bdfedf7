#include "services/billing/api/billing_service.h"

#include "common/changes/change_token.h"
#include "common/names/names.h"
#include "common/server/respond.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "services/billing/api/convert.h"

namespace clientbook::billing {
namespace {

using server::Respond;

// ToProto has two overloads: a value, and one written in place (pages).
constexpr auto kToProto = [](const SubscriptionView& view) { return ToProto(view); };
constexpr auto kIntoProto = [](const SubscriptionView& view, v1::Subscription& out) {
  ToProto(view, out);
};

// A body that acts on the subscription the request names, as `Output`.
template <typename Request, typename Response, typename Action, typename Output>
server::Frame::Body OnSubscription(const Request* req, Response* resp, Action action,
                                   Output output) {
  return [req, resp, action, output](const auth::Caller& caller) -> absl::Status {
    CB_ASSIGN_OR_RETURN(names::SubscriptionName ref,
                        names::SubscriptionName::Parse("name", req->name()));
    return Respond(action(caller, ref), resp, output);
  };
}

}  // namespace

grpc::ServerUnaryReactor* BillingService::GetSubscription(
    grpc::CallbackServerContext* ctx, const v1::GetSubscriptionRequest* req,
    v1::Subscription* resp) {
  return frame_.Blocking(
      ctx, req, resp,
      OnSubscription(
          req, resp,
          [this](const auth::Caller& caller, names::SubscriptionName ref) {
            return billing_.Get(caller, ref);
          },
          kToProto));
}

grpc::ServerUnaryReactor* BillingService::ListSubscriptions(
    grpc::CallbackServerContext* ctx, const v1::ListSubscriptionsRequest* req,
    v1::ListSubscriptionsResponse* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        SubscriptionFilter filter{.plan = req->plan(),
                                  .trial_state = req->trial_state(),
                                  .eligibility = req->transfer_eligibility()};
        resp->set_change_token(
            changes::ListChangeToken(changes_, req->parent(), req->page_token()));
        return server::RespondPage(
            billing_.List(caller, firm.firm_id, filter,
                          PageRequest{.page_size = req->page_size(),
                                      .page_token = req->page_token()}),
            resp, [](auto& out) { return out.add_subscriptions(); }, kIntoProto);
      });
}

grpc::ServerUnaryReactor* BillingService::SubscribeClient(
    grpc::CallbackServerContext* ctx, const v1::SubscribeClientRequest* req,
    v1::Subscription* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::ClientName client,
                            names::ClientName::Parse("parent", req->parent()));
        std::vector<v1::Product> products;
        for (int product : req->subscription().products()) {
          products.push_back(static_cast<v1::Product>(product));
        }
        return Respond(
            billing_.Subscribe(caller, {client.firm_id, client.company_id},
                               req->subscription().plan(), products,
                               req->subscription().billing_period(), req->request_id()),
            resp, kToProto);
      });
}

grpc::ServerUnaryReactor* BillingService::AddProduct(grpc::CallbackServerContext* ctx,
                                                     const v1::AddProductRequest* req,
                                                     v1::Subscription* resp) {
  return frame_.Blocking(
      ctx, req, resp,
      OnSubscription(
          req, resp,
          [this, req](const auth::Caller& caller, names::SubscriptionName ref) {
            return billing_.AddProduct(caller, ref, req->product(), req->request_id(),
                                       req->etag());
          },
          kToProto));
}

grpc::ServerUnaryReactor* BillingService::RemoveProduct(
    grpc::CallbackServerContext* ctx, const v1::RemoveProductRequest* req,
    v1::Subscription* resp) {
  return frame_.Blocking(
      ctx, req, resp,
      OnSubscription(
          req, resp,
          [this, req](const auth::Caller& caller, names::SubscriptionName ref) {
            return billing_.RemoveProduct(caller, ref, req->product(), req->request_id(),
                                          req->etag());
          },
          kToProto));
}

grpc::ServerUnaryReactor* BillingService::SetBillingPeriod(
    grpc::CallbackServerContext* ctx, const v1::SetBillingPeriodRequest* req,
    v1::Subscription* resp) {
  return frame_.Blocking(
      ctx, req, resp,
      OnSubscription(
          req, resp,
          [this, req](const auth::Caller& caller, names::SubscriptionName ref) {
            return billing_.SetBillingPeriod(caller, ref, req->billing_period(),
                                             req->request_id(), req->etag());
          },
          kToProto));
}

grpc::ServerUnaryReactor* BillingService::AddPaymentMethod(
    grpc::CallbackServerContext* ctx, const v1::AddPaymentMethodRequest* req,
    v1::Subscription* resp) {
  return frame_.Blocking(
      ctx, req, resp,
      OnSubscription(
          req, resp,
          [this, req](const auth::Caller& caller, names::SubscriptionName ref) {
            return billing_.AddPaymentMethod(caller, ref, req->request_id(), req->etag());
          },
          kToProto));
}

grpc::ServerUnaryReactor* BillingService::RemoveFromWholesale(
    grpc::CallbackServerContext* ctx, const v1::RemoveFromWholesaleRequest* req,
    v1::Subscription* resp) {
  return frame_.Blocking(
      ctx, req, resp,
      OnSubscription(
          req, resp,
          [this, req](const auth::Caller& caller, names::SubscriptionName ref) {
            return billing_.RemoveFromWholesale(caller, ref, req->request_id(),
                                                req->etag());
          },
          kToProto));
}

grpc::ServerUnaryReactor* BillingService::AuthorizeBillingTransfer(
    grpc::CallbackServerContext* ctx, const v1::AuthorizeBillingTransferRequest* req,
    v1::BillingTransfer* resp) {
  return frame_.Blocking(
      ctx, req, resp,
      OnSubscription(
          req, resp,
          [this, req](const auth::Caller& caller,
                      names::SubscriptionName ref) -> absl::StatusOr<SubscriptionView> {
            CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                                names::FirmName::Parse("firm", req->firm()));
            return billing_.AuthorizeTransfer(caller, ref, firm.firm_id,
                                              req->request_id(), req->etag());
          },
          TransferToProto));
}

grpc::ServerUnaryReactor* BillingService::CompleteBillingTransfer(
    grpc::CallbackServerContext* ctx, const v1::CompleteBillingTransferRequest* req,
    v1::BillingTransfer* resp) {
  return frame_.Blocking(
      ctx, req, resp,
      OnSubscription(
          req, resp,
          [this, req](const auth::Caller& caller, names::SubscriptionName ref) {
            return billing_.CompleteTransfer(caller, ref, req->request_id(), req->etag());
          },
          TransferToProto));
}

grpc::ServerUnaryReactor* BillingService::RevokeBillingTransfer(
    grpc::CallbackServerContext* ctx, const v1::RevokeBillingTransferRequest* req,
    v1::BillingTransfer* resp) {
  return frame_.Blocking(
      ctx, req, resp,
      OnSubscription(
          req, resp,
          [this, req](const auth::Caller& caller, names::SubscriptionName ref) {
            return billing_.RevokeTransfer(caller, ref, req->request_id(), req->etag());
          },
          TransferToProto));
}

grpc::ServerUnaryReactor* BillingService::GetBillingTransfer(
    grpc::CallbackServerContext* ctx, const v1::GetBillingTransferRequest* req,
    v1::BillingTransfer* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::BillingTransferName transfer,
                            names::BillingTransferName::Parse("name", req->name()));
        CB_ASSIGN_OR_RETURN(SubscriptionView view,
                            billing_.Get(caller, transfer.subscription()));
        if (!view.record.has_transfer()) {
          return errors::NotFound(req->name(), "no transfer was authorized");
        }
        *resp = TransferToProto(view);
        return absl::OkStatus();
      });
}

}  // namespace clientbook::billing
