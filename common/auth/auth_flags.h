#ifndef CLIENTBOOK_COMMON_AUTH_AUTH_FLAGS_H_
#define CLIENTBOOK_COMMON_AUTH_AUTH_FLAGS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/authenticator.h"
#include "common/time/clock.h"

ABSL_DECLARE_FLAG(std::string, auth);
ABSL_DECLARE_FLAG(std::string, jwks_file);
ABSL_DECLARE_FLAG(std::string, jwt_issuer);
ABSL_DECLARE_FLAG(std::string, jwt_audience);
ABSL_DECLARE_FLAG(std::string, jwt_roles_claim);
ABSL_DECLARE_FLAG(absl::Duration, jwt_leeway);

namespace clientbook::auth {

// The authenticator --auth names: "header" (logs a warning: identity is
// whatever the caller claims) or "jwt" (needs --jwks_file, --jwt_issuer and
// --jwt_audience). Times in tokens are read from `clock`.
absl::StatusOr<std::unique_ptr<Authenticator>> AuthenticatorFromFlags(const Clock& clock);

// The service itself as a caller of its peers, with the `platform` role,
// for work no user asks for (following another service's change feed):
// under --auth=header its name and role in headers; under --auth=jwt the
// bearer token in --service_token_file, read again on each call so a
// rotated token is picked up.
absl::StatusOr<Caller> ServiceCallerFromFlags(absl::string_view service);

// The credentials of a bearer token kept in `file` (named by the flag
// `flag` in errors): an `authorization` header.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> BearerFromFile(
    const std::string& file, absl::string_view flag);

}  // namespace clientbook::auth

#endif  // CLIENTBOOK_COMMON_AUTH_AUTH_FLAGS_H_
