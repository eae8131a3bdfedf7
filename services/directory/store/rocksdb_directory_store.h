#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_DIRECTORY_STORE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_DIRECTORY_STORE_H_

#include <memory>

#include "common/changes/change_log.h"
#include "common/names/cell.h"
#include "common/storage/database.h"
#include "common/storage/id_allocator.h"
#include "services/directory/domain/store_port.h"
#include "services/directory/store/member_cache.h"

namespace clientbook::directory {

// DirectoryStore over one RocksDB. Key layout (common/keys/key_codec.h):
//   F firm                      -> FirmRecord
//   M firm user                 -> MemberRecord
//   U user firm                 -> ""            (ListMyFirms)
//   C firm company              -> ClientRecord
//   N firm number_key           -> company       (number uniqueness)
//   S firm scope name company   -> ""            (list by name)
//   O firm scope has? number company -> ""      (list by number)
//   W firm scope word name company -> ""        (name search)
//   D firm duplicate_key company -> ""          (FindDuplicateClients)
//   V firm user                 -> ListViewRecord
//   I invitation                -> InvitationRecord
//   T token                     -> invitation
//   E email_key invitation      -> ""            (invitations to an email)
//   X inviter invitation        -> ""            (invitations from a user)
//   Q scope caller request_id   -> RequestRecord (idempotent requests)
//   Z "id_limit"                -> next id block
//   L ...                       -> the change log (change_log.h)
// and the workspace's notes, to-dos and merged clients (workspace_keys.h).
// scope is 'a' (entries of active clients only) or 'z' (every client), so
// the default "hide inactive" listing is a plain range walk.
class RocksDirectoryStore final : public DirectoryStore {
 public:
  // Ids in `cell`'s range (cell.h).
  static absl::StatusOr<std::unique_ptr<RocksDirectoryStore>> Create(
      storage::Database* db, const Clock& clock, names::Cell cell = {});

  absl::StatusOr<uint64_t> AllocateId() override;
  std::unique_ptr<DirectoryWrite> NewWrite(WriteOrigin origin) override;

  // Every committed change, in order.
  changes::ChangeLog& change_log() { return *log_; }

  absl::StatusOr<std::optional<FirmRecord>> GetFirm(uint64_t firm_id) const override;
  absl::StatusOr<std::optional<MemberRecord>> GetMember(
      uint64_t firm_id, absl::string_view user_id) const override;
  absl::StatusOr<StoredPage<MemberRecord>> ListMembers(uint64_t firm_id,
                                                       absl::string_view cursor,
                                                       size_t limit) const override;
  absl::StatusOr<StoredPage<uint64_t>> ListFirmIdsOfUser(absl::string_view user_id,
                                                         absl::string_view cursor,
                                                         size_t limit) const override;

  absl::StatusOr<std::optional<ClientRecord>> GetClient(
      uint64_t firm_id, uint64_t company_id) const override;
  absl::StatusOr<std::optional<uint64_t>> FindClientByNumberKey(
      uint64_t firm_id, absl::string_view number_key) const override;
  absl::StatusOr<StoredPage<ClientRecord>> ScanClients(
      const ClientScan& scan) const override;
  absl::StatusOr<std::vector<uint64_t>> FindClientsByDuplicateKey(
      uint64_t firm_id, absl::string_view duplicate_key, size_t limit) const override;
  absl::StatusOr<StoredPage<std::vector<uint64_t>>> ListDuplicateGroups(
      uint64_t firm_id, absl::string_view cursor, size_t limit,
      size_t max_examined) const override;

  absl::StatusOr<std::optional<ListViewRecord>> GetListView(
      uint64_t firm_id, absl::string_view user_id) const override;

  // rocksdb_workspace_reads.cc
  absl::StatusOr<std::optional<MergedClientRecord>> GetMergedClient(
      uint64_t firm_id, uint64_t company_id) const override;
  absl::StatusOr<std::optional<NoteRecord>> GetNote(uint64_t firm_id,
                                                    uint64_t note_id) const override;
  absl::StatusOr<StoredPage<NoteRecord>> ScanNotes(const NoteScan& scan) const override;
  absl::StatusOr<std::vector<NoteRecord>> ClientNotes(uint64_t firm_id,
                                                      uint64_t company_id,
                                                      size_t limit) const override;
  absl::StatusOr<std::vector<TodoRecord>> ClientTodos(uint64_t firm_id,
                                                      uint64_t company_id,
                                                      size_t limit) const override;
  absl::StatusOr<std::vector<std::pair<uint64_t, uint64_t>>> NotesToPurge(
      int64_t time_us, size_t limit) const override;
  absl::StatusOr<std::optional<TodoRecord>> GetTodo(uint64_t firm_id,
                                                    uint64_t todo_id) const override;
  absl::StatusOr<StoredPage<TodoRecord>> ScanTodos(const TodoScan& scan) const override;

  absl::StatusOr<std::optional<InvitationRecord>> GetInvitationByToken(
      absl::string_view token) const override;
  absl::StatusOr<StoredPage<InvitationRecord>> ListInvitationsToEmail(
      absl::string_view email_key, absl::string_view cursor, size_t limit) const override;
  absl::StatusOr<StoredPage<InvitationRecord>> ListInvitationsFromUser(
      absl::string_view user_id, absl::string_view cursor, size_t limit) const override;
  absl::StatusOr<StoredPage<InvitationRecord>> ScanInvitations(
      absl::string_view cursor, size_t limit) const override;

  absl::StatusOr<size_t> ReindexIfOutdated(
      const std::function<ClientIndexTerms(const ClientRecord&)>& terms_of) override;
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(
      uint64_t scope, absl::string_view caller,
      absl::string_view request_id) const override;

 private:
  RocksDirectoryStore(storage::Database* db, std::unique_ptr<storage::IdAllocator> ids,
                      std::unique_ptr<changes::ChangeLog> log)
      : db_(db),
        ids_(std::move(ids)),
        log_(std::move(log)),
        members_(std::make_unique<MemberCache>()) {}

  absl::StatusOr<std::optional<InvitationRecord>> GetInvitation(uint64_t id) const;
  absl::StatusOr<StoredPage<InvitationRecord>> ListInvitationIndex(
      std::string prefix, absl::string_view cursor, size_t limit) const;

  storage::Database* db_;
  std::unique_ptr<storage::IdAllocator> ids_;
  std::unique_ptr<changes::ChangeLog> log_;
  // Read by GetMember, invalidated by every write that puts a member.
  std::unique_ptr<MemberCache> members_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_DIRECTORY_STORE_H_
