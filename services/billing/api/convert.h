#ifndef CLIENTBOOK_SERVICES_BILLING_API_CONVERT_H_
#define CLIENTBOOK_SERVICES_BILLING_API_CONVERT_H_

#include "clientbook/v1/billing.pb.h"
#include "services/billing/domain/model.h"

// Domain views -> public messages.
namespace clientbook::billing {

v1::Subscription ToProto(const SubscriptionView& view);
// The same written into `out`, on `out`'s arena (a page's, ArenaMessages).
void ToProto(const SubscriptionView& view, v1::Subscription& out);
// The subscription's latest transfer (state EXPIRED computed from the clock).
v1::BillingTransfer TransferToProto(const SubscriptionView& view);

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_API_CONVERT_H_
