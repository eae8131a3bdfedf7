#include "services/accounts/store/rocksdb_accounts_store.h"

#include "absl/strings/str_cat.h"
#include "common/invitations/invitation_changes.h"
#include "common/keys/key_codec.h"
#include "common/names/names.h"
#include "common/storage/records.h"
#include "rocksdb/write_batch.h"

namespace clientbook::accounts {
namespace {

using storage::KeyBuilder;

constexpr char kFirm = 'F';
constexpr char kMember = 'M';
constexpr char kByFirm = 'R';
constexpr char kPosition = 'P';
constexpr char kInvitation = 'I';
constexpr char kToken = 'T';
constexpr char kToEmail = 'E';
constexpr char kFromUser = 'U';
constexpr char kCreateRequest = 'Q';
constexpr char kIdBlock = 'N';
constexpr char kChangeLog = 'L';

std::string FirmKey(uint64_t firm) { return KeyBuilder(kFirm).Uint64(firm).Release(); }
std::string MemberKey(absl::string_view user, uint64_t firm) {
  return KeyBuilder(kMember).String(user).Uint64(firm).Release();
}
std::string ByFirmKey(uint64_t firm, absl::string_view user) {
  return KeyBuilder(kByFirm).Uint64(firm).String(user).Release();
}
std::string PositionKey(FeedOf feed) {
  return KeyBuilder(kPosition)
      .Uint64(feed.cell.id)
      .Byte(feed.feed == Feed::kFirms ? 'f' : 'm')
      .Release();
}

std::string InvitationKey(uint64_t id) {
  return KeyBuilder(kInvitation).Uint64(id).Release();
}
std::string TokenKey(absl::string_view token) {
  return KeyBuilder(kToken).String(token).Release();
}
std::string CreateRequestKey(absl::string_view inviter, absl::string_view request_id) {
  return KeyBuilder(kCreateRequest).String(inviter).String(request_id).Release();
}

absl::StatusOr<invitations::InvitationRecord> ParseInvitation(absl::string_view bytes) {
  invitations::InvitationRecord invitation;
  if (!invitation.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("an unreadable invitation record");
  }
  return invitation;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksAccountsStore>> RocksAccountsStore::Open(
    storage::Database* db, const Clock& clock) {
  absl::StatusOr<std::unique_ptr<changes::ChangeLog>> log =
      changes::ChangeLog::Open(*db, kChangeLog, clock);
  if (!log.ok()) return log.status();
  (*log)->SetResourceTables({invitations::InvitationTable(kInvitation)});
  // Past every cell's range (names::kFirstAccountsId), as if a cell after
  // the last; after a restore it skips the ids handed out since the backup.
  absl::StatusOr<std::unique_ptr<storage::IdAllocator>> ids =
      (*log)->OpenIdAllocator(std::string(1, kIdBlock), names::kFirstAccountsId,
                              names::Cell{names::Cell::kCells});
  if (!ids.ok()) return ids.status();
  return std::unique_ptr<RocksAccountsStore>(
      new RocksAccountsStore(db, *std::move(log), *std::move(ids)));
}

absl::Status RocksAccountsStore::Apply(FeedOf feed,
                                       const std::vector<IndexChange>& changes,
                                       absl::string_view token) {
  using Kind = IndexChange::Kind;
  rocksdb::WriteBatch batch;
  for (const IndexChange& change : changes) {
    switch (change.kind) {
      case Kind::kPutFirm:
        batch.Put(FirmKey(change.firm_id), change.firm.SerializeAsString());
        break;
      case Kind::kDeleteFirm:
        batch.Delete(FirmKey(change.firm_id));
        break;
      case Kind::kPutMember:
        batch.Put(MemberKey(change.user_id, change.firm_id), "");
        batch.Put(ByFirmKey(change.firm_id, change.user_id), "");
        break;
      case Kind::kDeleteMember:
        batch.Delete(MemberKey(change.user_id, change.firm_id));
        batch.Delete(ByFirmKey(change.firm_id, change.user_id));
        break;
    }
  }
  if (!token.empty())
    batch.Put(PositionKey(feed), rocksdb::Slice(token.data(), token.size()));
  return db_->Write(batch);
}

absl::StatusOr<std::string> RocksAccountsStore::Position(FeedOf feed) const {
  absl::StatusOr<std::optional<std::string>> token = db_->Get(PositionKey(feed));
  if (!token.ok()) return token.status();
  return token->value_or("");
}

absl::Status RocksAccountsStore::Forget(FeedOf feed) {
  rocksdb::WriteBatch batch;
  batch.Delete(PositionKey(feed));
  const std::string begin = KeyBuilder(feed.feed == Feed::kFirms ? kFirm : kByFirm)
                                .Uint64(feed.cell.first_id())
                                .Release();
  const std::string end = KeyBuilder(feed.feed == Feed::kFirms ? kFirm : kByFirm)
                              .Uint64(feed.cell.end_id())
                              .Release();
  absl::Status malformed;
  absl::Status scanned =
      db_->Scan(begin, end, [&](absl::string_view key, absl::string_view) {
        batch.Delete(rocksdb::Slice(key.data(), key.size()));
        if (feed.feed == Feed::kFirms) return true;
        storage::KeyReader reader(key);
        reader.Table();
        const std::optional<uint64_t> firm = reader.Uint64();
        const std::optional<std::string> user = reader.String();
        if (!firm || !user) {
          malformed =
              absl::DataLossError(absl::StrCat("a malformed index key in ", begin));
          return false;
        }
        batch.Delete(MemberKey(*user, *firm));
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!malformed.ok()) return malformed;
  return db_->Write(batch);
}

absl::StatusOr<storage::StoredPage<v1::Firm>> RocksAccountsStore::FirmsOf(
    absl::string_view user, absl::string_view cursor, size_t limit) const {
  absl::StatusOr<storage::Database::RawPage> page =
      db_->ScanPage(KeyBuilder(kMember).String(user).Release(), cursor, limit);
  if (!page.ok()) return page.status();
  std::vector<std::string> keys;
  std::vector<uint64_t> ids;
  for (const auto& [key, value] : page->entries) {
    const std::optional<uint64_t> id = storage::TrailingUint64(key);
    if (!id) return absl::DataLossError("a malformed membership key");
    ids.push_back(*id);
    keys.push_back(FirmKey(*id));
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> records = db_->MultiGet(keys);
  if (!records.ok()) return records.status();
  storage::StoredPage<v1::Firm> out{.cursor = page->cursor};
  for (size_t i = 0; i < ids.size(); ++i) {
    v1::Firm& firm = out.items.emplace_back();
    if ((*records)[i] && !firm.ParseFromString(*(*records)[i])) {
      return absl::DataLossError(absl::StrCat("an unreadable record of firms/", ids[i]));
    }
    firm.set_name(names::FirmName{ids[i]}.ToString());
  }
  return out;
}

absl::Status RocksAccountsStore::PutInvitation(
    const changes::ChangeOrigin& origin, const invitations::InvitationRecord& invitation,
    absl::string_view invitee_email_key) {
  const std::string key = InvitationKey(invitation.id());
  absl::StatusOr<std::optional<std::string>> before = db_->Get(key);
  if (!before.ok()) return before.status();
  changes::ChangeRecord record = invitations::InvitationChange(invitation);
  record.set_type(before->has_value() ? "UPDATED" : "CREATED");
  if (before->has_value()) record.set_before(**before);
  record.set_after(invitation.SerializeAsString());
  record.set_actor(origin.actor);
  record.set_request_id(origin.request_id);
  record.set_source(origin.source);
  rocksdb::WriteBatch batch;
  batch.Put(key, record.after());
  // The indexed fields never change, so re-putting them is harmless.
  batch.Put(TokenKey(invitation.token()),
            KeyBuilder::Extend("").Uint64(invitation.id()).Release());
  batch.Put(
      KeyBuilder(kToEmail).String(invitee_email_key).Uint64(invitation.id()).Release(),
      "");
  batch.Put(KeyBuilder(kFromUser)
                .String(invitation.inviter_user_id())
                .Uint64(invitation.id())
                .Release(),
            "");
  if (!invitation.create_request_id().empty()) {
    batch.Put(
        CreateRequestKey(invitation.inviter_user_id(), invitation.create_request_id()),
        KeyBuilder::Extend("").Uint64(invitation.id()).Release());
  }
  // An answer is what a caller was told: it must outlive a crash.
  return log_->Commit(batch, {std::move(record)}, /*durable=*/true);
}

absl::StatusOr<std::optional<invitations::InvitationRecord>>
RocksAccountsStore::GetInvitationByToken(absl::string_view token) const {
  return InvitationAt(TokenKey(token));
}

absl::StatusOr<std::optional<invitations::InvitationRecord>>
RocksAccountsStore::InvitationCreatedUnder(absl::string_view inviter,
                                           absl::string_view request_id) const {
  return InvitationAt(CreateRequestKey(inviter, request_id));
}

absl::StatusOr<std::optional<invitations::InvitationRecord>>
RocksAccountsStore::InvitationAt(const std::string& entry_key) const {
  absl::StatusOr<std::optional<std::string>> id = db_->Get(entry_key);
  if (!id.ok()) return id.status();
  if (!id->has_value()) return std::nullopt;
  const std::optional<uint64_t> number = storage::TrailingUint64(**id);
  if (!number) return absl::DataLossError("a malformed invitation entry");
  return InvitationNamed(*number);
}

absl::StatusOr<std::optional<invitations::InvitationRecord>>
RocksAccountsStore::InvitationNamed(uint64_t id) const {
  absl::StatusOr<std::optional<std::string>> record = db_->Get(InvitationKey(id));
  if (!record.ok()) return record.status();
  if (!record->has_value()) return absl::DataLossError("an entry of no invitation");
  absl::StatusOr<invitations::InvitationRecord> invitation = ParseInvitation(**record);
  if (!invitation.ok()) return invitation.status();
  return std::optional<invitations::InvitationRecord>(*std::move(invitation));
}

absl::StatusOr<std::optional<invitations::InvitationRecord>>
RocksAccountsStore::NthNewestInvitationFromUser(absl::string_view user, size_t n) const {
  absl::StatusOr<std::optional<uint64_t>> id =
      storage::NthNewestIndexedId(*db_, KeyBuilder(kFromUser).String(user).Release(), n);
  if (!id.ok()) return id.status();
  if (!id->has_value()) return std::nullopt;
  return InvitationNamed(**id);
}

absl::StatusOr<storage::StoredPage<invitations::InvitationRecord>>
RocksAccountsStore::InvitationsIndexed(std::string prefix, absl::string_view cursor,
                                       size_t limit) const {
  absl::StatusOr<storage::Database::RawPage> page = db_->ScanPage(prefix, cursor, limit);
  if (!page.ok()) return page.status();
  std::vector<std::string> keys;
  for (const auto& [key, value] : page->entries) {
    const std::optional<uint64_t> id = storage::TrailingUint64(key);
    if (!id) return absl::DataLossError("a malformed invitation index key");
    keys.push_back(InvitationKey(*id));
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> records = db_->MultiGet(keys);
  if (!records.ok()) return records.status();
  storage::StoredPage<invitations::InvitationRecord> out{.cursor = page->cursor};
  for (const std::optional<std::string>& record : *records) {
    if (!record) return absl::DataLossError("an index entry of no invitation");
    absl::StatusOr<invitations::InvitationRecord> invitation = ParseInvitation(*record);
    if (!invitation.ok()) return invitation.status();
    out.items.push_back(*std::move(invitation));
  }
  return out;
}

absl::StatusOr<storage::StoredPage<invitations::InvitationRecord>>
RocksAccountsStore::InvitationsToEmail(absl::string_view email_key,
                                       absl::string_view cursor, size_t limit) const {
  return InvitationsIndexed(KeyBuilder(kToEmail).String(email_key).Release(), cursor,
                            limit);
}

absl::StatusOr<storage::StoredPage<invitations::InvitationRecord>>
RocksAccountsStore::InvitationsFromUser(absl::string_view user, absl::string_view cursor,
                                        size_t limit) const {
  return InvitationsIndexed(KeyBuilder(kFromUser).String(user).Release(), cursor, limit);
}

}  // namespace clientbook::accounts
