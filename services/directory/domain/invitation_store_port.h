#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_INVITATION_STORE_PORT_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_INVITATION_STORE_PORT_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/directory/domain/model.h"

namespace clientbook::directory {

using storage::StoredPage;

// Invitations to join a firm, by token, invitee and inviter.
class InvitationStore {
 public:
  virtual ~InvitationStore() = default;

  virtual absl::StatusOr<std::optional<InvitationRecord>> GetInvitation(
      uint64_t id) const = 0;
  virtual absl::StatusOr<std::optional<InvitationRecord>> GetInvitationByToken(
      absl::string_view token) const = 0;
  // Invitations to an invitee email (by EmailKey()) or from an inviter.
  virtual absl::StatusOr<StoredPage<InvitationRecord>> ListInvitationsToEmail(
      absl::string_view email_key, absl::string_view cursor, size_t limit) const = 0;
  virtual absl::StatusOr<StoredPage<InvitationRecord>> ListInvitationsFromUser(
      absl::string_view user_id, absl::string_view cursor, size_t limit) const = 0;
  // `user_id`'s n-th newest invitation, if it sent `n`.
  virtual absl::StatusOr<std::optional<InvitationRecord>> NthNewestInvitationFromUser(
      absl::string_view user_id, size_t n) const = 0;
  // Every invitation, in id order.
  virtual absl::StatusOr<StoredPage<InvitationRecord>> ScanInvitations(
      absl::string_view cursor, size_t limit) const = 0;
};

// A write's changes to invitations.
class InvitationWrites {
 public:
  virtual ~InvitationWrites() = default;

  // Indexed under the invitee's email key (EmailKey()) and its inviter.
  virtual void PutInvitation(const InvitationRecord& invitation,
                             absl::string_view invitee_email_key) = 0;
  // With its indexes: an invitation handed over to accounts.
  virtual void DeleteInvitation(const InvitationRecord& invitation,
                                absl::string_view invitee_email_key) = 0;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_INVITATION_STORE_PORT_H_
