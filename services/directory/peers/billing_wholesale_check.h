#ifndef CLIENTBOOK_SERVICES_DIRECTORY_PEERS_BILLING_WHOLESALE_CHECK_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_PEERS_BILLING_WHOLESALE_CHECK_H_

#include <memory>
#include <optional>

#include "absl/time/time.h"
#include "clientbook/v1/billing.grpc.pb.h"
#include "common/client/service_clients.h"
#include "grpcpp/channel.h"
#include "services/directory/domain/wholesale_port.h"

namespace clientbook::directory {

// Asks the billing service about a client's subscription: whether it has
// one, and whether it is on the firm's wholesale plan (none means no). Billing
// unreachable or too slow is UNAVAILABLE, so the delete is refused rather than guessed.
class BillingWholesaleCheck final : public WholesaleCheck {
 public:
  BillingWholesaleCheck(std::shared_ptr<grpc::Channel> billing, absl::Duration timeout)
      : billing_(std::move(billing), timeout) {}

  absl::StatusOr<bool> IsOnWholesale(const auth::Caller& caller,
                                     const ClientRecord& client) override;
  absl::StatusOr<bool> HasSubscription(const auth::Caller& caller,
                                       const ClientRecord& client) override;

 private:
  // The client's subscription; nullopt when it has none.
  absl::StatusOr<std::optional<v1::Subscription>> SubscriptionOf(
      const auth::Caller& caller, const ClientRecord& client);

  client::BillingClient billing_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_PEERS_BILLING_WHOLESALE_CHECK_H_
