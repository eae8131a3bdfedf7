#ifndef CLIENTBOOK_SERVICES_BILLING_DOMAIN_STORE_PORT_H_
#define CLIENTBOOK_SERVICES_BILLING_DOMAIN_STORE_PORT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/changes/change_origin.h"
#include "common/paging/paging.h"
#include "services/billing/domain/records.pb.h"

namespace clientbook::billing {

using storage::StoredPage;

// A mutation's request id and the result to replay on retry.
struct RequestEntry {
  std::string caller;
  std::string request_id;
  RequestRecord record;
};

// Billing's persistence. Check-then-write sequences are serialized by the
// caller (Billing's locks); every Commit is one atomic batch.
class BillingStore {
 public:
  virtual ~BillingStore() = default;

  virtual absl::StatusOr<std::optional<SubscriptionRecord>> Get(
      uint64_t firm_id, uint64_t company_id) const = 0;

  // A page of the firm's subscriptions in company order that pass `filter`,
  // examining at most `max_examined` before returning a short page.
  virtual absl::StatusOr<StoredPage<SubscriptionRecord>> List(
      uint64_t firm_id, absl::string_view cursor, size_t limit, size_t max_examined,
      const std::function<bool(const SubscriptionRecord&)>& filter) const = 0;

  // Every subscription of every firm, in firm and company order, those whose
  // client is gone too; stops at the first error `visit` returns.
  virtual absl::Status ForEach(
      const std::function<absl::Status(const SubscriptionRecord&)>& visit) const = 0;

  // Direct-discount trials without payment information whose end is at or
  // before `now_us` and whose lapse is not recorded yet, oldest first.
  virtual absl::StatusOr<std::vector<SubscriptionRecord>> TrialsEndedBy(
      int64_t now_us, size_t limit) const = 0;

  virtual absl::StatusOr<std::optional<RequestRecord>> FindRequest(
      absl::string_view caller, absl::string_view request_id) const = 0;

  // Where billing is in another service's change feed (`feed` names it):
  // the resume token to go on from, "" before the first.
  virtual absl::StatusOr<std::string> GetFeedPosition(absl::string_view feed) const = 0;
  virtual absl::Status PutFeedPosition(absl::string_view feed,
                                       absl::string_view resume_token) = 0;

  // Writes `after` (replacing `before`, null when new), its change record
  // (made by `origin`) and, if given, the request entry, atomically.
  virtual absl::Status Commit(const SubscriptionRecord* before,
                              const SubscriptionRecord& after,
                              const std::optional<RequestEntry>& request,
                              const changes::ChangeOrigin& origin) = 0;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_DOMAIN_STORE_PORT_H_
