#include "services/billing/api/billing_operator_service.h"

#include "common/status/macros.h"

namespace clientbook::billing {

grpc::ServerUnaryReactor* BillingOperatorService::SweepExpiredTrials(
    grpc::CallbackServerContext* ctx, const v1::SweepExpiredTrialsRequest* req,
    v1::SweepExpiredTrialsResponse* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, resp](const auth::Caller& caller) -> absl::Status {
        CB_RETURN_IF_ERROR(auth::RequireOperator(caller));
        CB_ASSIGN_OR_RETURN(std::vector<SubscriptionRecord> lapsed,
                            billing_.SweepExpiredTrials());
        for (const SubscriptionRecord& s : lapsed) {
          resp->add_lapsed(
              names::SubscriptionName{s.firm_id(), s.company_id()}.ToString());
        }
        return absl::OkStatus();
      });
}

}  // namespace clientbook::billing
