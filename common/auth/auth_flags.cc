#include "common/auth/auth_flags.h"

#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "common/auth/jwt_authenticator.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, auth, "header",
          "how callers prove who they are: 'jwt' (a verified bearer token) or "
          "'header' (x-user-id is believed; local development only)");
ABSL_FLAG(std::string, jwks_file, "",
          "--auth=jwt: JSON Web Key Set file with the token signing keys "
          "(RS256/ES256); re-read when it changes");
ABSL_FLAG(std::string, jwt_issuer, "", "--auth=jwt: the required 'iss' claim");
ABSL_FLAG(std::string, jwt_audience, "", "--auth=jwt: the required 'aud' claim");
ABSL_FLAG(std::string, jwt_roles_claim, "clientbook_roles",
          "--auth=jwt: the claim listing the caller's roles ('operator')");
ABSL_FLAG(absl::Duration, jwt_leeway, absl::Seconds(30),
          "--auth=jwt: clock skew allowed on 'exp' and 'nbf'");
ABSL_FLAG(std::string, service_token_file, "",
          "--auth=jwt: a bearer token (with the 'platform' role) this service "
          "presents to its peers for its own work, such as following the "
          "directory's change feed");

namespace clientbook::auth {

absl::StatusOr<std::unique_ptr<Authenticator>> AuthenticatorFromFlags(
    const Clock& clock) {
  const std::string mode = absl::GetFlag(FLAGS_auth);
  if (mode == "header") {
    spdlog::warn(
        "--auth=header: callers are whoever their x-user-id says; use --auth=jwt "
        "anywhere but a developer's machine");
    return std::make_unique<HeaderAuthenticator>();
  }
  if (mode != "jwt") {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth must be 'jwt' or 'header', not '", mode, "'"));
  }
  JwtRules rules{.issuer = absl::GetFlag(FLAGS_jwt_issuer),
                 .audience = absl::GetFlag(FLAGS_jwt_audience),
                 .leeway = absl::GetFlag(FLAGS_jwt_leeway),
                 .roles_claim = absl::GetFlag(FLAGS_jwt_roles_claim)};
  const std::string jwks_file = absl::GetFlag(FLAGS_jwks_file);
  if (jwks_file.empty() || rules.issuer.empty() || rules.audience.empty()) {
    return absl::InvalidArgumentError(
        "--auth=jwt needs --jwks_file, --jwt_issuer and --jwt_audience");
  }
  absl::StatusOr<std::unique_ptr<JwtAuthenticator>> jwt =
      JwtAuthenticator::Create(jwks_file, std::move(rules), clock);
  if (!jwt.ok()) return jwt.status();
  return std::unique_ptr<Authenticator>(std::move(*jwt));
}

absl::StatusOr<Caller> ServiceCallerFromFlags(absl::string_view service) {
  Caller caller{.user_id = std::string(service), .roles = {"platform"}};
  if (absl::GetFlag(FLAGS_auth) == "header") {
    caller.credentials = {{kUserIdHeader, caller.user_id}, {kUserRolesHeader, "platform"}};
    return caller;
  }
  const std::string file = absl::GetFlag(FLAGS_service_token_file);
  if (file.empty()) {
    return absl::FailedPreconditionError(
        "--auth=jwt: set --service_token_file to a token with the 'platform' role "
        "for this service's own calls to its peers");
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> bearer =
      BearerFromFile(file, "--service_token_file");
  if (!bearer.ok()) return bearer.status();
  caller.credentials = *std::move(bearer);
  return caller;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> BearerFromFile(
    const std::string& file, absl::string_view flag) {
  std::ifstream in(file);
  std::stringstream token;
  token << in.rdbuf();
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", flag, " ", file));
  return std::vector<std::pair<std::string, std::string>>{
      {"authorization", absl::StrCat("Bearer ", absl::StripAsciiWhitespace(token.str()))}};
}

}  // namespace clientbook::auth
