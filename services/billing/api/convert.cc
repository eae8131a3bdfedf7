#include "services/billing/api/convert.h"

#include "absl/strings/str_cat.h"
#include "common/requests/etag.h"
#include "google/protobuf/util/time_util.h"
#include "services/billing/domain/billing.h"
#include "services/billing/domain/rules.h"

namespace clientbook::billing {
namespace {

google::protobuf::Timestamp Timestamp(int64_t micros) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(micros);
}

names::SubscriptionName RefOf(const SubscriptionRecord& s) {
  return {s.firm_id(), s.company_id()};
}

}  // namespace

v1::BillingTransfer TransferToProto(const SubscriptionView& view) {
  v1::BillingTransfer out;
  const names::SubscriptionName subscription = RefOf(view.record);
  out.set_name(names::BillingTransferName{subscription.firm_id, subscription.company_id}
                   .ToString());
  out.set_etag(requests::EtagOf(view.record));
  if (!view.record.has_transfer()) return out;
  const TransferRecord& t = view.record.transfer();
  out.set_state(view.transfer_state);
  out.set_firm(names::FirmName{t.firm_id()}.ToString());
  out.set_authorized_by(t.authorized_by());
  *out.mutable_authorize_time() = Timestamp(t.authorize_time_us());
  *out.mutable_expire_time() =
      Timestamp(t.authorize_time_us() + absl::ToInt64Microseconds(kTransferWindow));
  out.set_completed_by(t.completed_by());
  if (t.complete_time_us() != 0)
    *out.mutable_complete_time() = Timestamp(t.complete_time_us());
  return out;
}

v1::Subscription ToProto(const SubscriptionView& view) {
  v1::Subscription out;
  ToProto(view, out);
  return out;
}

void ToProto(const SubscriptionView& view, v1::Subscription& out) {
  const SubscriptionRecord& s = view.record;
  out.set_name(RefOf(s).ToString());
  out.set_plan(s.plan());
  *out.mutable_products() = s.products();
  out.set_billing_period(s.billing_period());
  out.set_payment_method_on_file(s.payment_method_on_file());
  out.set_trial_state(view.trial_state);
  if (s.trial_end_us() != 0) *out.mutable_trial_end_time() = Timestamp(s.trial_end_us());
  out.set_discount_active(view.discount_active);
  out.set_transfer_eligibility(view.eligibility);
  out.set_transfer_eligibility_reason(view.eligibility_reason);
  if (s.has_transfer()) *out.mutable_transfer() = TransferToProto(view);
  *out.mutable_create_time() = Timestamp(s.create_time_us());
  *out.mutable_update_time() = Timestamp(s.update_time_us());
  out.set_etag(requests::EtagOf(s));
}

}  // namespace clientbook::billing
