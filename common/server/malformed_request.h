#ifndef CLIENTBOOK_COMMON_SERVER_MALFORMED_REQUEST_H_
#define CLIENTBOOK_COMMON_SERVER_MALFORMED_REQUEST_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"

namespace clientbook::server {

// When a request's bytes do not parse as its message, gRPC answers before
// any handler runs: UNIMPLEMENTED with no message on the callback API (a
// client reads "no such method"), INTERNAL on the synchronous one ("the
// server broke"). This interceptor gives such calls, on every method whose
// request is one message, the frame's INVALID_ARGUMENT naming the request
// type (frame.h's NotAValidRequest). Client streams parse their own
// messages in the frame (Frame::Upload).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MalformedRequestInterceptorFactory();

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_MALFORMED_REQUEST_H_
