// Billing's side of `clientbook-admin reconcile`: which subscriptions'
// clients the directory no longer agrees on after a restore, and the one
// right repair of each.
#include "services/billing/domain/billing.h"

namespace clientbook::billing {
namespace {

// The mismatch `s` is, if any, against the directory's `exists`.
std::optional<ClientMismatch::Kind> MismatchOf(const SubscriptionRecord& s, bool exists) {
  const bool gone = s.client_gone_us() != 0;
  if (!gone && !exists) return ClientMismatch::Kind::kClientMissing;
  if (gone && exists) return ClientMismatch::Kind::kClientReturned;
  return std::nullopt;
}

}  // namespace

absl::StatusOr<ClientReconciliation> Billing::ReconcileClients(
    const changes::ChangeOrigin& repairs,
    const std::function<absl::StatusOr<ClientSet>()>& directory_clients, bool fix) {
  const int64_t as_of_us = absl::ToUnixMicros(clock_.Now());
  absl::StatusOr<ClientSet> clients = directory_clients();
  if (!clients.ok()) return clients.status();
  ClientReconciliation out;
  out.directory_client_count = static_cast<int64_t>(clients->size());
  absl::Status walked = store_.ForEach([&](const SubscriptionRecord& s) -> absl::Status {
    ++out.checked_count;
    // Changed since the snapshot began: what the snapshot says of its
    // client may be older than the subscription, and the feed applies it.
    if (s.update_time_us() >= as_of_us) return absl::OkStatus();
    std::optional<ClientMismatch::Kind> kind =
        MismatchOf(s, clients->contains({s.firm_id(), s.company_id()}));
    if (!kind.has_value()) return absl::OkStatus();
    ClientMismatch mismatch{*kind, {s.firm_id(), s.company_id()}};
    if (fix) {
      absl::StatusOr<bool> fixed = Repair(repairs, mismatch, as_of_us);
      if (!fixed.ok()) return fixed.status();
      mismatch.fixed = *fixed;
    }
    ++out.mismatch_count;
    if (mismatch.fixed) ++out.fixed_count;
    if (out.mismatches.size() < ClientReconciliation::kMaxListed) {
      out.mismatches.push_back(mismatch);
    }
    return absl::OkStatus();
  });
  if (!walked.ok()) return walked;
  return out;
}

absl::StatusOr<bool> Billing::Repair(const changes::ChangeOrigin& repairs,
                                     const ClientMismatch& mismatch, int64_t as_of_us) {
  // Changed while the walk went on: left to the feed, as above.
  return MarkClient(mismatch.subscription,
                    /*gone=*/mismatch.kind == ClientMismatch::Kind::kClientMissing,
                    /*sequence=*/0, repairs, [as_of_us](const SubscriptionRecord& s) {
                      return s.update_time_us() < as_of_us;
                    });
}

}  // namespace clientbook::billing
