#ifndef CLIENTBOOK_SERVICES_BILLING_API_BILLING_OPERATOR_SERVICE_H_
#define CLIENTBOOK_SERVICES_BILLING_API_BILLING_OPERATOR_SERVICE_H_

#include "clientbook/v1/billing.grpc.pb.h"
#include "common/auth/authenticator.h"
#include "services/billing/domain/billing.h"

namespace clientbook::billing {

// clientbook.v1.BillingOperatorService: actions across every firm, served
// only on the operator address (see billing.proto), so it checks no firm
// membership itself.
class BillingOperatorService final : public v1::BillingOperatorService::Service {
 public:
  BillingOperatorService(Billing& billing, const auth::Authenticator& authenticator)
      : billing_(billing), authenticator_(authenticator) {}

  grpc::Status SweepExpiredTrials(grpc::ServerContext* ctx,
                                  const v1::SweepExpiredTrialsRequest* req,
                                  v1::SweepExpiredTrialsResponse* resp) override;

 private:
  Billing& billing_;
  const auth::Authenticator& authenticator_;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_API_BILLING_OPERATOR_SERVICE_H_
