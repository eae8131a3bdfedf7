#include "services/directory/store/rocksdb_invitation_store.h"

#include "common/invitations/invitation_changes.h"
#include "common/keys/key_codec.h"
#include "common/storage/records.h"
#include "services/directory/store/directory_changes.h"
#include "services/directory/store/directory_tables.h"

namespace clientbook::directory {
namespace {

using storage::KeyBuilder;

std::string InvitationKey(uint64_t id) {
  return KeyBuilder(tables::kInvitation).Uint64(id).Release();
}
std::string InvitationToEmailKey(absl::string_view email_key, uint64_t id) {
  return KeyBuilder(tables::kInvitationToEmail).String(email_key).Uint64(id).Release();
}
std::string InvitationFromUserKey(absl::string_view user_id, uint64_t id) {
  return KeyBuilder(tables::kInvitationFromUser).String(user_id).Uint64(id).Release();
}
std::string TokenKey(absl::string_view token) {
  return KeyBuilder(tables::kInvitationToken).String(token).Release();
}

}  // namespace

absl::StatusOr<std::optional<InvitationRecord>> RocksInvitationStore::GetInvitation(
    uint64_t id) const {
  return storage::ReadRecord<InvitationRecord>(db_, InvitationKey(id));
}

absl::StatusOr<std::optional<InvitationRecord>>
RocksInvitationStore::GetInvitationByToken(absl::string_view token) const {
  absl::StatusOr<std::optional<std::string>> id = db_.Get(TokenKey(token));
  if (!id.ok()) return id.status();
  if (!id->has_value()) return std::nullopt;
  std::optional<uint64_t> decoded = storage::DecodeUint64(**id);
  if (!decoded.has_value()) return absl::DataLossError("bad token index");
  return GetInvitation(*decoded);
}

absl::StatusOr<StoredPage<InvitationRecord>> RocksInvitationStore::ListInvitationIndex(
    std::string prefix, absl::string_view cursor, size_t limit) const {
  absl::StatusOr<storage::Database::RawPage> raw = db_.ScanPage(prefix, cursor, limit);
  if (!raw.ok()) return raw.status();
  std::vector<std::string> keys;
  keys.reserve(raw->entries.size());
  for (const auto& [key, value] : raw->entries) {
    std::optional<uint64_t> id = storage::TrailingUint64(key);
    if (!id.has_value()) return absl::DataLossError("bad invitation index");
    keys.push_back(InvitationKey(*id));
  }
  absl::StatusOr<std::vector<InvitationRecord>> invitations =
      storage::ReadRecords<InvitationRecord>(db_, keys);
  if (!invitations.ok()) return invitations.status();
  return StoredPage<InvitationRecord>{.items = *std::move(invitations),
                                      .cursor = std::move(raw->cursor)};
}

absl::StatusOr<StoredPage<InvitationRecord>> RocksInvitationStore::ListInvitationsToEmail(
    absl::string_view email_key, absl::string_view cursor, size_t limit) const {
  return ListInvitationIndex(
      KeyBuilder(tables::kInvitationToEmail).String(email_key).Release(), cursor, limit);
}

absl::StatusOr<StoredPage<InvitationRecord>>
RocksInvitationStore::ListInvitationsFromUser(absl::string_view user_id,
                                              absl::string_view cursor,
                                              size_t limit) const {
  return ListInvitationIndex(
      KeyBuilder(tables::kInvitationFromUser).String(user_id).Release(), cursor, limit);
}

absl::StatusOr<std::optional<InvitationRecord>>
RocksInvitationStore::NthNewestInvitationFromUser(absl::string_view user_id,
                                                  size_t n) const {
  absl::StatusOr<std::optional<uint64_t>> id = storage::NthNewestIndexedId(
      db_, KeyBuilder(tables::kInvitationFromUser).String(user_id).Release(), n);
  if (!id.ok()) return id.status();
  if (!id->has_value()) return std::nullopt;
  return GetInvitation(**id);
}

absl::StatusOr<StoredPage<InvitationRecord>> RocksInvitationStore::ScanInvitations(
    absl::string_view cursor, size_t limit) const {
  return storage::DecodePage<InvitationRecord>(
      db_.ScanPage(std::string(1, tables::kInvitation), cursor, limit));
}

void RocksInvitationWrites::PutInvitation(const InvitationRecord& inv,
                                          absl::string_view invitee_email_key) {
  changes::ChangeRecord record = invitations::InvitationChange(inv);
  record.set_after(inv.SerializeAsString());
  write_.RecordReadingBefore(std::move(record), InvitationKey(inv.id()));
  // The indexed fields never change, so re-putting them is harmless.
  write_.Put(InvitationKey(inv.id()), inv.SerializeAsString());
  write_.Put(TokenKey(inv.token()), storage::EncodeUint64(inv.id()));
  write_.Put(InvitationToEmailKey(invitee_email_key, inv.id()), "");
  write_.Put(InvitationFromUserKey(inv.inviter_user_id(), inv.id()), "");
}

void RocksInvitationWrites::DeleteInvitation(const InvitationRecord& inv,
                                             absl::string_view invitee_email_key) {
  changes::ChangeRecord record = invitations::InvitationChange(inv);
  record.set_type(change_records::kDeleted);
  write_.RecordReadingBefore(std::move(record), InvitationKey(inv.id()));
  write_.Delete(InvitationKey(inv.id()));
  write_.Delete(TokenKey(inv.token()));
  write_.Delete(InvitationToEmailKey(invitee_email_key, inv.id()));
  write_.Delete(InvitationFromUserKey(inv.inviter_user_id(), inv.id()));
}

}  // namespace clientbook::directory
