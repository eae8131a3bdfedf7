#include "services/directory/store/rocksdb_directory_store.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/invitations/invitation_changes.h"
#include "common/keys/key_codec.h"
#include "common/names/names.h"
#include "common/storage/id_allocator.h"
#include "common/storage/records.h"
#include "services/directory/domain/model.h"
#include "services/directory/store/directory_changes.h"
#include "services/directory/store/word_join.h"
#include "services/directory/store/workspace_keys.h"

namespace clientbook::directory {
namespace {

using storage::KeyBuilder;
using storage::KeyReader;

constexpr char kFirm = 'F';
constexpr char kMember = 'M';
constexpr char kUserFirm = 'U';
constexpr char kClient = 'C';
constexpr char kNumberOwner = 'N';
constexpr char kNameIndex = 'S';
constexpr char kNumberIndex = 'O';
constexpr char kWordIndex = 'W';
constexpr char kDuplicateIndex = 'D';
constexpr char kListView = 'V';
constexpr char kInvitation = 'I';
constexpr char kInvitationToken = 'T';
constexpr char kInvitationToEmail = 'E';
constexpr char kInvitationFromUser = 'X';
// 'R' held bare ids before requests carried fingerprints; left unread.
constexpr char kRequest = 'Q';
constexpr char kMeta = 'Z';
constexpr char kChangeLog = 'L';

constexpr char kScopeActive = 'a';
constexpr char kScopeAll = 'z';
constexpr char kHasNumber = '0';
constexpr char kNoNumber = '1';

constexpr uint64_t kFirstId = 1001;

// The layout of the listing indexes. 2: name and number entries per facet;
// 3: and the duplicate-name index; 4: name entries among all clients cover
// the display name and number; 5: a facet per client's primary admin. A
// database with another (or no) layout is reindexed at start.
constexpr char kIndexLayout[] = "5";
constexpr size_t kReindexBatchClients = 10000;
// FindDuplicateClients shows at most this many clients of one name.
constexpr size_t kMaxClientsPerDuplicateGroup = 100;

std::string IdLimitKey() { return KeyBuilder(kMeta).String("id_limit").Release(); }
std::string IndexLayoutKey() {
  return KeyBuilder(kMeta).String("index_layout").Release();
}
std::string FirmKey(uint64_t firm) { return KeyBuilder(kFirm).Uint64(firm).Release(); }
std::string MemberKey(uint64_t firm, absl::string_view user) {
  return KeyBuilder(kMember).Uint64(firm).String(user).Release();
}
std::string UserFirmKey(absl::string_view user, uint64_t firm) {
  return KeyBuilder(kUserFirm).String(user).Uint64(firm).Release();
}
std::string ClientKey(uint64_t firm, uint64_t company) {
  return KeyBuilder(kClient).Uint64(firm).Uint64(company).Release();
}
std::string NumberOwnerKey(uint64_t firm, absl::string_view number_key) {
  return KeyBuilder(kNumberOwner).Uint64(firm).String(number_key).Release();
}
std::string DuplicateKeyPrefix(uint64_t firm, absl::string_view duplicate_key) {
  return KeyBuilder(kDuplicateIndex).Uint64(firm).String(duplicate_key).Release();
}
std::string ListViewKey(uint64_t firm, absl::string_view user) {
  return KeyBuilder(kListView).Uint64(firm).String(user).Release();
}
std::string InvitationKey(uint64_t id) {
  return KeyBuilder(kInvitation).Uint64(id).Release();
}
std::string InvitationToEmailKey(absl::string_view email_key, uint64_t id) {
  return KeyBuilder(kInvitationToEmail).String(email_key).Uint64(id).Release();
}
std::string InvitationFromUserKey(absl::string_view user_id, uint64_t id) {
  return KeyBuilder(kInvitationFromUser).String(user_id).Uint64(id).Release();
}
std::string TokenKey(absl::string_view token) {
  return KeyBuilder(kInvitationToken).String(token).Release();
}
std::string RequestKey(uint64_t scope, absl::string_view caller,
                       absl::string_view request_id) {
  return KeyBuilder(kRequest).Uint64(scope).String(caller).String(request_id).Release();
}

// An index entry: key and value (empty but for covering entries).
using IndexEntry = std::pair<std::string, std::string>;

std::vector<IndexEntry> KeysOnly(std::vector<std::string> keys) {
  std::vector<IndexEntry> entries;
  entries.reserve(keys.size());
  for (std::string& key : keys) entries.emplace_back(std::move(key), "");
  return entries;
}

// The listing index entries of one client, in both scopes that apply: by
// name and by number once per facet, by word once; and its duplicate-name
// entry. Its entries by name among all clients carry its display name and
// number, so a page of names and numbers reads no records.
std::vector<IndexEntry> ClientIndexEntries(const IndexedClient& indexed) {
  const ClientRecord& c = indexed.record;
  const std::string& name = indexed.terms.folded_name;
  const std::string& number = indexed.terms.number_key;
  std::vector<IndexEntry> entries;
  if (!indexed.terms.duplicate_key.empty()) {
    entries.emplace_back(
        KeyBuilder::Extend(DuplicateKeyPrefix(c.firm_id(), indexed.terms.duplicate_key))
            .Uint64(c.company_id())
            .Release(),
        "");
  }
  ClientNameEntry covered;
  covered.set_display_name(c.display_name());
  covered.set_client_number(c.client_number());
  const std::string covered_value = covered.SerializeAsString();
  std::vector<char> scopes = {kScopeAll};
  if (indexed.terms.active) scopes.push_back(kScopeActive);
  for (char scope : scopes) {
    for (const std::string& facet : indexed.terms.facets) {
      entries.emplace_back(KeyBuilder(kNameIndex)
                               .Uint64(c.firm_id())
                               .Byte(scope)
                               .String(facet)
                               .String(name)
                               .Uint64(c.company_id())
                               .Release(),
                           facet == kAllClientsFacet ? covered_value : "");
      entries.emplace_back(KeyBuilder(kNumberIndex)
                               .Uint64(c.firm_id())
                               .Byte(scope)
                               .String(facet)
                               .Byte(number.empty() ? kNoNumber : kHasNumber)
                               .String(number)
                               .Uint64(c.company_id())
                               .Release(),
                           "");
    }
    for (const std::string& word : indexed.terms.words) {
      entries.emplace_back(KeyBuilder(kWordIndex)
                               .Uint64(c.firm_id())
                               .Byte(scope)
                               .String(word)
                               .String(name)
                               .Uint64(c.company_id())
                               .Release(),
                           "");
    }
  }
  return entries;
}

// Collects deletes and puts apart and emits every delete first, so a batch
// may move a client number or index entry from one client to another in any
// order of calls. A batch that writes a member invalidates `members` around
// its commit: whatever writes a member sets members_changed_. Each call adds
// the change record of the resource it writes; where the caller does not
// pass the resource's state before, it is read at commit (the domain's
// locks hold it still until then).
class RocksDirectoryWrite final : public DirectoryWrite {
 public:
  RocksDirectoryWrite(storage::Database& db, changes::ChangeLog& log,
                      MemberCache& members, WriteOrigin origin)
      : db_(db), log_(log), members_(members), origin_(std::move(origin)) {}

  void PutFirm(const FirmRecord& firm) override {
    std::string key = FirmKey(firm.id());
    AddPut(key, firm.SerializeAsString());
    RecordPut(change_records::Firm(firm), std::move(key));
  }
  void PutMember(const MemberRecord& member) override {
    std::string key = MemberKey(member.firm_id(), member.user_id());
    AddPut(key, member.SerializeAsString());
    AddPut(UserFirmKey(member.user_id(), member.firm_id()), "");
    members_changed_ = true;
    changes::ChangeRecord record = change_records::Member(member);
    record.set_after(member.SerializeAsString());
    RecordPut(std::move(record), std::move(key));
  }
  void DeleteMember(const MemberRecord& member) override {
    AddDelete(MemberKey(member.firm_id(), member.user_id()));
    AddDelete(UserFirmKey(member.user_id(), member.firm_id()));
    members_changed_ = true;
    changes::ChangeRecord record = change_records::Member(member);
    record.set_type(change_records::kDeleted);
    record.set_before(member.SerializeAsString());
    records_.push_back(std::move(record));
  }
  // Only the index entries that change are written: a number-only update
  // touches its number entries and the two that cover the number, not the
  // other name entries nor the word entries.
  void PutClient(const IndexedClient* before, const IndexedClient& after) override {
    const ClientRecord& c = after.record;
    PutDiff(before == nullptr ? std::vector<IndexEntry>() : ClientIndexEntries(*before),
            ClientIndexEntries(after));
    const std::string old_number = before == nullptr ? "" : before->terms.number_key;
    if (old_number != after.terms.number_key) {
      if (!old_number.empty()) AddDelete(NumberOwnerKey(c.firm_id(), old_number));
      if (!after.terms.number_key.empty()) {
        AddPut(NumberOwnerKey(c.firm_id(), after.terms.number_key),
               storage::EncodeUint64(c.company_id()));
      }
    }
    AddPut(ClientKey(c.firm_id(), c.company_id()), c.SerializeAsString());
    records_.push_back(change_records::Client(
        before == nullptr ? nullptr : &before->record, &after.record));
  }
  void DeleteClient(const IndexedClient& stored) override {
    DeleteIndexes(stored);
    AddDelete(ClientKey(stored.record.firm_id(), stored.record.company_id()));
    records_.push_back(change_records::Client(&stored.record, nullptr));
  }
  void PutListView(uint64_t firm_id, absl::string_view user_id,
                   const ListViewRecord& view) override {
    std::string key = ListViewKey(firm_id, user_id);
    AddPut(key, view.SerializeAsString());
    changes::ChangeRecord record = change_records::ListView(firm_id, user_id);
    record.set_after(view.SerializeAsString());
    RecordPut(std::move(record), std::move(key));
  }
  void DeleteListView(uint64_t firm_id, absl::string_view user_id) override {
    std::string key = ListViewKey(firm_id, user_id);
    AddDelete(key);
    changes::ChangeRecord record = change_records::ListView(firm_id, user_id);
    record.set_type(change_records::kDeleted);
    read_before_.push_back({records_.size(), std::move(key)});
    records_.push_back(std::move(record));
  }
  void PutInvitation(const InvitationRecord& inv,
                     absl::string_view invitee_email_key) override {
    changes::ChangeRecord record = invitations::InvitationChange(inv);
    record.set_after(inv.SerializeAsString());
    RecordPut(std::move(record), InvitationKey(inv.id()));
    // The indexed fields never change, so re-putting them is harmless.
    AddPut(InvitationKey(inv.id()), inv.SerializeAsString());
    AddPut(TokenKey(inv.token()), storage::EncodeUint64(inv.id()));
    AddPut(InvitationToEmailKey(invitee_email_key, inv.id()), "");
    AddPut(InvitationFromUserKey(inv.inviter_user_id(), inv.id()), "");
  }
  void DeleteInvitation(const InvitationRecord& inv,
                        absl::string_view invitee_email_key) override {
    changes::ChangeRecord record = invitations::InvitationChange(inv);
    record.set_type(change_records::kDeleted);
    RecordPut(std::move(record), InvitationKey(inv.id()));
    AddDelete(InvitationKey(inv.id()));
    AddDelete(TokenKey(inv.token()));
    AddDelete(InvitationToEmailKey(invitee_email_key, inv.id()));
    AddDelete(InvitationFromUserKey(inv.inviter_user_id(), inv.id()));
  }
  void PutNote(const IndexedNote* before, const IndexedNote& after) override {
    PutDiff(before == nullptr ? std::vector<IndexEntry>()
                              : KeysOnly(workspace_keys::NoteIndexKeys(*before)),
            KeysOnly(workspace_keys::NoteIndexKeys(after)));
    AddPut(workspace_keys::NoteKey(after.record.firm_id(), after.record.id()),
           after.record.SerializeAsString());
    records_.push_back(change_records::Note(before == nullptr ? nullptr : &before->record,
                                            &after.record));
  }
  void PurgeNote(const IndexedNote& stored) override {
    for (std::string& key : workspace_keys::NoteIndexKeys(stored))
      AddDelete(std::move(key));
    AddDelete(workspace_keys::NoteKey(stored.record.firm_id(), stored.record.id()));
    records_.push_back(change_records::Note(&stored.record, nullptr));
  }
  void PutTodo(const TodoRecord* before, const TodoRecord& after) override {
    PutDiff(before == nullptr ? std::vector<IndexEntry>()
                              : KeysOnly(workspace_keys::TodoIndexKeys(*before)),
            KeysOnly(workspace_keys::TodoIndexKeys(after)));
    AddPut(workspace_keys::TodoKey(after.firm_id(), after.id()),
           after.SerializeAsString());
    records_.push_back(change_records::Todo(before, &after));
  }
  void DeleteTodo(const TodoRecord& stored) override {
    for (std::string& key : workspace_keys::TodoIndexKeys(stored))
      AddDelete(std::move(key));
    AddDelete(workspace_keys::TodoKey(stored.firm_id(), stored.id()));
    records_.push_back(change_records::Todo(&stored, nullptr));
  }
  // The merged client's DELETED record becomes MERGED, naming its target.
  void PutMergedClient(uint64_t firm_id, uint64_t company_id,
                       const MergedClientRecord& merged) override {
    AddPut(workspace_keys::MergedClientKey(firm_id, company_id),
           merged.SerializeAsString());
    const std::string name = names::ClientName{firm_id, company_id}.ToString();
    for (changes::ChangeRecord& record : records_) {
      if (record.name() == name && record.type() == change_records::kDeleted) {
        record.set_type(change_records::kMerged);
        record.set_merged_into(
            names::ClientName{firm_id, merged.target_company_id()}.ToString());
      }
    }
  }
  void PutRequest(uint64_t scope, absl::string_view caller, absl::string_view request_id,
                  const RequestRecord& done) override {
    AddPut(RequestKey(scope, caller, request_id), done.SerializeAsString());
  }

  absl::Status Commit() override {
    if (absl::Status s = ReadBefore(); !s.ok()) return s;
    for (changes::ChangeRecord& record : records_) {
      record.set_actor(origin_.actor);
      record.set_request_id(origin_.request_id);
      record.set_source(origin_.source);
    }
    rocksdb::WriteBatch batch;
    for (const std::string& key : deletes_) batch.Delete(key);
    for (const auto& [key, value] : puts_) batch.Put(key, value);
    if (!members_changed_) return log_.Commit(batch, std::move(records_));
    members_.Invalidate();
    absl::Status written = log_.Commit(batch, std::move(records_));
    members_.Invalidate();
    return written;
  }

 private:
  // A record whose `before` is the value stored under `key` at commit.
  struct ReadBeforeCommit {
    size_t record;
    std::string key;
  };

  void RecordPut(changes::ChangeRecord record, std::string key) {
    read_before_.push_back({records_.size(), std::move(key)});
    records_.push_back(std::move(record));
  }

  // Fills in the state before of the records that need it: CREATED when
  // there was none; a delete of what was never there (a leaver's list view
  // never saved) changes nothing and keeps no record.
  absl::Status ReadBefore() {
    if (read_before_.empty()) return absl::OkStatus();
    std::vector<std::string> keys;
    keys.reserve(read_before_.size());
    for (const ReadBeforeCommit& read : read_before_) keys.push_back(read.key);
    absl::StatusOr<std::vector<std::optional<std::string>>> stored = db_.MultiGet(keys);
    if (!stored.ok()) return stored.status();
    for (size_t i = 0; i < read_before_.size(); ++i) {
      changes::ChangeRecord& record = records_[read_before_[i].record];
      const std::optional<std::string>& before = (*stored)[i];
      if (before.has_value()) record.set_before(*before);
      if (record.type().empty())
        record.set_type(change_records::PutType(before.has_value()));
    }
    std::erase_if(records_, [](const changes::ChangeRecord& record) {
      return record.before().empty() && record.after().empty();
    });
    return absl::OkStatus();
  }

  void DeleteIndexes(const IndexedClient& c) {
    for (auto& [key, value] : ClientIndexEntries(c)) AddDelete(std::move(key));
    if (!c.terms.number_key.empty()) {
      AddDelete(NumberOwnerKey(c.record.firm_id(), c.terms.number_key));
    }
  }

  // Index entries from `before` to `after`: only those that differ (in key
  // or value) are written.
  void PutDiff(std::vector<IndexEntry> before, std::vector<IndexEntry> after) {
    const absl::flat_hash_map<std::string, std::string> kept(after.begin(), after.end());
    const absl::flat_hash_map<std::string, std::string> had(before.begin(), before.end());
    for (auto& [key, value] : before) {
      if (!kept.contains(key)) AddDelete(std::move(key));
    }
    for (auto& [key, value] : after) {
      auto old = had.find(key);
      if (old == had.end() || old->second != value)
        AddPut(std::move(key), std::move(value));
    }
  }

  void AddPut(std::string key, std::string value) {
    puts_.emplace_back(std::move(key), std::move(value));
  }
  void AddDelete(std::string key) { deletes_.push_back(std::move(key)); }

  storage::Database& db_;
  changes::ChangeLog& log_;
  MemberCache& members_;
  const WriteOrigin origin_;
  std::vector<changes::ChangeRecord> records_;
  std::vector<ReadBeforeCommit> read_before_;
  bool members_changed_ = false;
  std::vector<std::pair<std::string, std::string>> puts_;
  std::vector<std::string> deletes_;
};

// Where a SNAPSHOT watch finds the directory's resources.
std::vector<changes::ResourceTable> ResourceTables() {
  using changes::ChangeRecord;
  using changes::FirmTable;
  return {
      FirmTable<FirmRecord>(kFirm,
                            [](absl::string_view, const FirmRecord& firm) {
                              return change_records::Firm(firm);
                            }),
      FirmTable<MemberRecord>(kMember,
                              [](absl::string_view, const MemberRecord& member) {
                                return change_records::Member(member);
                              }),
      FirmTable<ClientRecord>(kClient,
                              [](absl::string_view, const ClientRecord& client) {
                                return change_records::Client(nullptr, &client);
                              }),
      FirmTable<ListViewRecord>(kListView,
                                [](absl::string_view key,
                                   const ListViewRecord&) -> std::optional<ChangeRecord> {
                                  KeyReader reader(key);
                                  reader.Table();
                                  std::optional<uint64_t> firm = reader.Uint64();
                                  std::optional<std::string> user = reader.String();
                                  if (!firm || !user) return std::nullopt;
                                  return change_records::ListView(*firm, *user);
                                }),
      invitations::InvitationTable(kInvitation),
      FirmTable<NoteRecord>(workspace_keys::kNoteTable,
                            [](absl::string_view, const NoteRecord& note) {
                              return change_records::Note(nullptr, &note);
                            }),
      FirmTable<TodoRecord>(workspace_keys::kTodoTable,
                            [](absl::string_view, const TodoRecord& todo) {
                              return change_records::Todo(nullptr, &todo);
                            }),
  };
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDirectoryStore>> RocksDirectoryStore::Create(
    storage::Database* db, const Clock& clock, names::Cell cell) {
  absl::StatusOr<std::unique_ptr<changes::ChangeLog>> log =
      changes::ChangeLog::Open(*db, kChangeLog, clock);
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
  return std::make_unique<RocksDirectoryWrite>(*db_, *log_, *members_, std::move(origin));
}

absl::StatusOr<std::optional<FirmRecord>> RocksDirectoryStore::GetFirm(
    uint64_t firm_id) const {
  return storage::ReadRecord<FirmRecord>(*db_, FirmKey(firm_id));
}

absl::StatusOr<std::optional<MemberRecord>> RocksDirectoryStore::GetMember(
    uint64_t firm_id, absl::string_view user_id) const {
  if (auto known = members_->Find(firm_id, user_id)) return *std::move(known);
  const uint64_t epoch = members_->Epoch();
  absl::StatusOr<std::optional<MemberRecord>> member =
      storage::ReadRecord<MemberRecord>(*db_, MemberKey(firm_id, user_id));
  if (member.ok()) members_->Insert(epoch, firm_id, user_id, *member);
  return member;
}

absl::StatusOr<StoredPage<MemberRecord>> RocksDirectoryStore::ListMembers(
    uint64_t firm_id, absl::string_view cursor, size_t limit) const {
  absl::StatusOr<storage::Database::RawPage> raw =
      db_->ScanPage(KeyBuilder(kMember).Uint64(firm_id).Release(), cursor, limit);
  if (!raw.ok()) return raw.status();
  StoredPage<MemberRecord> page{.items = {}, .cursor = raw->cursor};
  for (const auto& [key, value] : raw->entries) {
    absl::StatusOr<MemberRecord> member = storage::DecodeRecord<MemberRecord>(value);
    if (!member.ok()) return member.status();
    page.items.push_back(std::move(*member));
  }
  return page;
}

absl::StatusOr<StoredPage<uint64_t>> RocksDirectoryStore::ListFirmIdsOfUser(
    absl::string_view user_id, absl::string_view cursor, size_t limit) const {
  absl::StatusOr<storage::Database::RawPage> raw =
      db_->ScanPage(KeyBuilder(kUserFirm).String(user_id).Release(), cursor, limit);
  if (!raw.ok()) return raw.status();
  StoredPage<uint64_t> page{.items = {}, .cursor = raw->cursor};
  for (const auto& [key, value] : raw->entries) {
    std::optional<uint64_t> id = storage::TrailingUint64(key);
    if (!id.has_value()) return absl::DataLossError("bad user-firm key");
    page.items.push_back(*id);
  }
  return page;
}

absl::StatusOr<std::optional<ClientRecord>> RocksDirectoryStore::GetClient(
    uint64_t firm_id, uint64_t company_id) const {
  return storage::ReadRecord<ClientRecord>(*db_, ClientKey(firm_id, company_id));
}

absl::StatusOr<std::optional<uint64_t>> RocksDirectoryStore::FindClientByNumberKey(
    uint64_t firm_id, absl::string_view number_key) const {
  absl::StatusOr<std::optional<std::string>> bytes =
      db_->Get(NumberOwnerKey(firm_id, number_key));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::nullopt;
  return storage::DecodeUint64(**bytes);
}

absl::StatusOr<StoredPage<ClientRecord>> RocksDirectoryStore::ScanClients(
    const ClientScan& scan) const {
  const char table = scan.index == ClientIndex::kByName     ? kNameIndex
                     : scan.index == ClientIndex::kByNumber ? kNumberIndex
                                                            : kWordIndex;
  KeyBuilder range(table);
  range.Uint64(scan.firm_id).Byte(scan.active_only ? kScopeActive : kScopeAll);
  if (table != kWordIndex) range.String(scan.facet);
  if (scan.index == ClientIndex::kByNumber && !scan.prefix.empty()) {
    range.Byte(kHasNumber);
  }
  const std::string base = range.key();
  range.StringPrefix(scan.prefix);
  StoredPage<ClientRecord> page;
  // Names and numbers of all clients by name come from the entries alone.
  const bool covered = scan.names_and_numbers_only && table == kNameIndex &&
                       scan.facet == kAllClientsFacet && !scan.record_filter;
  // Without a record filter an entry matches on its key alone: the records
  // of the page are then read together at the end.
  std::vector<std::string> deferred;
  auto visit = [&](absl::string_view key,
                   absl::string_view value) -> absl::StatusOr<bool> {
    if (table == kWordIndex && scan.word_filter) {
      KeyReader reader(key);
      reader.Table();
      reader.Uint64();
      reader.Byte();
      std::optional<std::string> word = reader.String();
      std::optional<std::string> name = reader.String();
      if (!word || !name) return absl::DataLossError("bad word index key");
      if (!scan.word_filter(*word, *name)) return false;
    }
    std::optional<uint64_t> id = storage::TrailingUint64(key);
    if (!id) return absl::DataLossError("bad client index key");
    if (covered) {
      absl::StatusOr<ClientNameEntry> entry =
          storage::DecodeRecord<ClientNameEntry>(value);
      if (!entry.ok()) return entry.status();
      ClientRecord& client = page.items.emplace_back();
      client.set_firm_id(scan.firm_id);
      client.set_company_id(*id);
      client.set_display_name(std::move(*entry->mutable_display_name()));
      client.set_client_number(std::move(*entry->mutable_client_number()));
      return true;
    }
    if (!scan.record_filter) {
      deferred.push_back(ClientKey(scan.firm_id, *id));
      return true;
    }
    absl::StatusOr<std::optional<ClientRecord>> client = GetClient(scan.firm_id, *id);
    if (!client.ok()) return client.status();
    if (!client->has_value() || (scan.record_filter && !scan.record_filter(**client))) {
      return false;
    }
    page.items.push_back(std::move(**client));
    return true;
  };
  absl::StatusOr<std::string> next =
      table == kWordIndex && !scan.join_words.empty()
          ? JoinWordIndex(*db_, base, scan.prefix, scan.join_words, scan.cursor,
                          scan.limit, scan.max_examined,
                          [&](absl::string_view key) { return visit(key, ""); })
          : db_->ScanMatches(range.Release(), scan.cursor, scan.limit, scan.max_examined,
                             visit);
  if (!next.ok()) return next.status();
  if (deferred.size() > scan.limit) deferred.resize(scan.limit);
  absl::StatusOr<std::vector<ClientRecord>> clients =
      storage::ReadRecords<ClientRecord>(*db_, deferred);
  if (!clients.ok()) return clients.status();
  for (ClientRecord& client : *clients) page.items.push_back(std::move(client));
  if (page.items.size() > scan.limit) page.items.resize(scan.limit);
  page.cursor = std::move(*next);
  return page;
}

absl::StatusOr<std::vector<uint64_t>> RocksDirectoryStore::FindClientsByDuplicateKey(
    uint64_t firm_id, absl::string_view duplicate_key, size_t limit) const {
  absl::StatusOr<storage::Database::RawPage> raw =
      db_->ScanPage(DuplicateKeyPrefix(firm_id, duplicate_key), "", limit);
  if (!raw.ok()) return raw.status();
  std::vector<uint64_t> ids;
  for (const auto& [key, value] : raw->entries) {
    std::optional<uint64_t> id = storage::TrailingUint64(key);
    if (!id.has_value()) return absl::DataLossError("bad duplicate index key");
    ids.push_back(*id);
  }
  return ids;
}

// Walks the firm's duplicate-name entries, one name (key prefix) at a time;
// the cursor is the prefix of the last name done, so pages end between names.
absl::StatusOr<StoredPage<std::vector<uint64_t>>>
RocksDirectoryStore::ListDuplicateGroups(uint64_t firm_id, absl::string_view cursor,
                                         size_t limit, size_t max_examined) const {
  const std::string firm_prefix = KeyBuilder(kDuplicateIndex).Uint64(firm_id).Release();
  if (!cursor.empty() && !absl::StartsWith(cursor, firm_prefix)) {
    return absl::InvalidArgumentError("page_token: not a page of this firm");
  }
  const std::string end = storage::PrefixSuccessor(firm_prefix);
  std::unique_ptr<rocksdb::Iterator> it = db_->NewIterator(nullptr);
  it->Seek(cursor.empty() ? firm_prefix : storage::PrefixSuccessor(cursor));
  StoredPage<std::vector<uint64_t>> page;
  std::string name;  // the key prefix of the name being read
  std::vector<uint64_t> group;
  size_t examined = 0;
  for (; it->Valid() && it->key().compare(end) < 0; it->Next()) {
    const absl::string_view key(it->key().data(), it->key().size());
    std::optional<uint64_t> id = storage::TrailingUint64(key);
    if (!id.has_value()) return absl::DataLossError("bad duplicate index key");
    const absl::string_view prefix = key.substr(0, key.size() - 8);
    if (prefix != name) {
      if (group.size() >= 2) page.items.push_back(std::move(group));
      group.clear();
      if (!name.empty() && (page.items.size() >= limit || examined >= max_examined)) {
        page.cursor = std::move(name);
        return page;
      }
      name = std::string(prefix);
    }
    ++examined;
    if (group.size() < kMaxClientsPerDuplicateGroup) group.push_back(*id);
  }
  if (!it->status().ok()) return storage::ToAbslStatus(it->status());
  if (group.size() >= 2) page.items.push_back(std::move(group));
  return page;
}

absl::StatusOr<std::optional<ListViewRecord>> RocksDirectoryStore::GetListView(
    uint64_t firm_id, absl::string_view user_id) const {
  return storage::ReadRecord<ListViewRecord>(*db_, ListViewKey(firm_id, user_id));
}

absl::StatusOr<std::optional<InvitationRecord>> RocksDirectoryStore::GetInvitation(
    uint64_t id) const {
  return storage::ReadRecord<InvitationRecord>(*db_, InvitationKey(id));
}

absl::StatusOr<std::optional<InvitationRecord>> RocksDirectoryStore::GetInvitationByToken(
    absl::string_view token) const {
  absl::StatusOr<std::optional<std::string>> id = db_->Get(TokenKey(token));
  if (!id.ok()) return id.status();
  if (!id->has_value()) return std::nullopt;
  std::optional<uint64_t> decoded = storage::DecodeUint64(**id);
  if (!decoded.has_value()) return absl::DataLossError("bad token index");
  return GetInvitation(*decoded);
}

absl::StatusOr<StoredPage<InvitationRecord>> RocksDirectoryStore::ListInvitationIndex(
    std::string prefix, absl::string_view cursor, size_t limit) const {
  absl::StatusOr<storage::Database::RawPage> raw = db_->ScanPage(prefix, cursor, limit);
  if (!raw.ok()) return raw.status();
  StoredPage<InvitationRecord> page{.items = {}, .cursor = raw->cursor};
  for (const auto& [key, value] : raw->entries) {
    std::optional<uint64_t> id = storage::TrailingUint64(key);
    if (!id.has_value()) return absl::DataLossError("bad invitation index");
    absl::StatusOr<std::optional<InvitationRecord>> inv = GetInvitation(*id);
    if (!inv.ok()) return inv.status();
    if (inv->has_value()) page.items.push_back(std::move(**inv));
  }
  return page;
}

absl::StatusOr<StoredPage<InvitationRecord>> RocksDirectoryStore::ListInvitationsToEmail(
    absl::string_view email_key, absl::string_view cursor, size_t limit) const {
  return ListInvitationIndex(KeyBuilder(kInvitationToEmail).String(email_key).Release(),
                             cursor, limit);
}

absl::StatusOr<StoredPage<InvitationRecord>> RocksDirectoryStore::ListInvitationsFromUser(
    absl::string_view user_id, absl::string_view cursor, size_t limit) const {
  return ListInvitationIndex(KeyBuilder(kInvitationFromUser).String(user_id).Release(),
                             cursor, limit);
}

absl::StatusOr<StoredPage<InvitationRecord>> RocksDirectoryStore::ScanInvitations(
    absl::string_view cursor, size_t limit) const {
  absl::StatusOr<storage::Database::RawPage> raw =
      db_->ScanPage(std::string(1, kInvitation), cursor, limit);
  if (!raw.ok()) return raw.status();
  StoredPage<InvitationRecord> page{.items = {}, .cursor = raw->cursor};
  for (const auto& [key, value] : raw->entries) {
    absl::StatusOr<InvitationRecord> invitation =
        storage::DecodeRecord<InvitationRecord>(value);
    if (!invitation.ok()) return invitation.status();
    page.items.push_back(*std::move(invitation));
  }
  return page;
}

absl::StatusOr<std::optional<RequestRecord>> RocksDirectoryStore::FindRequest(
    uint64_t scope, absl::string_view caller, absl::string_view request_id) const {
  return storage::ReadRecord<RequestRecord>(*db_, RequestKey(scope, caller, request_id));
}

absl::StatusOr<size_t> RocksDirectoryStore::ReindexIfOutdated(
    const std::function<ClientIndexTerms(const ClientRecord&)>& terms_of) {
  absl::StatusOr<std::optional<std::string>> layout = db_->Get(IndexLayoutKey());
  if (!layout.ok()) return layout.status();
  if (layout->has_value() && **layout == kIndexLayout) return 0;
  // Drop every listing entry, then write each client's anew; the layout is
  // recorded last, so a crash midway starts over at the next start.
  rocksdb::WriteBatch batch;
  for (char table : {kNameIndex, kNumberIndex, kWordIndex, kDuplicateIndex}) {
    batch.DeleteRange(std::string(1, table),
                      std::string(1, static_cast<char>(table + 1)));
  }
  size_t clients = 0;
  absl::Status failed;
  const std::string first = KeyBuilder(kClient).Release();
  const std::string end(1, static_cast<char>(kClient + 1));
  absl::Status scanned =
      db_->Scan(first, end, [&](absl::string_view, absl::string_view value) {
        absl::StatusOr<ClientRecord> client = storage::DecodeRecord<ClientRecord>(value);
        if (!client.ok()) {
          failed = client.status();
          return false;
        }
        for (const auto& [key, value] :
             ClientIndexEntries({*client, terms_of(*client)})) {
          batch.Put(key, value);
        }
        if (++clients % kReindexBatchClients == 0) {
          failed = db_->Write(batch);
          batch.Clear();
        }
        return failed.ok();
      });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  batch.Put(IndexLayoutKey(), kIndexLayout);
  if (absl::Status s = db_->WriteDurably(batch); !s.ok()) return s;
  return clients;
}

}  // namespace clientbook::directory
