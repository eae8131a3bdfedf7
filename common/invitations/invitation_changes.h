#ifndef CLIENTBOOK_COMMON_INVITATIONS_INVITATION_CHANGES_H_
#define CLIENTBOOK_COMMON_INVITATIONS_INVITATION_CHANGES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "clientbook/v1/changes.pb.h"
#include "common/changes/change_record.pb.h"
#include "common/changes/resource_snapshot.h"
#include "common/invitations/invitation_record.pb.h"

// Invitations in a change log, the same wherever they are kept (a lone
// cell's directory, or accounts).
namespace clientbook::invitations {

// The change record of `invitation` (its name, type and firm; the caller
// sets the type and sides). Until it is accepted an invitation is no firm's,
// so only a watch of every firm (firms/-) sees a pending one.
changes::ChangeRecord InvitationChange(const InvitationRecord& invitation);

// The SNAPSHOT table of the invitations a store keeps under `table`, keyed
// by id: walked for a watch of every firm only.
changes::ResourceTable InvitationTable(char table);

// The API's invitation of a stored record, without its token: the token
// opens the invitation, so it is its invitee's alone, never a feed's.
absl::Status InvitationResource(absl::string_view stored, v1::Resource& out);

}  // namespace clientbook::invitations

#endif  // CLIENTBOOK_COMMON_INVITATIONS_INVITATION_CHANGES_H_
