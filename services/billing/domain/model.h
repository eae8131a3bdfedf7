#ifndef CLIENTBOOK_SERVICES_BILLING_DOMAIN_MODEL_H_
#define CLIENTBOOK_SERVICES_BILLING_DOMAIN_MODEL_H_

#include <cstdint>
#include <string>

#include "clientbook/v1/billing.pb.h"
#include "common/names/names.h"
#include "services/billing/domain/records.pb.h"

// Records use the public enums of clientbook.v1 (Plan, Product,
// BillingPeriod, BillingTransfer.State) directly; reads compute TrialState
// and TransferEligibility, also the public ones.
namespace clientbook::billing {

// A subscription as a reader sees it at one instant: the stored record plus
// what the clock decides (trial, discount, transfer expiry, eligibility).
struct SubscriptionView {
  SubscriptionRecord record;
  v1::TrialState trial_state = v1::TrialState::NO_TRIAL;
  bool discount_active = false;
  // Meaningful when record.has_transfer().
  v1::BillingTransfer::State transfer_state = v1::BillingTransfer::AUTHORIZED;
  v1::TransferEligibility eligibility = v1::TransferEligibility::NO_SUBSCRIPTION;
  std::string eligibility_reason;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_DOMAIN_MODEL_H_
