#include "services/billing/domain/rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace clientbook::billing {
namespace {

absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

bool IsAccountingTier(int32_t p) {
  return p >= static_cast<int32_t>(Product::kSimpleStart) &&
         p <= static_cast<int32_t>(Product::kAdvanced);
}

}  // namespace

bool TransferWindowOpen(absl::Time authorized, absl::Time now) {
  return now - authorized <= kTransferWindow;
}

bool HasProduct(const SubscriptionRecord& s, Product p) {
  return std::find(s.products().begin(), s.products().end(), static_cast<int32_t>(p)) !=
         s.products().end();
}

TrialState TrialStateAt(const SubscriptionRecord& s, absl::Time now) {
  if (PlanOf(s) != Plan::kDirectDiscount || s.trial_end_us() == 0) {
    return TrialState::kNoTrial;
  }
  if (s.payment_added_us() != 0 && s.payment_added_us() < s.trial_end_us()) {
    return TrialState::kConverted;
  }
  return now < FromMicros(s.trial_end_us()) ? TrialState::kInTrial : TrialState::kLapsed;
}

TransferState TransferStateAt(const TransferRecord& t, absl::Time now) {
  auto state = static_cast<TransferState>(t.state());
  if (state == TransferState::kAuthorized &&
      !TransferWindowOpen(FromMicros(t.authorize_time_us()), now)) {
    return TransferState::kExpired;
  }
  return state;
}

Eligibility EligibilityAt(const SubscriptionRecord& s, absl::Time now) {
  switch (PlanOf(s)) {
    case Plan::kNone:
      return Eligibility::kNoSubscription;
    case Plan::kWholesale:
      return Eligibility::kAlreadyWholesale;
    default:
      break;
  }
  if (HasProduct(s, Product::kQuickBooksTime)) return Eligibility::kQuickBooksTime;
  if (static_cast<BillingPeriod>(s.billing_period()) == BillingPeriod::kAnnual) {
    return Eligibility::kAnnualBilling;
  }
  if (s.has_transfer() &&
      TransferStateAt(s.transfer(), now) == TransferState::kAuthorized) {
    return Eligibility::kEligible;
  }
  return Eligibility::kNeedsClientPermission;
}

SubscriptionView ViewAt(const SubscriptionRecord& s, absl::Time now) {
  SubscriptionView view;
  view.record = s;
  view.trial_state = TrialStateAt(s, now);
  view.discount_active =
      PlanOf(s) == Plan::kDirectDiscount && view.trial_state != TrialState::kLapsed;
  if (s.has_transfer()) view.transfer_state = TransferStateAt(s.transfer(), now);
  view.eligibility = EligibilityAt(s, now);
  view.eligibility_reason = EligibilityReason(view.eligibility);
  return view;
}

absl::Status CheckPlanAllows(Plan plan,
                             const google::protobuf::RepeatedField<int32_t>& products) {
  int tiers = 0;
  for (int32_t p : products) {
    if (IsAccountingTier(p)) ++tiers;
    if (!IsAccountingTier(p) && p != static_cast<int32_t>(Product::kPayroll) &&
        p != static_cast<int32_t>(Product::kQuickBooksTime)) {
      return errors::InvalidField("products", absl::StrCat("unknown product ", p));
    }
  }
  if (tiers > 1) {
    return errors::InvalidField("products",
                                "at most one accounting tier per subscription");
  }
  if (plan == Plan::kNone && !products.empty()) {
    return errors::WithReason(absl::StatusCode::kFailedPrecondition, "NO_SUBSCRIPTION",
                              "plan NONE carries no products");
  }
  const bool payroll = std::count(products.begin(), products.end(),
                                  static_cast<int32_t>(Product::kPayroll)) > 0;
  const bool time = std::count(products.begin(), products.end(),
                               static_cast<int32_t>(Product::kQuickBooksTime)) > 0;
  if (payroll && plan != Plan::kWholesale) {
    return errors::WithReason(
        absl::StatusCode::kFailedPrecondition, "PAYROLL_REQUIRES_WHOLESALE",
        "payroll can only be on the firm's wholesale plan; the client cannot pay for "
        "payroll itself");
  }
  if (time && plan == Plan::kWholesale) {
    return errors::WithReason(
        absl::StatusCode::kFailedPrecondition, "QUICKBOOKS_TIME_ON_SUBSCRIPTION",
        "a subscription with QuickBooks Time cannot be on wholesale billing");
  }
  return absl::OkStatus();
}

absl::Status TransferRefused(Eligibility why) {
  return errors::WithReason(
      absl::StatusCode::kFailedPrecondition, EligibilityName(why),
      absl::StrCat("cannot transfer to wholesale billing: ", EligibilityReason(why)));
}

const char* EligibilityName(Eligibility e) {
  switch (e) {
    case Eligibility::kEligible:
      return "ELIGIBLE";
    case Eligibility::kNeedsClientPermission:
      return "NEEDS_CLIENT_PERMISSION";
    case Eligibility::kQuickBooksTime:
      return "QUICKBOOKS_TIME_ON_SUBSCRIPTION";
    case Eligibility::kAlreadyInProgress:
      return "TRANSFER_ALREADY_IN_PROGRESS";
    case Eligibility::kAlreadyWholesale:
      return "ALREADY_WHOLESALE";
    case Eligibility::kAnnualBilling:
      return "ANNUAL_BILLING";
    case Eligibility::kNoSubscription:
      return "NO_SUBSCRIPTION";
  }
  return "TRANSFER_ELIGIBILITY_UNSPECIFIED";
}

std::string EligibilityReason(Eligibility e) {
  switch (e) {
    case Eligibility::kEligible:
      return "the client authorized the transfer; a firm member can complete it";
    case Eligibility::kNeedsClientPermission:
      return "the client's primary admin must authorize the transfer to the firm";
    case Eligibility::kQuickBooksTime:
      return "QuickBooks Time is on the subscription and cannot be billed wholesale";
    case Eligibility::kAlreadyInProgress:
      return "a transfer the client authorized is already waiting for the firm";
    case Eligibility::kAlreadyWholesale:
      return "the client is already on the firm's wholesale billing";
    case Eligibility::kAnnualBilling:
      return "annual billing must first switch to monthly";
    case Eligibility::kNoSubscription:
      return "the client has no subscription";
  }
  return "";
}

}  // namespace clientbook::billing
