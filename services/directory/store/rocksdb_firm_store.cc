#include "services/directory/store/rocksdb_firm_store.h"

#include "common/keys/key_codec.h"
#include "common/storage/records.h"
#include "services/directory/store/directory_changes.h"
#include "services/directory/store/directory_tables.h"

namespace clientbook::directory {
namespace {

using storage::KeyBuilder;

std::string FirmKey(uint64_t firm) {
  return KeyBuilder(tables::kFirm).Uint64(firm).Release();
}
std::string MemberKey(uint64_t firm, absl::string_view user) {
  return KeyBuilder(tables::kMember).Uint64(firm).String(user).Release();
}
std::string RemovedMemberKey(uint64_t firm, absl::string_view user) {
  return KeyBuilder(tables::kRemovedMember).Uint64(firm).String(user).Release();
}
std::string UserFirmKey(absl::string_view user, uint64_t firm) {
  return KeyBuilder(tables::kUserFirm).String(user).Uint64(firm).Release();
}
std::string CreatorFirmKey(absl::string_view user, uint64_t firm) {
  return KeyBuilder(tables::kCreatorFirm).String(user).Uint64(firm).Release();
}

}  // namespace

absl::StatusOr<std::optional<FirmRecord>> RocksFirmStore::GetFirm(
    uint64_t firm_id) const {
  return storage::ReadRecord<FirmRecord>(db_, FirmKey(firm_id));
}

absl::StatusOr<std::optional<RemovedMemberRecord>> RocksFirmStore::GetRemovedMember(
    uint64_t firm_id, absl::string_view user_id) const {
  return storage::ReadRecord<RemovedMemberRecord>(db_,
                                                  RemovedMemberKey(firm_id, user_id));
}

absl::StatusOr<std::optional<MemberRecord>> RocksFirmStore::GetMember(
    uint64_t firm_id, absl::string_view user_id) const {
  if (auto known = members_.Find(firm_id, user_id)) return *std::move(known);
  const uint64_t epoch = members_.Epoch();
  absl::StatusOr<std::optional<MemberRecord>> member =
      storage::ReadRecord<MemberRecord>(db_, MemberKey(firm_id, user_id));
  if (member.ok()) members_.Insert(epoch, firm_id, user_id, *member);
  return member;
}

absl::StatusOr<StoredPage<MemberRecord>> RocksFirmStore::ListMembers(
    uint64_t firm_id, absl::string_view cursor, size_t limit) const {
  return storage::DecodePage<MemberRecord>(
      db_.ScanPage(KeyBuilder(tables::kMember).Uint64(firm_id).Release(), cursor, limit));
}

absl::StatusOr<StoredPage<uint64_t>> RocksFirmStore::ListFirmIdsOfUser(
    absl::string_view user_id, absl::string_view cursor, size_t limit) const {
  absl::StatusOr<storage::Database::RawPage> raw = db_.ScanPage(
      KeyBuilder(tables::kUserFirm).String(user_id).Release(), cursor, limit);
  if (!raw.ok()) return raw.status();
  StoredPage<uint64_t> page{.items = {}, .cursor = raw->cursor};
  for (const auto& [key, value] : raw->entries) {
    std::optional<uint64_t> id = storage::TrailingUint64(key);
    if (!id.has_value()) return absl::DataLossError("bad user-firm key");
    page.items.push_back(*id);
  }
  return page;
}

absl::StatusOr<StoredPage<FirmRecord>> RocksFirmStore::ListFirmsOfUser(
    absl::string_view user_id, absl::string_view cursor, size_t limit) const {
  absl::StatusOr<StoredPage<uint64_t>> ids = ListFirmIdsOfUser(user_id, cursor, limit);
  if (!ids.ok()) return ids.status();
  std::vector<std::string> keys;
  keys.reserve(ids->items.size());
  for (uint64_t id : ids->items) keys.push_back(FirmKey(id));
  absl::StatusOr<std::vector<FirmRecord>> firms =
      storage::ReadRecords<FirmRecord>(db_, keys);
  if (!firms.ok()) return firms.status();
  return StoredPage<FirmRecord>{.items = *std::move(firms), .cursor = ids->cursor};
}

absl::StatusOr<std::optional<FirmRecord>> RocksFirmStore::NthNewestFirmCreatedBy(
    absl::string_view user_id, size_t n) const {
  absl::StatusOr<std::optional<uint64_t>> id = storage::NthNewestIndexedId(
      db_, KeyBuilder(tables::kCreatorFirm).String(user_id).Release(), n);
  if (!id.ok()) return id.status();
  if (!id->has_value()) return std::nullopt;
  return GetFirm(**id);
}

void RocksFirmWrites::IndexCreator(absl::string_view user_id, uint64_t firm_id) {
  write_.Put(CreatorFirmKey(user_id, firm_id), "");
}

void RocksFirmWrites::PutFirm(const FirmRecord& firm) {
  std::string key = FirmKey(firm.id());
  write_.Put(key, firm.SerializeAsString());
  write_.RecordReadingBefore(change_records::Firm(firm), std::move(key));
}

void RocksFirmWrites::PutMember(const MemberRecord& member) {
  std::string key = MemberKey(member.firm_id(), member.user_id());
  write_.Put(key, member.SerializeAsString());
  write_.Put(UserFirmKey(member.user_id(), member.firm_id()), "");
  write_.InvalidateAroundCommit(members_);
  changes::ChangeRecord record = change_records::Member(member);
  record.set_after(member.SerializeAsString());
  write_.RecordReadingBefore(std::move(record), std::move(key));
}

void RocksFirmWrites::DeleteMember(const MemberRecord& member,
                                   uint64_t list_view_revision) {
  write_.Delete(MemberKey(member.firm_id(), member.user_id()));
  RemovedMemberRecord removed;
  removed.set_member_revision(member.revision());
  removed.set_list_view_revision(list_view_revision);
  write_.Put(RemovedMemberKey(member.firm_id(), member.user_id()),
             removed.SerializeAsString());
  write_.Delete(UserFirmKey(member.user_id(), member.firm_id()));
  write_.InvalidateAroundCommit(members_);
  changes::ChangeRecord record = change_records::Member(member);
  record.set_type(change_records::kDeleted);
  record.set_before(member.SerializeAsString());
  write_.Record(std::move(record));
}

}  // namespace clientbook::directory
