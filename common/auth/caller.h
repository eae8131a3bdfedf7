#ifndef CLIENTBOOK_COMMON_AUTH_CALLER_H_
#define CLIENTBOOK_COMMON_AUTH_CALLER_H_

#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"

namespace clientbook::auth {

// Metadata key carrying the calling user's id on every call.
inline constexpr char kUserIdHeader[] = "x-user-id";

// The caller's user id, or UNAUTHENTICATED when the header is missing,
// empty, repeated, longer than 128 bytes, or not printable UTF-8.
absl::StatusOr<std::string> CallerUserId(const grpc::ServerContextBase& context);

}  // namespace clientbook::auth

#endif  // CLIENTBOOK_COMMON_AUTH_CALLER_H_
