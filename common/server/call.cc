#include "common/server/call.h"

#include "common/server/request_checks.h"
#include "common/status/status_mapping.h"
#include "spdlog/spdlog.h"

namespace clientbook::server {

grpc::Status Serve(const auth::Authenticator& authenticator,
                   const grpc::ServerContextBase& context,
                   const google::protobuf::Message* request,
                   const std::function<absl::Status(const auth::Caller&)>& body) {
  absl::StatusOr<auth::Caller> caller =
      authenticator.Authenticate(context.client_metadata());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (request != nullptr) {
    if (absl::Status s = CheckKnownEnums(*request); !s.ok()) return ToGrpcStatus(s);
  }
  absl::Status status = body(*caller);
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnknown:
      spdlog::error("call by '{}' failed: {}", caller->user_id, status.ToString());
      break;
    default:
      break;
  }
  return ToGrpcStatus(status);
}

grpc::ServerUnaryReactor* ServeUnary(
    const auth::Authenticator& authenticator, grpc::CallbackServerContext* context,
    const google::protobuf::Message* request,
    const std::function<absl::Status(const auth::Caller&)>& body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(Serve(authenticator, *context, request, body));
  return reactor;
}

grpc::ServerUnaryReactor* ServeUnaryOn(
    BlockingPool& pool, const auth::Authenticator& authenticator,
    grpc::CallbackServerContext* context, const google::protobuf::Message* request,
    std::function<absl::Status(const auth::Caller&)> body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The call, its request and response live until Finish(): safe to use there.
  pool.Run([&authenticator, context, request, reactor, body = std::move(body)] {
    reactor->Finish(Serve(authenticator, *context, request, body));
  });
  return reactor;
}

}  // namespace clientbook::server
