#include "services/directory/peers/billing_wholesale_check.h"

namespace clientbook::directory {

absl::StatusOr<std::optional<v1::Subscription>> BillingWholesaleCheck::SubscriptionOf(
    const auth::Caller& caller, const ClientRecord& client) {
  absl::StatusOr<v1::Subscription> subscription =
      billing_.GetSubscription(caller, {client.firm_id(), client.company_id()});
  if (subscription.status().code() == absl::StatusCode::kNotFound) return std::nullopt;
  if (!subscription.ok()) return subscription.status();
  return std::move(*subscription);
}

absl::StatusOr<bool> BillingWholesaleCheck::IsOnWholesale(const auth::Caller& caller,
                                                          const ClientRecord& client) {
  absl::StatusOr<std::optional<v1::Subscription>> subscription =
      SubscriptionOf(caller, client);
  if (!subscription.ok()) return subscription.status();
  return subscription->has_value() && (*subscription)->plan() == v1::WHOLESALE;
}

absl::StatusOr<bool> BillingWholesaleCheck::HasSubscription(const auth::Caller& caller,
                                                            const ClientRecord& client) {
  absl::StatusOr<std::optional<v1::Subscription>> subscription =
      SubscriptionOf(caller, client);
  if (!subscription.ok()) return subscription.status();
  return subscription->has_value();
}

}  // namespace clientbook::directory
