#ifndef CLIENTBOOK_COMMON_AUTH_AUTHENTICATOR_H_
#define CLIENTBOOK_COMMON_AUTH_AUTHENTICATOR_H_

#include <map>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/caller.h"
#include "grpcpp/support/string_ref.h"

namespace clientbook::auth {

// Metadata keys read in header mode; kAuthorizationHeader in jwt mode.
inline constexpr char kUserIdHeader[] = "x-user-id";
inline constexpr char kUserEmailHeader[] = "x-user-email";
inline constexpr char kUserRolesHeader[] = "x-user-roles";
inline constexpr char kAuthorizationHeader[] = "authorization";
// Read in both modes: the service that forwards a user's call (Caller::via).
inline constexpr char kViaHeader[] = "x-clientbook-via";
// Sent by billing when it checks a client before a change
// (Caller::for_change), read by the directory's GetClient alone; any value.
inline constexpr char kForChangeHeader[] = "x-clientbook-for-change";
// A service that carries a user's call and must prove itself too (accounts
// connecting an accepted invitation in a cell) sends its own credentials
// beside the user's, each key prefixed with this.
inline constexpr char kGoBetweenPrefix[] = "x-clientbook-go-between-";

// A call's metadata, as grpc::ServerContext::client_metadata() gives it.
using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

// Turns a call's metadata into the Caller it proves. One per process, chosen
// by --auth (auth_flags.h); every handler reads the caller through it.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The proven caller, or UNAUTHENTICATED saying what is missing or wrong
  // (never which key or byte failed).
  virtual absl::StatusOr<Caller> Authenticate(const Metadata& metadata) const = 0;
};

// --auth=header, for local development: believes `x-user-id`, and
// `x-user-email` (taken as verified) and `x-user-roles` (comma-separated)
// when given. Anyone who can reach the port can claim anything.
class HeaderAuthenticator final : public Authenticator {
 public:
  absl::StatusOr<Caller> Authenticate(const Metadata& metadata) const override;
};

// The one value of `key` in `metadata` (found is false when it is absent);
// UNAUTHENTICATED when the key is repeated.
struct HeaderValue {
  bool found = false;
  absl::string_view value;
};
absl::StatusOr<HeaderValue> SingleHeader(const Metadata& metadata, absl::string_view key);

// The call's kViaHeader ("" when absent); INVALID_ARGUMENT unless it is one
// value of 1 to 256 printable ASCII characters or spaces.
absl::StatusOr<std::string> ViaOf(const Metadata& metadata);

// Whether the call carries kForChangeHeader.
bool IsForChange(const Metadata& metadata);

// The go-between that `metadata`'s kGoBetweenPrefix credentials prove, by
// the same authenticator as its users; nullopt when it sends none.
absl::StatusOr<std::optional<Caller>> AuthenticateGoBetween(
    const Authenticator& authenticator, const Metadata& metadata);

}  // namespace clientbook::auth

#endif  // CLIENTBOOK_COMMON_AUTH_AUTHENTICATOR_H_
