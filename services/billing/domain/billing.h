#ifndef CLIENTBOOK_SERVICES_BILLING_DOMAIN_BILLING_H_
#define CLIENTBOOK_SERVICES_BILLING_DOMAIN_BILLING_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/caller.h"
#include "common/storage/paging.h"
#include "common/storage/striped_locks.h"
#include "common/time/clock.h"
#include "services/billing/domain/billing_store.h"
#include "services/billing/domain/directory_client.h"
#include "services/billing/domain/model.h"

namespace clientbook::billing {

using storage::Page;
using storage::PageRequest;

// ListSubscriptions filters; 0 matches everything.
struct SubscriptionFilter {
  v1::Plan plan = v1::PLAN_UNSPECIFIED;
  v1::TrialState trial_state = v1::TRIAL_STATE_UNSPECIFIED;
  v1::TransferEligibility eligibility = v1::TRANSFER_ELIGIBILITY_UNSPECIFIED;
};

// The billing rules: plans, the direct-discount trial, and the two-step
// transfer to wholesale. Each call first asks the directory who the caller
// is to the client. Every mutation takes an optional request id: a retry
// with the same id returns the first result and changes nothing.
class Billing {
 public:
  Billing(BillingStore& store, const Clock& clock, DirectoryClient& directory)
      : store_(store), clock_(clock), directory_(directory) {}

  // Firm members and the client's primary admin read.
  absl::StatusOr<SubscriptionView> Get(const auth::Caller& caller,
                                       names::SubscriptionName ref);
  absl::StatusOr<Page<SubscriptionView>> List(const auth::Caller& caller,
                                              uint64_t firm_id,
                                              const SubscriptionFilter& filter,
                                              const PageRequest& page);

  // Firm members manage plans and products.
  absl::StatusOr<SubscriptionView> Subscribe(const auth::Caller& caller,
                                             names::SubscriptionName ref, v1::Plan plan,
                                             const std::vector<v1::Product>& products,
                                             v1::BillingPeriod billing_period,
                                             absl::string_view request_id);
  absl::StatusOr<SubscriptionView> AddProduct(const auth::Caller& caller,
                                              names::SubscriptionName ref,
                                              v1::Product product,
                                              absl::string_view request_id);
  absl::StatusOr<SubscriptionView> RemoveProduct(const auth::Caller& caller,
                                                 names::SubscriptionName ref,
                                                 v1::Product product,
                                                 absl::string_view request_id);
  absl::StatusOr<SubscriptionView> SetBillingPeriod(const auth::Caller& caller,
                                                    names::SubscriptionName ref,
                                                    v1::BillingPeriod billing_period,
                                                    absl::string_view request_id);
  absl::StatusOr<SubscriptionView> RemoveFromWholesale(const auth::Caller& caller,
                                                       names::SubscriptionName ref,
                                                       absl::string_view request_id);

  // The client company's primary admin pays and authorizes.
  absl::StatusOr<SubscriptionView> AddPaymentMethod(const auth::Caller& caller,
                                                    names::SubscriptionName ref,
                                                    absl::string_view request_id);
  absl::StatusOr<SubscriptionView> AuthorizeTransfer(const auth::Caller& caller,
                                                     names::SubscriptionName ref,
                                                     uint64_t firm_id,
                                                     absl::string_view request_id);
  absl::StatusOr<SubscriptionView> RevokeTransfer(const auth::Caller& caller,
                                                  names::SubscriptionName ref,
                                                  absl::string_view request_id);
  // A member of the authorized firm completes.
  absl::StatusOr<SubscriptionView> CompleteTransfer(const auth::Caller& caller,
                                                    names::SubscriptionName ref,
                                                    absl::string_view request_id);

  // Records each lapsed trial once; returns those recorded by this call.
  absl::StatusOr<std::vector<SubscriptionRecord>> SweepExpiredTrials();

  // The directory's change feed says the client is gone (deleted, or merged
  // into another) at `sequence`: its subscription, if any, leaves the firm's
  // lists and sweeps, kept as the company's history. Idempotent: the same
  // change seen again (a resumed feed) changes nothing. Returns whether it
  // changed a subscription.
  absl::StatusOr<bool> ClientGone(uint64_t firm_id, uint64_t company_id,
                                  uint64_t sequence);

 private:
  enum class Actor { kAnyone, kFirmMember, kClientPrimaryAdmin };
  // Changes the record in place, or says why not. A change that leaves the
  // record as it was writes nothing.
  using Change = std::function<absl::Status(SubscriptionRecord&, absl::Time now)>;

  absl::Status CheckActor(const auth::Caller& caller, names::SubscriptionName ref,
                          Actor actor);
  // The shared frame of every mutation: authorization, the subscription's
  // lock, request-id replay, load, change, atomic commit.
  absl::StatusOr<SubscriptionView> Mutate(const auth::Caller& caller,
                                          names::SubscriptionName ref, Actor actor,
                                          std::string operation,
                                          absl::string_view request_id, bool creates,
                                          const Change& change);

  BillingStore& store_;
  const Clock& clock_;
  DirectoryClient& directory_;
  storage::StripedLocks locks_;
};

// The lock stripe key that serializes writes to one subscription.
std::string LockScope(names::SubscriptionName ref);

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_DOMAIN_BILLING_H_
