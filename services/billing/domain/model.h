#ifndef CLIENTBOOK_SERVICES_BILLING_DOMAIN_MODEL_H_
#define CLIENTBOOK_SERVICES_BILLING_DOMAIN_MODEL_H_

#include <cstdint>
#include <string>

#include "common/names/names.h"
#include "services/billing/domain/records.pb.h"

// Names for the int fields of the records; values equal the public enums.
namespace clientbook::billing {

enum class Plan : int32_t { kWholesale = 1, kDirectDiscount = 2, kNone = 3 };
enum class Product : int32_t {
  kSimpleStart = 1,
  kEssentials = 2,
  kPlus = 3,
  kAdvanced = 4,
  kPayroll = 10,
  kQuickBooksTime = 11,
};
enum class BillingPeriod : int32_t { kMonthly = 1, kAnnual = 2 };
enum class TrialState : int32_t {
  kNoTrial = 1,
  kInTrial = 2,
  kConverted = 3,
  kLapsed = 4
};
enum class TransferState : int32_t {
  kAuthorized = 1,
  kCompleted = 2,
  kRevoked = 3,
  kExpired = 4,
};
enum class Eligibility : int32_t {
  kEligible = 1,
  kNeedsClientPermission = 2,
  kQuickBooksTime = 3,
  kAlreadyInProgress = 4,
  kAlreadyWholesale = 5,
  kAnnualBilling = 6,
  kNoSubscription = 7,
};

inline Plan PlanOf(const SubscriptionRecord& s) { return static_cast<Plan>(s.plan()); }

// A subscription as a reader sees it at one instant: the stored record plus
// what the clock decides (trial, discount, transfer expiry, eligibility).
struct SubscriptionView {
  SubscriptionRecord record;
  TrialState trial_state = TrialState::kNoTrial;
  bool discount_active = false;
  // Meaningful when record.has_transfer().
  TransferState transfer_state = TransferState::kAuthorized;
  Eligibility eligibility = Eligibility::kNoSubscription;
  std::string eligibility_reason;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_DOMAIN_MODEL_H_
