#ifndef CLIENTBOOK_COMMON_SERVER_STATUS_MAPPING_H_
#define CLIENTBOOK_COMMON_SERVER_STATUS_MAPPING_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace clientbook {

// The one place an absl::Status becomes a grpc::Status: same code and
// message; payloads (errors.h) become google.rpc.Status details in the
// grpc-status-details-bin trailer. Message and details are cut to the
// budgets of error_budget.h first, so no reply outgrows the caller's
// metadata limit.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The way back, for service-to-service calls: code, message and details.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace clientbook

#endif  // CLIENTBOOK_COMMON_SERVER_STATUS_MAPPING_H_
