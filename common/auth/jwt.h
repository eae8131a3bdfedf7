#ifndef CLIENTBOOK_COMMON_AUTH_JWT_H_
#define CLIENTBOOK_COMMON_AUTH_JWT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/jwks.h"

namespace clientbook::auth {

// What a token must satisfy besides its signature.
struct JwtRules {
  std::string issuer;    // `iss` must equal it
  std::string audience;  // `aud` must equal it or list it
  // Clock skew allowed on `exp` and `nbf`.
  absl::Duration leeway = absl::Seconds(30);
  // The claim listing the caller's roles (an array, or a space-separated
  // string).
  std::string roles_claim = "clientbook_roles";
  // Longer tokens are refused before any parsing.
  size_t max_token_bytes = 8 * 1024;
};

struct VerifiedToken {
  std::string subject;
  // `email` when the token says `email_verified: true`; else empty.
  std::string verified_email;
  std::vector<std::string> roles;
  // From this instant on the token is refused: its `exp` plus the leeway.
  absl::Time accepted_until;
};

// Verifies a compact JWS (RFC 7515/7519) signed RS256 or ES256 by a key of
// `keys`, and its claims against `rules` at `now`. Every failure is
// UNAUTHENTICATED with a message that names the kind of failure only.
absl::StatusOr<VerifiedToken> VerifyJwt(absl::string_view token, const Jwks& keys,
                                        const JwtRules& rules, absl::Time now);

}  // namespace clientbook::auth

#endif  // CLIENTBOOK_COMMON_AUTH_JWT_H_
