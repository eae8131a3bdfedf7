#include "services/directory/api/billing_wholesale_check.h"

#include "absl/strings/str_cat.h"
#include "common/client/outgoing_call.h"
#include "services/directory/domain/names.h"

namespace clientbook::directory {

absl::StatusOr<bool> BillingWholesaleCheck::IsOnWholesale(absl::string_view caller,
                                                          const ClientRecord& client) {
  v1::GetSubscriptionRequest req;
  req.set_name(
      absl::StrCat(ClientName(client.firm_id(), client.company_id()), "/subscription"));
  v1::Subscription subscription;
  grpc::Status status = stub_->GetSubscription(client::ContextFor(caller, timeout_).get(),
                                               req, &subscription);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return false;
  if (!status.ok()) return client::FromCall(status, "the billing service");
  return subscription.plan() == v1::WHOLESALE;
}

}  // namespace clientbook::directory
