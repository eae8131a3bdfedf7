#ifndef CLIENTBOOK_SERVICES_BILLING_DOMAIN_BILLING_H_
#define CLIENTBOOK_SERVICES_BILLING_DOMAIN_BILLING_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/caller.h"
#include "common/locks/striped_locks.h"
#include "common/paging/paging.h"
#include "common/time/clock.h"
#include "services/billing/domain/directory_port.h"
#include "services/billing/domain/model.h"
#include "services/billing/domain/store_port.h"

namespace clientbook::billing {

using storage::Page;
using storage::PageRequest;

// ListSubscriptions filters; 0 matches everything.
struct SubscriptionFilter {
  v1::Plan plan = v1::PLAN_UNSPECIFIED;
  v1::TrialState trial_state = v1::TRIAL_STATE_UNSPECIFIED;
  v1::TransferEligibility eligibility = v1::TRANSFER_ELIGIBILITY_UNSPECIFIED;
};

// A subscription whose client the directory and billing disagree on, as
// Billing::ReconcileClients finds it.
struct ClientMismatch {
  enum class Kind {
    // Billing lists it, the directory has no such client (created after the
    // directory's backup and lost with its volume, or gone while billing's
    // store was the one restored, past the feed's retention).
    kClientMissing,
    // Billing took it out when its client went, and the directory has the
    // client again (restored from before it went).
    kClientReturned,
  };
  Kind kind;
  names::SubscriptionName subscription;
  bool fixed = false;
};

// Clients as (firm id, company id).
using ClientSet = absl::flat_hash_set<std::pair<uint64_t, uint64_t>>;

struct ClientReconciliation {
  // The first kMaxListed found, in firm and company order; the counts are
  // of all.
  static constexpr size_t kMaxListed = 1000;
  std::vector<ClientMismatch> mismatches;
  int64_t mismatch_count = 0;
  int64_t fixed_count = 0;
  int64_t checked_count = 0;
  int64_t directory_client_count = 0;
};

// The billing rules: plans, the direct-discount trial, and the two-step
// transfer to wholesale. Each call first asks the directory who the caller
// is to the client. Every mutation takes an optional request id: a retry
// with the same id returns the first result and changes nothing. A change
// of a subscription takes its optional etag too: stale, it is ABORTED.
class Billing {
 public:
  Billing(BillingStore& store, const Clock& clock, DirectoryPort& directory)
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
                                              absl::string_view request_id,
                                              absl::string_view etag = "");
  absl::StatusOr<SubscriptionView> RemoveProduct(const auth::Caller& caller,
                                                 names::SubscriptionName ref,
                                                 v1::Product product,
                                                 absl::string_view request_id,
                                                 absl::string_view etag = "");
  absl::StatusOr<SubscriptionView> SetBillingPeriod(const auth::Caller& caller,
                                                    names::SubscriptionName ref,
                                                    v1::BillingPeriod billing_period,
                                                    absl::string_view request_id,
                                                    absl::string_view etag = "");
  absl::StatusOr<SubscriptionView> RemoveFromWholesale(const auth::Caller& caller,
                                                       names::SubscriptionName ref,
                                                       absl::string_view request_id,
                                                       absl::string_view etag = "");

  // The client company's primary admin pays and authorizes.
  absl::StatusOr<SubscriptionView> AddPaymentMethod(const auth::Caller& caller,
                                                    names::SubscriptionName ref,
                                                    absl::string_view request_id,
                                                    absl::string_view etag = "");
  absl::StatusOr<SubscriptionView> AuthorizeTransfer(const auth::Caller& caller,
                                                     names::SubscriptionName ref,
                                                     uint64_t firm_id,
                                                     absl::string_view request_id,
                                                     absl::string_view etag = "");
  absl::StatusOr<SubscriptionView> RevokeTransfer(const auth::Caller& caller,
                                                  names::SubscriptionName ref,
                                                  absl::string_view request_id,
                                                  absl::string_view etag = "");
  // A member of the authorized firm completes.
  absl::StatusOr<SubscriptionView> CompleteTransfer(const auth::Caller& caller,
                                                    names::SubscriptionName ref,
                                                    absl::string_view request_id,
                                                    absl::string_view etag = "");

  // Records each lapsed trial once; returns those recorded by this call.
  absl::StatusOr<std::vector<SubscriptionRecord>> SweepExpiredTrials();

  // The directory's change feed says the client is gone (deleted, or merged
  // into another) at `sequence`: its subscription, if any, leaves the firm's
  // lists and sweeps, kept as the company's history. Idempotent: the same
  // change seen again (a resumed feed) changes nothing. Returns whether it
  // changed a subscription.
  absl::StatusOr<bool> ClientGone(uint64_t firm_id, uint64_t company_id,
                                  uint64_t sequence);

  // After a restore of either store, billing and the directory may disagree
  // on which clients exist; the directory owns the answer, which
  // `directory_clients` reads (a snapshot of every firm's clients, begun
  // after this call notes the time: a subscription changed since is left to
  // the feed). With `fix`, each
  // mismatch is repaired the one right way: a subscription of a missing
  // client leaves the lists as the client's deletion would have done, one
  // of a returned client comes back into them; `repairs` names who made
  // them (an operator's reconcile, or billing following the directory).
  absl::StatusOr<ClientReconciliation> ReconcileClients(
      const changes::ChangeOrigin& repairs,
      const std::function<absl::StatusOr<ClientSet>()>& directory_clients, bool fix);

 private:
  enum class Actor { kAnyone, kFirmMember, kClientPrimaryAdmin };
  // Changes the record in place, or says why not. A change that leaves the
  // record as it was writes nothing.
  using Change = std::function<absl::Status(SubscriptionRecord&, absl::Time now)>;

  absl::Status CheckActor(const auth::Caller& caller, names::SubscriptionName ref,
                          Actor actor);
  // The shared frame of every mutation: authorization, the subscription's
  // lock, request-id replay, load, etag check (if one is sent), change,
  // atomic commit.
  absl::StatusOr<SubscriptionView> Mutate(const auth::Caller& caller,
                                          names::SubscriptionName ref, Actor actor,
                                          std::string operation,
                                          absl::string_view request_id,
                                          absl::string_view etag, bool creates,
                                          const Change& change);

  // Repairs `mismatch` under the subscription's lock if it still holds.
  absl::StatusOr<bool> Repair(const changes::ChangeOrigin& repairs,
                              const ClientMismatch& mismatch, int64_t as_of_us);
  // Marks the subscription's client gone (out of lists and sweeps) or back,
  // under its lock, when it is not so already and `still_applies` to it as
  // stored; returns whether it changed it.
  absl::StatusOr<bool> MarkClient(
      names::SubscriptionName ref, bool gone, uint64_t sequence,
      const changes::ChangeOrigin& origin,
      const std::function<bool(const SubscriptionRecord&)>& still_applies);

  // `after` as written at `now_us`: its update time, its next revision.
  static void Revise(SubscriptionRecord& after, int64_t now_us);

  BillingStore& store_;
  const Clock& clock_;
  DirectoryPort& directory_;
  storage::StripedLocks locks_;
};

// The lock stripe key that serializes writes to one subscription.
std::string LockScope(names::SubscriptionName ref);

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_DOMAIN_BILLING_H_
