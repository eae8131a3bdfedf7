#ifndef CLIENTBOOK_SERVICES_BILLING_DOMAIN_RULES_H_
#define CLIENTBOOK_SERVICES_BILLING_DOMAIN_RULES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
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

TrialState TrialStateAt(const SubscriptionRecord& s, absl::Time now);
TransferState TransferStateAt(const TransferRecord& t, absl::Time now);
Eligibility EligibilityAt(const SubscriptionRecord& s, absl::Time now);
SubscriptionView ViewAt(const SubscriptionRecord& s, absl::Time now);

bool HasProduct(const SubscriptionRecord& s, Product p);

// OK if `plan` may carry `products`, else FAILED_PRECONDITION with the rule:
// PAYROLL only on WHOLESALE, QUICKBOOKS_TIME never on WHOLESALE, NONE has no
// products. At most one accounting tier is INVALID_ARGUMENT.
absl::Status CheckPlanAllows(Plan plan,
                             const google::protobuf::RepeatedField<int32_t>& products);

// FAILED_PRECONDITION naming why a transfer cannot go ahead; the
// google.rpc.ErrorInfo reason is the TransferEligibility name.
absl::Status TransferRefused(Eligibility why);

// The TransferEligibility enum name, and a sentence for people.
const char* EligibilityName(Eligibility e);
std::string EligibilityReason(Eligibility e);

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_DOMAIN_RULES_H_
