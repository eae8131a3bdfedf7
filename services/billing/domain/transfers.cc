// The two-step move of a self-paying client to the firm's wholesale plan,
// and the sweep that records lapsed trials.
#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "services/billing/domain/billing.h"
#include "services/billing/domain/rules.h"

namespace clientbook::billing {
namespace {

absl::Status Refuse(absl::string_view reason, absl::string_view message) {
  return errors::WithReason(absl::StatusCode::kFailedPrecondition, reason, message);
}

}  // namespace

absl::StatusOr<SubscriptionView> Billing::AuthorizeTransfer(const auth::Caller& caller,
                                                            names::SubscriptionName ref,
                                                            uint64_t firm_id,
                                                            absl::string_view request_id,
                                                            absl::string_view etag) {
  return Mutate(
      caller, ref, Actor::kClientPrimaryAdmin, absl::StrCat("authorize|", firm_id),
      request_id, etag, /*creates=*/false,
      [&](SubscriptionRecord& s, absl::Time now) -> absl::Status {
        if (firm_id != ref.firm_id) {
          return Refuse("CLIENT_NOT_CONNECTED_TO_FIRM",
                        absl::StrCat("the client is connected to firms/", ref.firm_id,
                                     ", not firms/", firm_id));
        }
        v1::TransferEligibility e = EligibilityAt(s, now);
        if (e == v1::TransferEligibility::ELIGIBLE)
          return TransferRefused(v1::TransferEligibility::TRANSFER_ALREADY_IN_PROGRESS);
        if (e != v1::TransferEligibility::NEEDS_CLIENT_PERMISSION)
          return TransferRefused(e);
        TransferRecord& t = *s.mutable_transfer();
        t.Clear();
        t.set_firm_id(firm_id);
        t.set_authorized_by(caller.user_id);
        t.set_authorize_time_us(absl::ToUnixMicros(now));
        t.set_state(v1::BillingTransfer::AUTHORIZED);
        return absl::OkStatus();
      });
}

absl::StatusOr<SubscriptionView> Billing::CompleteTransfer(const auth::Caller& caller,
                                                           names::SubscriptionName ref,
                                                           absl::string_view request_id,
                                                           absl::string_view etag) {
  return Mutate(
      caller, ref, Actor::kFirmMember, "complete", request_id, etag,
      /*creates=*/false, [&](SubscriptionRecord& s, absl::Time now) -> absl::Status {
        if (!s.has_transfer() || s.transfer().firm_id() != ref.firm_id) {
          return TransferRefused(v1::TransferEligibility::NEEDS_CLIENT_PERMISSION);
        }
        TransferRecord& t = *s.mutable_transfer();
        switch (TransferStateAt(t, now)) {
          case v1::BillingTransfer::COMPLETED:
            return absl::OkStatus();  // completing twice is not a second move
          case v1::BillingTransfer::REVOKED:
            return Refuse(
                "AUTHORIZATION_REVOKED",
                "the client revoked the authorization; it must authorize again");
          case v1::BillingTransfer::EXPIRED:
            return Refuse("AUTHORIZATION_EXPIRED",
                          absl::StrCat("authorization expired: it was given at ",
                                       absl::FormatTime(
                                           absl::FromUnixMicros(t.authorize_time_us())),
                                       " and a transfer must complete within ",
                                       absl::FormatDuration(kTransferWindow),
                                       "; the client must authorize again"));
          default:  // AUTHORIZED: in time
            break;
        }
        // What was true at authorization may have changed since (QuickBooks
        // Time added, annual billing): check again now.
        if (v1::TransferEligibility e = EligibilityAt(s, now);
            e != v1::TransferEligibility::ELIGIBLE) {
          return TransferRefused(e);
        }
        s.set_plan(v1::Plan::WHOLESALE);
        s.set_trial_end_us(0);
        s.set_lapse_recorded(false);
        t.set_state(v1::BillingTransfer::COMPLETED);
        t.set_completed_by(caller.user_id);
        t.set_complete_time_us(absl::ToUnixMicros(now));
        return absl::OkStatus();
      });
}

absl::StatusOr<SubscriptionView> Billing::RevokeTransfer(const auth::Caller& caller,
                                                         names::SubscriptionName ref,
                                                         absl::string_view request_id,
                                                         absl::string_view etag) {
  return Mutate(
      caller, ref, Actor::kClientPrimaryAdmin, "revoke", request_id, etag,
      /*creates=*/false, [&](SubscriptionRecord& s, absl::Time now) -> absl::Status {
        if (!s.has_transfer()) {
          return Refuse("NO_AUTHORIZATION",
                        "there is no transfer authorization to revoke");
        }
        switch (TransferStateAt(s.transfer(), now)) {
          case v1::BillingTransfer::REVOKED:
            return absl::OkStatus();
          case v1::BillingTransfer::COMPLETED:
            return Refuse("TRANSFER_COMPLETED",
                          "the transfer is already completed; the firm can remove the "
                          "client from wholesale billing instead");
          case v1::BillingTransfer::EXPIRED:
            return Refuse("AUTHORIZATION_EXPIRED", "the authorization already expired");
          default:  // AUTHORIZED: in time
            break;
        }
        s.mutable_transfer()->set_state(v1::BillingTransfer::REVOKED);
        return absl::OkStatus();
      });
}

absl::StatusOr<std::vector<SubscriptionRecord>> Billing::SweepExpiredTrials() {
  const absl::Time now = clock_.Now();
  absl::StatusOr<std::vector<SubscriptionRecord>> due =
      store_.TrialsEndedBy(absl::ToUnixMicros(now), kMaxLapsesPerSweep);
  if (!due.ok()) return due.status();
  std::vector<SubscriptionRecord> lapsed;
  for (const SubscriptionRecord& candidate : *due) {
    names::SubscriptionName ref{candidate.firm_id(), candidate.company_id()};
    auto guard = locks_.Lock({LockScope(ref)});
    // Read again under the lock: payment may have arrived meanwhile.
    absl::StatusOr<std::optional<SubscriptionRecord>> stored =
        store_.Get(ref.firm_id, ref.company_id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value() || (*stored)->lapse_recorded() ||
        TrialStateAt(**stored, now) != v1::TrialState::LAPSED) {
      continue;
    }
    SubscriptionRecord after = **stored;
    after.set_lapse_recorded(true);
    Revise(after, absl::ToUnixMicros(now));
    if (absl::Status s = store_.Commit(&**stored, after, std::nullopt, {.source = "sweep"});
        !s.ok()) {
      return s;
    }
    lapsed.push_back(std::move(after));
  }
  return lapsed;
}

}  // namespace clientbook::billing
