#include "services/directory/store/rocksdb_directory_store.h"

#include "common/invitations/invitation_changes.h"
#include "common/keys/key_codec.h"
#include "common/storage/records.h"
#include "services/directory/store/directory_changes.h"
#include "services/directory/store/directory_tables.h"
#include "services/directory/store/staged_write.h"

namespace clientbook::directory {
namespace {

using storage::KeyBuilder;
using storage::KeyReader;

constexpr uint64_t kFirstId = 1001;

std::string IdLimitKey() {
  return KeyBuilder(tables::kMeta).String("id_limit").Release();
}
std::string RequestKey(uint64_t scope, absl::string_view caller,
                       absl::string_view request_id) {
  return KeyBuilder(tables::kRequest)
      .Uint64(scope)
      .String(caller)
      .String(request_id)
      .Release();
}

// One write over every entity's store, staged together and committed in
// one batch with the request id's record and the change records.
class RocksDirectoryWrite final : public DirectoryWrite {
 public:
  RocksDirectoryWrite(storage::Database& db, changes::ChangeLog& log,
                      MemberCache& members, WriteOrigin origin)
      : staged_(db, log, std::move(origin)),
        firms_(staged_, members),
        clients_(staged_),
        notes_(staged_),
        todos_(staged_),
        list_views_(staged_),
        invitations_(staged_) {}

  FirmWrites& firms() override { return firms_; }
  ClientWrites& clients() override { return clients_; }
  NoteWrites& notes() override { return notes_; }
  TodoWrites& todos() override { return todos_; }
  ListViewWrites& list_views() override { return list_views_; }
  InvitationWrites& invitations() override { return invitations_; }

  void PutRequest(uint64_t scope, absl::string_view caller, absl::string_view request_id,
                  const RequestRecord& done) override {
    staged_.Put(RequestKey(scope, caller, request_id), done.SerializeAsString());
  }

  absl::Status Commit() override { return staged_.Commit(); }

 private:
  StagedWrite staged_;
  RocksFirmWrites firms_;
  RocksClientWrites clients_;
  RocksNoteWrites notes_;
  RocksTodoWrites todos_;
  RocksListViewWrites list_views_;
  RocksInvitationWrites invitations_;
};

// Where a SNAPSHOT watch finds the directory's resources.
std::vector<changes::ResourceTable> ResourceTables() {
  using changes::ChangeRecord;
  using changes::FirmTable;
  return {
      FirmTable<FirmRecord>(tables::kFirm,
                            [](absl::string_view, const FirmRecord& firm) {
                              return change_records::Firm(firm);
                            }),
      FirmTable<MemberRecord>(tables::kMember,
                              [](absl::string_view, const MemberRecord& member) {
                                return change_records::Member(member);
                              }),
      FirmTable<ClientRecord>(tables::kClient,
                              [](absl::string_view, const ClientRecord& client) {
                                return change_records::Client(nullptr, &client);
                              }),
      FirmTable<ListViewRecord>(tables::kListView,
                                [](absl::string_view key,
                                   const ListViewRecord&) -> std::optional<ChangeRecord> {
                                  KeyReader reader(key);
                                  reader.Table();
                                  std::optional<uint64_t> firm = reader.Uint64();
                                  std::optional<std::string> user = reader.String();
                                  if (!firm || !user) return std::nullopt;
                                  return change_records::ListView(*firm, *user);
                                }),
      invitations::InvitationTable(tables::kInvitation),
      FirmTable<NoteRecord>(tables::kNote,
                            [](absl::string_view, const NoteRecord& note) {
                              return change_records::Note(nullptr, &note);
                            }),
      FirmTable<TodoRecord>(tables::kTodo,
                            [](absl::string_view, const TodoRecord& todo) {
                              return change_records::Todo(nullptr, &todo);
                            }),
  };
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDirectoryStore>> RocksDirectoryStore::Create(
    storage::Database* db, const Clock& clock, names::Cell cell) {
  absl::StatusOr<std::unique_ptr<changes::ChangeLog>> log =
      changes::ChangeLog::Open(*db, tables::kChangeLog, clock);
  if (!log.ok()) return log.status();
  absl::StatusOr<std::unique_ptr<storage::IdAllocator>> ids =
      (*log)->OpenIdAllocator(IdLimitKey(), kFirstId, cell);
  if (!ids.ok()) return ids.status();
  (*log)->SetResourceTables(ResourceTables());
  return std::unique_ptr<RocksDirectoryStore>(
      new RocksDirectoryStore(db, std::move(*ids), std::move(*log)));
}

absl::StatusOr<uint64_t> RocksDirectoryStore::AllocateId() { return ids_->Next(); }

std::unique_ptr<DirectoryWrite> RocksDirectoryStore::NewWrite(WriteOrigin origin) {
  return std::make_unique<RocksDirectoryWrite>(db_, *log_, firms_.member_cache(),
                                               std::move(origin));
}

absl::StatusOr<std::optional<RequestRecord>> RocksDirectoryStore::FindRequest(
    uint64_t scope, absl::string_view caller, absl::string_view request_id) const {
  return storage::ReadRecord<RequestRecord>(db_, RequestKey(scope, caller, request_id));
}

}  // namespace clientbook::directory
