#ifndef CLIENTBOOK_SERVICES_BILLING_DOMAIN_RULES_H_
#define CLIENTBOOK_SERVICES_BILLING_DOMAIN_RULES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/billing/domain/model.h"

// Billing's rules that are a number or a pure function of a record and the
// time, each in one place.
namespace clientbook::billing {

// A direct discount starts a 30-day trial; payment information must arrive
// before its end. At exactly trial end without payment the discount lapsed.
inline constexpr absl::Duration kTrialLength = absl::Hours(30 * 24);

// The firm completes a transfer within 48 hours of the client's
// authorization. 48:00:00 exactly is still in time; 48:00:01 is not.
inline constexpr absl::Duration kTransferWindow = absl::Hours(48);

inline constexpr size_t kMaxExaminedPerPage = 20000;
inline constexpr size_t kMaxLapsesPerSweep = 10000;

bool TransferWindowOpen(absl::Time authorized, absl::Time now);

v1::TrialState TrialStateAt(const SubscriptionRecord& s, absl::Time now);
// On direct discount with a trial (running, converted or lapsed).
bool HasTrial(const SubscriptionRecord& s);
// A direct-discount trial neither converted nor recorded as lapsed: the
// sweep looks at it once its end has passed (the store indexes these by end).
bool AwaitsLapseCheck(const SubscriptionRecord& s);
v1::BillingTransfer::State TransferStateAt(const TransferRecord& t, absl::Time now);
v1::TransferEligibility EligibilityAt(const SubscriptionRecord& s, absl::Time now);
SubscriptionView ViewAt(const SubscriptionRecord& s, absl::Time now);

bool HasProduct(const SubscriptionRecord& s, v1::Product p);

// OK if `plan` may carry `products`, else FAILED_PRECONDITION with the rule:
// PAYROLL only on WHOLESALE, QUICKBOOKS_TIME never on WHOLESALE, NONE has no
// products. At most one accounting tier is INVALID_ARGUMENT.
absl::Status CheckPlanAllows(v1::Plan plan, const std::vector<v1::Product>& products);

// The record's products, typed.
std::vector<v1::Product> ProductsOf(const SubscriptionRecord& s);

// FAILED_PRECONDITION naming why a transfer cannot go ahead; the
// google.rpc.ErrorInfo reason is the TransferEligibility name.
absl::Status TransferRefused(v1::TransferEligibility why);

// The TransferEligibility enum name, and a sentence for people.
std::string EligibilityName(v1::TransferEligibility e);
std::string EligibilityReason(v1::TransferEligibility e);

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_DOMAIN_RULES_H_
