#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_INVITATIONS_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_INVITATIONS_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/caller.h"
#include "common/invitations/invitation_rules.h"
#include "services/directory/domain/directory_core.h"

namespace clientbook::directory {

// Invitations from client companies to firm members, by email
// (common/invitations has their rules). A lone cell keeps them itself;
// with several cells, accounts keeps them and connects an accepted one to
// its firm here, through ConnectInvitedClient.
class Invitations {
 public:
  explicit Invitations(DirectoryCore& core)
      : core_(core),
        client_store_(core.store().clients()),
        firm_store_(core.store().firms()),
        invitation_store_(core.store().invitations()) {}

  // A retry under `request_id` answers the invitation made first
  // (invitations::CreateFingerprint).
  absl::StatusOr<InvitationRecord> CreateInvitation(const auth::Caller& caller,
                                                    const InvitationRecord& draft,
                                                    absl::string_view request_id = "");
  // Empty `invitee_email`: the invitations the caller sent; else those to
  // `invitee_email`, which must be the caller's verified email.
  absl::StatusOr<Page<InvitationRecord>> ListInvitations(const auth::Caller& caller,
                                                         absl::string_view invitee_email,
                                                         const PageRequest& page);
  // Connects the client to `firm_id`, or to the caller's only firm.
  absl::StatusOr<std::pair<InvitationRecord, ClientRecord>> AcceptInvitation(
      const auth::Caller& caller, absl::string_view token,
      std::optional<uint64_t> firm_id);
  absl::StatusOr<InvitationRecord> DeclineInvitation(const auth::Caller& caller,
                                                     absl::string_view token);

  // The cell's half of an accept at accounts, which has checked that
  // `caller` may answer `invitation` (the handler checks that accounts is
  // the one asking): makes its company a client of `firm_id`, led by the
  // caller, who must be a member and the invitee. A retry with the same
  // request id returns the client made first.
  absl::StatusOr<ClientRecord> ConnectInvitedClient(const auth::Caller& caller,
                                                    names::FirmName firm_name,
                                                    const InvitationRecord& invitation,
                                                    absl::string_view request_id);

  // When a deployment of one cell moves to several, accounts takes over the
  // invitations still pending here: each goes to `adopt`, then is deleted
  // here (as `actor`), so it is answered in one place only. Answered and
  // expired ones stay, as history. Returns how many moved; a failure stops
  // the move, and running it again moves the rest.
  absl::StatusOr<size_t> HandOverPending(
      absl::string_view actor,
      const std::function<absl::Status(const InvitationRecord&)>& adopt);

 private:
  // The invitation behind `token` if `caller` may still answer it; else why
  // not.
  absl::StatusOr<InvitationRecord> LoadPendingInvitation(const auth::Caller& caller,
                                                         absl::string_view token);
  // The firms `user_id` is a member of (the first invitations::kMaxFirmsWeighed).
  absl::StatusOr<std::vector<uint64_t>> FirmsOf(absl::string_view user_id);
  // The client `invitation` becomes in `firm_id`, led by `lead`.
  ClientRecord ClientOf(const InvitationRecord& invitation, uint64_t firm_id,
                        absl::string_view lead) const;

  DirectoryCore& core_;
  const ClientStore& client_store_;
  const FirmStore& firm_store_;
  const InvitationStore& invitation_store_;
  invitations::TokenSource tokens_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_INVITATIONS_H_
