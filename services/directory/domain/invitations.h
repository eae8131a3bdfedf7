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
#include "services/directory/domain/directory_core.h"

namespace clientbook::directory {

// Invitations from client companies to firm members, by email.
class Invitations {
 public:
  explicit Invitations(DirectoryCore& core) : core_(core), store_(core.store()) {}

  absl::StatusOr<InvitationRecord> CreateInvitation(absl::string_view caller,
                                                    const InvitationRecord& draft);
  absl::StatusOr<Page<InvitationRecord>> ListInvitations(absl::string_view caller,
                                                         absl::string_view invitee_email,
                                                         const PageRequest& page);
  absl::StatusOr<std::pair<InvitationRecord, ClientRecord>> AcceptInvitation(
      absl::string_view caller, absl::string_view token, std::optional<uint64_t> firm_id);
  absl::StatusOr<InvitationRecord> DeclineInvitation(absl::string_view caller,
                                                     absl::string_view token);

 private:
  // The invitation behind `token` if it can still be answered; else why not.
  absl::StatusOr<InvitationRecord> LoadPendingInvitation(absl::string_view token);
  // The caller's firms in which the caller's member email is `email`.
  absl::StatusOr<std::vector<uint64_t>> FirmsWhereEmail(absl::string_view caller,
                                                        absl::string_view email);
  std::string NewToken();

  DirectoryCore& core_;
  DirectoryStore& store_;
  absl::Mutex token_mu_;
  absl::BitGen token_bits_ ABSL_GUARDED_BY(token_mu_);
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_INVITATIONS_H_
