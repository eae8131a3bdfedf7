#ifndef CLIENTBOOK_COMMON_SERVER_CALL_H_
#define CLIENTBOOK_COMMON_SERVER_CALL_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "common/auth/authenticator.h"
#include "common/server/blocking_pool.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"

namespace clientbook::server {

// The frame of every handler: proves the caller with `authenticator`,
// refuses enum values the contract does not define in `request` (null for a
// stream read by the handler), runs `body`, logs server-side faults, and
// maps the status to gRPC once.
grpc::Status Serve(const auth::Authenticator& authenticator,
                   const grpc::ServerContextBase& context,
                   const google::protobuf::Message* request,
                   const std::function<absl::Status(const auth::Caller& caller)>& body);

// Serve for a method of a callback-API service: the same frame, answered
// through the call's default reactor, so the call is handled on gRPC's own
// threads rather than handed to a synchronous-server poller thread.
grpc::ServerUnaryReactor* ServeUnary(
    const auth::Authenticator& authenticator, grpc::CallbackServerContext* context,
    const google::protobuf::Message* request,
    const std::function<absl::Status(const auth::Caller& caller)>& body);

// ServeUnary for a handler that waits on another service: the frame runs on
// `pool`, and the reactor is finished from there.
grpc::ServerUnaryReactor* ServeUnaryOn(
    BlockingPool& pool, const auth::Authenticator& authenticator,
    grpc::CallbackServerContext* context, const google::protobuf::Message* request,
    std::function<absl::Status(const auth::Caller& caller)> body);

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_CALL_H_
