#ifndef CLIENTBOOK_SERVICES_ACCOUNTS_DOMAIN_INVITATIONS_H_
#define CLIENTBOOK_SERVICES_ACCOUNTS_DOMAIN_INVITATIONS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clientbook/v1/directory.pb.h"
#include "common/auth/caller.h"
#include "common/changes/change_origin.h"
#include "common/invitations/invitation_rules.h"
#include "common/locks/striped_locks.h"
#include "common/paging/paging.h"
#include "common/time/clock.h"
#include "services/accounts/domain/cells_port.h"
#include "services/accounts/domain/store_port.h"

namespace clientbook::accounts {

using invitations::InvitationRecord;

// Invitations in front of several cells: they belong to no firm until
// accepted, so accounts keeps them (the rules are common/invitations').
// Accepting one connects its company to the chosen firm in that firm's
// cell, which checks the membership; the firm an accept begins with is
// kept before the cell is asked, so a retry after a lost answer finishes
// the same accept (same firm, same request id) and never makes two clients.
class Invitations {
 public:
  Invitations(AccountsStore& store, CellDirectories& cells, const Clock& clock)
      : store_(store), cells_(cells), clock_(clock) {}

  // A retry under `request_id` answers the invitation made first
  // (invitations::CreateFingerprint).
  absl::StatusOr<InvitationRecord> CreateInvitation(absl::string_view caller,
                                                    const InvitationRecord& draft,
                                                    absl::string_view request_id = "");
  // Empty `invitee_email`: the invitations the caller sent; else those to
  // `invitee_email`, which must be the caller's verified email.
  absl::StatusOr<storage::Page<InvitationRecord>> ListInvitations(
      const auth::Caller& caller, absl::string_view invitee_email,
      const storage::PageRequest& page);
  // Connects the client to `firm_id`, or to the caller's only firm as this
  // index knows it.
  absl::StatusOr<InvitationRecord> AcceptInvitation(const auth::Caller& caller,
                                                    absl::string_view token,
                                                    std::optional<uint64_t> firm_id);
  absl::StatusOr<InvitationRecord> DeclineInvitation(const auth::Caller& caller,
                                                     absl::string_view token);

  // Takes over `moved`, an invitation a lone cell's directory kept, as
  // `actor`: its id and token stay, so its name and the invitee's link keep
  // working; its company gets an id of accounts', as a cell connects no
  // company whose id is in a cell's range. One taken over before is left as
  // it is (a move run again).
  absl::Status Adopt(absl::string_view actor, const InvitationRecord& moved);

 private:
  absl::StatusOr<InvitationRecord> LoadPendingInvitation(const auth::Caller& caller,
                                                         absl::string_view token);
  // The firm this accept goes to: the one an earlier attempt began with,
  // else the caller's choice; kept on the invitation before the cell is
  // asked.
  absl::StatusOr<uint64_t> PinFirm(const auth::Caller& caller,
                                   InvitationRecord& invitation,
                                   std::optional<uint64_t> requested);
  // One page of the ids of a user's firms, from the index (FirmsWeighed).
  absl::StatusOr<storage::StoredPage<uint64_t>> FirmIdsOf(absl::string_view user_id,
                                                          absl::string_view cursor) const;
  // Writes `invitation`, its change record naming `origin`.
  absl::Status Put(const changes::ChangeOrigin& origin,
                   const InvitationRecord& invitation);
  int64_t NowMicros() const { return absl::ToUnixMicros(clock_.Now()); }

  AccountsStore& store_;
  CellDirectories& cells_;
  const Clock& clock_;
  invitations::TokenSource tokens_;
  // An invitation's answers, one at a time (held across the cell's call).
  storage::StripedLocks locks_;
};

}  // namespace clientbook::accounts

#endif  // CLIENTBOOK_SERVICES_ACCOUNTS_DOMAIN_INVITATIONS_H_
