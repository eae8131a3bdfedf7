#include "services/accounts/api/accounts_change_readers.h"

#include "absl/strings/str_cat.h"
#include "clientbook/v1/directory.pb.h"
#include "common/invitations/invitation_changes.h"
#include "common/status/errors.h"

namespace clientbook::accounts {

absl::Status AccountsChangeReaders::CheckFirmReader(const auth::Caller& caller,
                                                    uint64_t) {
  if (caller.HasRole(changes::kPlatformRole) || caller.HasRole(auth::kOperatorRole)) {
    return absl::OkStatus();
  }
  // The same answer for every firm: it tells a stranger nothing.
  return errors::RoleRequired(
      absl::StrCat(changes::kPlatformRole, ",", auth::kOperatorRole),
      absl::StrCat("accounts serves its changes (the invitations') to callers with the '",
                   changes::kPlatformRole, "' or '", auth::kOperatorRole,
                   "' role; a firm's members watch the firm's changes at its cell"));
}

absl::Status AccountsChangeReaders::ToResource(const changes::ChangeRecord& record,
                                               absl::string_view stored,
                                               v1::Resource& out) const {
  if (record.resource_type() != v1::Invitation::descriptor()->full_name()) {
    return changes::UnknownResourceType(record);
  }
  return invitations::InvitationResource(stored, out);
}

}  // namespace clientbook::accounts
