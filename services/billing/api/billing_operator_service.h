#ifndef CLIENTBOOK_SERVICES_BILLING_API_BILLING_OPERATOR_SERVICE_H_
#define CLIENTBOOK_SERVICES_BILLING_API_BILLING_OPERATOR_SERVICE_H_

#include "clientbook/v1/billing.grpc.pb.h"
#include "common/server/frame.h"
#include "services/billing/domain/billing.h"

namespace clientbook::billing {

// clientbook.v1.BillingOperatorService: actions across every firm, served
// only on the operator address (see billing.proto), so it checks no firm
// membership itself.
class BillingOperatorService final : public v1::BillingOperatorService::CallbackService {
 public:
  BillingOperatorService(Billing& billing, server::Frame& frame)
      : billing_(billing), frame_(frame) {}

  grpc::ServerUnaryReactor* SweepExpiredTrials(
      grpc::CallbackServerContext* ctx, const v1::SweepExpiredTrialsRequest* req,
      v1::SweepExpiredTrialsResponse* resp) override;

 private:
  Billing& billing_;
  server::Frame& frame_;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_API_BILLING_OPERATOR_SERVICE_H_
