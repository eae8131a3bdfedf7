#include "services/billing/api/billing_change_readers.h"

#include "common/storage/records.h"
#include "services/billing/api/convert.h"
#include "services/billing/domain/rules.h"

namespace clientbook::billing {

absl::Status BillingChangeReaders::CheckFirmReader(const auth::Caller& caller,
                                                   uint64_t firm_id) {
  return directory_.CheckMember(caller, firm_id);
}

absl::Status BillingChangeReaders::ToResource(const changes::ChangeRecord& record,
                                              absl::string_view stored,
                                              v1::Resource& out) const {
  if (record.resource_type() != v1::Subscription::descriptor()->full_name()) {
    return changes::UnknownResourceType(record);
  }
  absl::StatusOr<SubscriptionRecord> subscription =
      storage::DecodeRecord<SubscriptionRecord>(stored);
  if (!subscription.ok()) return subscription.status();
  *out.mutable_subscription() = ToProto(
      ViewAt(*subscription, absl::FromUnixMicros(subscription->update_time_us())));
  return absl::OkStatus();
}

}  // namespace clientbook::billing
