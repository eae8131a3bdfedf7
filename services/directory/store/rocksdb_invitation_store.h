#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_INVITATION_STORE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_INVITATION_STORE_H_

#include <string>

#include "common/storage/database.h"
#include "services/directory/domain/invitation_store_port.h"
#include "services/directory/store/staged_write.h"

namespace clientbook::directory {

// Invitations and their token, invitee and inviter indexes, in their tables
// (directory_tables.h).
class RocksInvitationStore final : public InvitationStore {
 public:
  explicit RocksInvitationStore(storage::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<InvitationRecord>> GetInvitation(
      uint64_t id) const override;
  absl::StatusOr<std::optional<InvitationRecord>> GetInvitationByToken(
      absl::string_view token) const override;
  absl::StatusOr<StoredPage<InvitationRecord>> ListInvitationsToEmail(
      absl::string_view email_key, absl::string_view cursor, size_t limit) const override;
  absl::StatusOr<StoredPage<InvitationRecord>> ListInvitationsFromUser(
      absl::string_view user_id, absl::string_view cursor, size_t limit) const override;
  absl::StatusOr<std::optional<InvitationRecord>> NthNewestInvitationFromUser(
      absl::string_view user_id, size_t n) const override;
  absl::StatusOr<StoredPage<InvitationRecord>> ScanInvitations(
      absl::string_view cursor, size_t limit) const override;

 private:
  absl::StatusOr<StoredPage<InvitationRecord>> ListInvitationIndex(
      std::string prefix, absl::string_view cursor, size_t limit) const;

  storage::Database& db_;
};

class RocksInvitationWrites final : public InvitationWrites {
 public:
  explicit RocksInvitationWrites(StagedWrite& write) : write_(write) {}

  void PutInvitation(const InvitationRecord& invitation,
                     absl::string_view invitee_email_key) override;
  void DeleteInvitation(const InvitationRecord& invitation,
                        absl::string_view invitee_email_key) override;

 private:
  StagedWrite& write_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_INVITATION_STORE_H_
