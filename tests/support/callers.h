#ifndef CLIENTBOOK_TESTS_SUPPORT_CALLERS_H_
#define CLIENTBOOK_TESTS_SUPPORT_CALLERS_H_

#include <string>

#include "common/auth/authenticator.h"
#include "common/auth/caller.h"

namespace clientbook::testing {

// A caller as header mode proves one, with the headers that a service would
// forward on its behalf: `email` (verified) and the operator role optional.
inline auth::Caller As(const std::string& user_id, const std::string& verified_email = "",
                       bool operator_role = false) {
  auth::Caller caller{.user_id = user_id, .verified_email = verified_email};
  caller.credentials.emplace_back(auth::kUserIdHeader, user_id);
  if (!verified_email.empty()) {
    caller.credentials.emplace_back(auth::kUserEmailHeader, verified_email);
  }
  if (operator_role) {
    caller.roles.push_back(auth::kOperatorRole);
    caller.credentials.emplace_back(auth::kUserRolesHeader, auth::kOperatorRole);
  }
  return caller;
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_CALLERS_H_
