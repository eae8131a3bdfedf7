#include "common/client/outgoing_call.h"

#include "absl/strings/str_cat.h"
#include "common/auth/authenticator.h"
#include "common/client/routing_header.h"
#include "common/server/status_mapping.h"
#include "grpcpp/security/credentials.h"

namespace clientbook::client {

std::shared_ptr<grpc::Channel> Connect(const std::string& target) {
  return RoutedChannel(target, grpc::InsecureChannelCredentials());
}

std::unique_ptr<grpc::ClientContext> ContextFor(const auth::Caller& caller,
                                                absl::Duration timeout,
                                                const auth::Caller* go_between) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  for (const auto& [key, value] : caller.credentials) ctx->AddMetadata(key, value);
  if (go_between != nullptr) {
    for (const auto& [key, value] : go_between->credentials) {
      ctx->AddMetadata(absl::StrCat(auth::kGoBetweenPrefix, key), value);
    }
  }
  if (!caller.via.empty()) ctx->AddMetadata(auth::kViaHeader, caller.via);
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return ctx;
}

absl::Status FromCall(const grpc::Status& status, absl::string_view peer) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::UnavailableError(absl::StrCat(
          peer, " did not answer (", status.error_message(), "); try again later"));
    default:
      return FromGrpcStatus(status);
  }
}

}  // namespace clientbook::client
