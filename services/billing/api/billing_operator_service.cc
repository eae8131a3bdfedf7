#include "services/billing/api/billing_operator_service.h"

#include "common/server/call.h"
#include "common/status/macros.h"

namespace clientbook::billing {

grpc::Status BillingOperatorService::SweepExpiredTrials(
    grpc::ServerContext* ctx, const v1::SweepExpiredTrialsRequest* req,
    v1::SweepExpiredTrialsResponse* resp) {
  return server::Serve(
      authenticator_, *ctx, req, [&](const auth::Caller& caller) -> absl::Status {
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
