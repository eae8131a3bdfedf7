#ifndef CLIENTBOOK_SERVICES_ACCOUNTS_API_ACCOUNTS_CHANGE_READERS_H_
#define CLIENTBOOK_SERVICES_ACCOUNTS_API_ACCOUNTS_CHANGE_READERS_H_

#include "common/changes/change_service.h"

namespace clientbook::accounts {

// Who reads accounts' changes (the invitations'): the platform and
// operators alone. Accounts' index of memberships is never trusted to grant
// access, so a firm's members read its changes, an accepted invitation's
// client among them, from the firm's cell.
class AccountsChangeReaders final : public changes::ChangeReaders {
 public:
  absl::Status CheckFirmReader(const auth::Caller& caller, uint64_t firm_id) override;
  absl::Status ToResource(const changes::ChangeRecord& record, absl::string_view stored,
                          v1::Resource& out) const override;
};

}  // namespace clientbook::accounts

#endif  // CLIENTBOOK_SERVICES_ACCOUNTS_API_ACCOUNTS_CHANGE_READERS_H_
