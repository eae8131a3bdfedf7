#include "services/billing/api/billing_reconcile_service.h"

#include "absl/strings/str_cat.h"
#include "common/names/names.h"
#include "common/status/macros.h"
#include "services/billing/peers/directory_feed.h"

namespace clientbook::billing {
namespace {

void ToProto(const ClientMismatch& found, v1::Mismatch& out) {
  const std::string client =
      names::ClientName{found.subscription.firm_id, found.subscription.company_id}
          .ToString();
  out.set_name(found.subscription.ToString());
  out.set_fixable(true);
  out.set_fixed(found.fixed);
  if (found.kind == ClientMismatch::Kind::kClientMissing) {
    out.set_kind(v1::Mismatch::SUBSCRIPTION_WITHOUT_CLIENT);
    out.set_detail(absl::StrCat("billing lists the subscription; the directory has no ",
                                client,
                                ". Fix: take it out of the firm's lists and "
                                "sweeps, as the client's deletion would have"));
  } else {
    out.set_kind(v1::Mismatch::SUBSCRIPTION_OF_RETURNED_CLIENT);
    out.set_detail(absl::StrCat("billing took the subscription out when ", client,
                                " went; the directory has the client again. Fix: put "
                                "it back into the firm's lists"));
  }
}

}  // namespace

grpc::ServerUnaryReactor* BillingReconcileService::Reconcile(
    grpc::CallbackServerContext* ctx, const v1::ReconcileRequest* req,
    v1::ReconcileResponse* resp) {
  return frame_.AsksPeers(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_RETURN_IF_ERROR(auth::RequireOperator(caller));
        const bool fix = req->fix();
        CB_ASSIGN_OR_RETURN(*resp,
                            runs_[fix].Run(caller.deadline, [&](absl::Time deadline) {
                              return ReconcileNow(caller.WithDeadline(deadline), fix);
                            }));
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::ReconcileResponse> BillingReconcileService::ReconcileNow(
    const auth::Caller& caller, bool fix) {
  CB_ASSIGN_OR_RETURN(ClientReconciliation found,
                      billing_.ReconcileClients(
                          {.actor = caller.user_id, .source = "reconcile"},
                          [&] { return ReadDirectoryClients(directory_, caller); }, fix));
  v1::ReconcileResponse out;
  for (const ClientMismatch& mismatch : found.mismatches) {
    ToProto(mismatch, *out.add_mismatches());
  }
  out.set_mismatch_count(found.mismatch_count);
  out.set_fixed_count(found.fixed_count);
  out.set_checked_count(found.checked_count);
  out.set_directory_resource_count(found.directory_client_count);
  return out;
}

}  // namespace clientbook::billing
