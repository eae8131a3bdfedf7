#ifndef CLIENTBOOK_COMMON_AUTH_CALLER_H_
#define CLIENTBOOK_COMMON_AUTH_CALLER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace clientbook::auth {

// The role that lets a caller act across firms (operator services, the
// testing clock). No firm membership grants it.
inline constexpr char kOperatorRole[] = "operator";

// Who is calling, as the authenticator proved it. Domain code reads it; it
// knows nothing of how it was proved.
struct Caller {
  // Stable user id (`x-user-id` in header mode, the token's `sub` in jwt mode).
  std::string user_id;
  // An email address the caller has proved to own; empty when none. Only this
  // opens invitations addressed to an email.
  std::string verified_email;
  std::vector<std::string> roles;
  // The metadata that proved the identity, forwarded as is when a service
  // calls another on the caller's behalf, so the callee verifies it again.
  std::vector<std::pair<std::string, std::string>> credentials;
  // The Clientbook service that carries the user's call and what for
  // ("import firms/1/importJobs/5"), as that service declared it
  // (authenticator.h's kViaHeader); empty for a user's own call. It names
  // the go-between in the audit and grants nothing.
  std::string via;
  // The call checks a client for a change its carrier makes next (billing,
  // under a subscription's lock, sets it; the directory's GetClient reads
  // it from auth::kForChangeHeader): a client a delete or a merge is
  // removing is then answered ABORTED rather than as it still stands.
  // Grants nothing.
  bool for_change = false;
  // When the call that carries the caller ends (infinite for a sweep or a
  // job): a call made to another service on its behalf ends no later.
  absl::Time deadline = absl::InfiniteFuture();

  bool HasRole(absl::string_view role) const;
  // The same caller, for work that ends at `until` (work shared by callers
  // with other deadlines).
  Caller WithDeadline(absl::Time until) const {
    Caller copy = *this;
    copy.deadline = until;
    return copy;
  }
};

// Whether `id` can name a caller, whatever proved it: 1 to
// limits::kMaxIdBytes printable ASCII characters, no '/' (a member's name
// holds it as one segment: a caller "a/b" could create a firm whose primary
// admin no call could name).
bool IsUserId(absl::string_view id);

// OK when `caller` holds the operator role; PERMISSION_DENIED otherwise.
absl::Status RequireOperator(const Caller& caller);

}  // namespace clientbook::auth

#endif  // CLIENTBOOK_COMMON_AUTH_CALLER_H_
