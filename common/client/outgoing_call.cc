#include "common/client/outgoing_call.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/auth/authenticator.h"
#include "common/client/routing_header.h"
#include "common/server/keepalive.h"
#include "common/server/status_mapping.h"
#include "grpcpp/security/credentials.h"

namespace clientbook::client {

std::shared_ptr<grpc::Channel> Connect(const std::string& target) {
  return RoutedChannel(target, grpc::InsecureChannelCredentials(),
                       PeerChannelArguments());
}

grpc::ChannelArguments PeerChannelArguments() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // A sibling gone without a word (its node lost) is found by pings: a
  // stream this side only reads (a feed followed) leaves TCP nothing
  // unacknowledged to time out on, so it would wait on it for good. gRPC
  // stops after two pings without a frame of this side's unless told not
  // to, and such a stream sends none.
  const server::Keepalive keepalive = server::Keepalive::FromFlags();
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
              static_cast<int>(absl::ToInt64Milliseconds(keepalive.time)));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
              static_cast<int>(absl::ToInt64Milliseconds(keepalive.timeout)));
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  return args;
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
  if (caller.for_change) ctx->AddMetadata(auth::kForChangeHeader, "1");
  // Nine tenths of the time the caller has left at most: the last tenth is
  // for telling it which peer did not answer (UNAVAILABLE), before its own
  // deadline passes and all it learns is DEADLINE_EXCEEDED.
  const absl::Time now = absl::Now();
  ctx->set_deadline(
      absl::ToChronoTime(now + std::min(timeout, (caller.deadline - now) * 0.9)));
  // A peer restarting (a kill, a rollout) is waited for within the deadline
  // rather than refused while the channel reconnects.
  ctx->set_wait_for_ready(true);
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
