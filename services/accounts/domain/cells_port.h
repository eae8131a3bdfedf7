#ifndef CLIENTBOOK_SERVICES_ACCOUNTS_DOMAIN_CELLS_PORT_H_
#define CLIENTBOOK_SERVICES_ACCOUNTS_DOMAIN_CELLS_PORT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "clientbook/v1/directory.pb.h"
#include "common/auth/caller.h"
#include "common/invitations/invitation_record.pb.h"

namespace clientbook::accounts {

using invitations::InvitationRecord;

// How accounts reaches the cell of a firm an invitee accepts into: that
// cell's ConnectInvitedClient, with the invitee's credentials and accounts'
// own. UNAVAILABLE means the outcome is unknown.
class CellDirectories {
 public:
  virtual ~CellDirectories() = default;
  virtual absl::StatusOr<v1::Client> ConnectInvitedClient(
      const auth::Caller& invitee, uint64_t firm_id, const InvitationRecord& invitation,
      const std::string& request_id) = 0;
};

}  // namespace clientbook::accounts

#endif  // CLIENTBOOK_SERVICES_ACCOUNTS_DOMAIN_CELLS_PORT_H_
