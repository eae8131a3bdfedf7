#include "services/billing/domain/rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace clientbook::billing {
namespace {

absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

bool IsAccountingTier(v1::Product p) {
  return p >= v1::Product::SIMPLE_START && p <= v1::Product::ADVANCED;
}

}  // namespace

bool TransferWindowOpen(absl::Time authorized, absl::Time now) {
  return now - authorized <= kTransferWindow;
}

bool HasProduct(const SubscriptionRecord& s, v1::Product p) {
  return std::find(s.products().begin(), s.products().end(), p) != s.products().end();
}

bool HasTrial(const SubscriptionRecord& s) {
  return s.plan() == v1::Plan::DIRECT_DISCOUNT && s.trial_end_us() != 0;
}

namespace {

// Payment information arrived before the trial's end.
bool Converted(const SubscriptionRecord& s) {
  return s.payment_added_us() != 0 && s.payment_added_us() < s.trial_end_us();
}

}  // namespace

bool AwaitsLapseCheck(const SubscriptionRecord& s) {
  return HasTrial(s) && !Converted(s) && !s.lapse_recorded() && s.client_gone_us() == 0;
}

v1::TrialState TrialStateAt(const SubscriptionRecord& s, absl::Time now) {
  if (!HasTrial(s)) return v1::TrialState::NO_TRIAL;
  if (Converted(s)) return v1::TrialState::CONVERTED;
  return now < FromMicros(s.trial_end_us()) ? v1::TrialState::IN_TRIAL
                                            : v1::TrialState::LAPSED;
}

v1::BillingTransfer::State TransferStateAt(const TransferRecord& t, absl::Time now) {
  auto state = t.state();
  if (state == v1::BillingTransfer::AUTHORIZED &&
      !TransferWindowOpen(FromMicros(t.authorize_time_us()), now)) {
    return v1::BillingTransfer::EXPIRED;
  }
  return state;
}

v1::TransferEligibility EligibilityAt(const SubscriptionRecord& s, absl::Time now) {
  switch (s.plan()) {
    case v1::Plan::NONE:
      return v1::TransferEligibility::NO_SUBSCRIPTION;
    case v1::Plan::WHOLESALE:
      return v1::TransferEligibility::ALREADY_WHOLESALE;
    default:
      break;
  }
  if (HasProduct(s, v1::Product::QUICKBOOKS_TIME))
    return v1::TransferEligibility::QUICKBOOKS_TIME_ON_SUBSCRIPTION;
  if (s.billing_period() == v1::BillingPeriod::ANNUAL) {
    return v1::TransferEligibility::ANNUAL_BILLING;
  }
  if (s.has_transfer() &&
      TransferStateAt(s.transfer(), now) == v1::BillingTransfer::AUTHORIZED) {
    return v1::TransferEligibility::ELIGIBLE;
  }
  return v1::TransferEligibility::NEEDS_CLIENT_PERMISSION;
}

SubscriptionView ViewAt(const SubscriptionRecord& s, absl::Time now) {
  SubscriptionView view;
  view.record = s;
  view.trial_state = TrialStateAt(s, now);
  view.discount_active =
      s.plan() == v1::Plan::DIRECT_DISCOUNT && view.trial_state != v1::TrialState::LAPSED;
  if (s.has_transfer()) view.transfer_state = TransferStateAt(s.transfer(), now);
  view.eligibility = EligibilityAt(s, now);
  view.eligibility_reason = EligibilityReason(view.eligibility);
  return view;
}

std::vector<v1::Product> ProductsOf(const SubscriptionRecord& s) {
  std::vector<v1::Product> products;
  for (int i = 0; i < s.products_size(); ++i) products.push_back(s.products(i));
  return products;
}

absl::Status CheckPlanAllows(v1::Plan plan, const std::vector<v1::Product>& products) {
  int tiers = 0;
  for (v1::Product p : products) {
    if (IsAccountingTier(p)) ++tiers;
    if (!IsAccountingTier(p) && p != v1::Product::PAYROLL &&
        p != v1::Product::QUICKBOOKS_TIME) {
      return errors::InvalidField("products", absl::StrCat("unknown product ", p));
    }
  }
  if (tiers > 1) {
    return errors::InvalidField("products",
                                "at most one accounting tier per subscription");
  }
  if (plan == v1::Plan::NONE && !products.empty()) {
    return errors::WithReason(absl::StatusCode::kFailedPrecondition, "NO_SUBSCRIPTION",
                              "plan NONE carries no products");
  }
  const bool payroll =
      std::count(products.begin(), products.end(), v1::Product::PAYROLL) > 0;
  const bool time =
      std::count(products.begin(), products.end(), v1::Product::QUICKBOOKS_TIME) > 0;
  if (payroll && plan != v1::Plan::WHOLESALE) {
    return errors::WithReason(
        absl::StatusCode::kFailedPrecondition, "PAYROLL_REQUIRES_WHOLESALE",
        "payroll can only be on the firm's wholesale plan; the client cannot pay for "
        "payroll itself");
  }
  if (time && plan == v1::Plan::WHOLESALE) {
    return errors::WithReason(
        absl::StatusCode::kFailedPrecondition, "QUICKBOOKS_TIME_ON_SUBSCRIPTION",
        "a subscription with QuickBooks Time cannot be on wholesale billing");
  }
  return absl::OkStatus();
}

absl::Status TransferRefused(v1::TransferEligibility why) {
  return errors::WithReason(
      absl::StatusCode::kFailedPrecondition, EligibilityName(why),
      absl::StrCat("cannot transfer to wholesale billing: ", EligibilityReason(why)));
}

std::string EligibilityName(v1::TransferEligibility e) {
  return v1::TransferEligibility_Name(e);
}

std::string EligibilityReason(v1::TransferEligibility e) {
  switch (e) {
    case v1::TransferEligibility::ELIGIBLE:
      return "the client authorized the transfer; a firm member can complete it";
    case v1::TransferEligibility::NEEDS_CLIENT_PERMISSION:
      return "the client's primary admin must authorize the transfer to the firm";
    case v1::TransferEligibility::QUICKBOOKS_TIME_ON_SUBSCRIPTION:
      return "QuickBooks Time is on the subscription and cannot be billed wholesale";
    case v1::TransferEligibility::TRANSFER_ALREADY_IN_PROGRESS:
      return "a transfer the client authorized is already waiting for the firm";
    case v1::TransferEligibility::ALREADY_WHOLESALE:
      return "the client is already on the firm's wholesale billing";
    case v1::TransferEligibility::ANNUAL_BILLING:
      return "annual billing must first switch to monthly";
    case v1::TransferEligibility::NO_SUBSCRIPTION:
      return "the client has no subscription";
    default:
      return "";
  }
}

}  // namespace clientbook::billing
