#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_INVITATIONS_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_INVITATIONS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/caller.h"
#include "services/directory/domain/directory_core.h"

namespace clientbook::directory {

// Invitations from client companies to firm members, by email. Only a caller
// who has proved an address (a verified email from the authenticator) sees
// or answers the invitations addressed to it; the email a member typed into
// their firm is a contact address and opens nothing.
class Invitations {
 public:
  explicit Invitations(DirectoryCore& core) : core_(core), store_(core.store()) {}

  absl::StatusOr<InvitationRecord> CreateInvitation(absl::string_view caller,
                                                    const InvitationRecord& draft);
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

 private:
  // The invitation behind `token` if `caller` has proved its invitee's email
  // and it can still be answered; else why not.
  absl::StatusOr<InvitationRecord> LoadPendingInvitation(const auth::Caller& caller,
                                                         absl::string_view token);
  // The firms `user_id` is a member of (the first kMaxFirmsPerUserScanned).
  absl::StatusOr<std::vector<uint64_t>> FirmsOf(absl::string_view user_id);
  std::string NewToken();

  DirectoryCore& core_;
  DirectoryStore& store_;
  absl::Mutex token_mu_;
  absl::BitGen token_bits_ ABSL_GUARDED_BY(token_mu_);
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_INVITATIONS_H_
