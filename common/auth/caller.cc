#include "common/auth/caller.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/rules/shared_limits.h"
#include "common/status/errors.h"
#include "common/text/text.h"

namespace clientbook::auth {

bool Caller::HasRole(absl::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool IsUserId(absl::string_view id) {
  return !id.empty() && id.size() <= limits::kMaxIdBytes && text::IsPrintableAscii(id) &&
         id.find('/') == absl::string_view::npos;
}

absl::Status RequireOperator(const Caller& caller) {
  if (caller.HasRole(kOperatorRole)) return absl::OkStatus();
  return errors::RoleRequired(
      kOperatorRole,
      absl::StrCat("only callers with the '", kOperatorRole, "' role may do this"));
}

}  // namespace clientbook::auth
