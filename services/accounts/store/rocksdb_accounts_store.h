#ifndef CLIENTBOOK_SERVICES_ACCOUNTS_STORE_ROCKSDB_ACCOUNTS_STORE_H_
#define CLIENTBOOK_SERVICES_ACCOUNTS_STORE_ROCKSDB_ACCOUNTS_STORE_H_

#include <memory>

#include "common/changes/change_log.h"
#include "common/storage/database.h"
#include "common/storage/id_allocator.h"
#include "common/time/clock.h"
#include "services/accounts/domain/store_port.h"

namespace clientbook::accounts {

// The accounts index in RocksDB. Keys (common/keys/key_codec):
//   'F' firm id                 -> v1::Firm
//   'M' user, firm id           -> ""   (a user's firms, in id order)
//   'R' firm id, user           -> ""   (the same, by firm: a cell's range)
//   'P' cell, feed              -> the feed's resume token
//   'I' invitation id           -> invitations::InvitationRecord
//   'T' token                   -> invitation id
//   'E' invitee email key, id   -> ""   (invitations to an address)
//   'U' inviter, id             -> ""   (invitations a user sent)
//   'Q' inviter, request id     -> invitation id (CreateInvitation's retries)
//   'N'                         -> the id allocator's block end
//   'L' …                       -> the change log (common/changes/change_log.h):
//                                  the invitations' changes, and the store's
//                                  epoch that backups restore under
// The index is rebuilt from the cells' feeds and writes no change records;
// invitations are accounts' own, and every write of one is in the log.
class RocksAccountsStore final : public AccountsStore {
 public:
  static absl::StatusOr<std::unique_ptr<RocksAccountsStore>> Open(storage::Database* db,
                                                                  const Clock& clock);

  absl::Status Apply(FeedOf feed, const std::vector<IndexChange>& changes,
                     absl::string_view token) override;
  absl::StatusOr<std::string> Position(FeedOf feed) const override;
  absl::Status Forget(FeedOf feed) override;
  absl::StatusOr<storage::StoredPage<v1::Firm>> FirmsOf(absl::string_view user,
                                                        absl::string_view cursor,
                                                        size_t limit) const override;

  absl::StatusOr<uint64_t> AllocateId() override { return ids_->Next(); }
  absl::Status PutInvitation(const changes::ChangeOrigin& origin,
                             const invitations::InvitationRecord& invitation,
                             absl::string_view invitee_email_key) override;
  absl::StatusOr<std::optional<invitations::InvitationRecord>> GetInvitationByToken(
      absl::string_view token) const override;
  absl::StatusOr<std::optional<invitations::InvitationRecord>> InvitationCreatedUnder(
      absl::string_view inviter, absl::string_view request_id) const override;
  absl::StatusOr<storage::StoredPage<invitations::InvitationRecord>> InvitationsToEmail(
      absl::string_view email_key, absl::string_view cursor, size_t limit) const override;
  absl::StatusOr<storage::StoredPage<invitations::InvitationRecord>> InvitationsFromUser(
      absl::string_view user, absl::string_view cursor, size_t limit) const override;
  absl::StatusOr<std::optional<invitations::InvitationRecord>>
  NthNewestInvitationFromUser(absl::string_view user, size_t n) const override;

  changes::ChangeLog& change_log() { return *log_; }

 private:
  RocksAccountsStore(storage::Database* db, std::unique_ptr<changes::ChangeLog> log,
                     std::unique_ptr<storage::IdAllocator> ids)
      : db_(db), log_(std::move(log)), ids_(std::move(ids)) {}

  // The invitation a token or request-id entry names, if the entry is there.
  absl::StatusOr<std::optional<invitations::InvitationRecord>> InvitationAt(
      const std::string& entry_key) const;
  // The invitation an index or token entry names: DATA_LOSS for none.
  absl::StatusOr<std::optional<invitations::InvitationRecord>> InvitationNamed(
      uint64_t id) const;
  // The invitations an index page names, in its order.
  absl::StatusOr<storage::StoredPage<invitations::InvitationRecord>> InvitationsIndexed(
      std::string prefix, absl::string_view cursor, size_t limit) const;

  storage::Database* db_;
  std::unique_ptr<changes::ChangeLog> log_;
  std::unique_ptr<storage::IdAllocator> ids_;
};

}  // namespace clientbook::accounts

#endif  // CLIENTBOOK_SERVICES_ACCOUNTS_STORE_ROCKSDB_ACCOUNTS_STORE_H_
