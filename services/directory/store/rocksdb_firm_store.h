#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_FIRM_STORE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_FIRM_STORE_H_

#include "common/storage/database.h"
#include "services/directory/domain/firm_store_port.h"
#include "services/directory/store/member_cache.h"
#include "services/directory/store/staged_write.h"

namespace clientbook::directory {

// Firms and members in their tables (directory_tables.h). Members are
// served from a cache that every write of a member invalidates.
class RocksFirmStore final : public FirmStore {
 public:
  explicit RocksFirmStore(storage::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<FirmRecord>> GetFirm(uint64_t firm_id) const override;
  absl::StatusOr<std::optional<MemberRecord>> GetMember(
      uint64_t firm_id, absl::string_view user_id) const override;
  absl::StatusOr<std::optional<RemovedMemberRecord>> GetRemovedMember(
      uint64_t firm_id, absl::string_view user_id) const override;
  absl::StatusOr<StoredPage<MemberRecord>> ListMembers(uint64_t firm_id,
                                                       absl::string_view cursor,
                                                       size_t limit) const override;
  absl::StatusOr<StoredPage<uint64_t>> ListFirmIdsOfUser(absl::string_view user_id,
                                                         absl::string_view cursor,
                                                         size_t limit) const override;
  absl::StatusOr<StoredPage<FirmRecord>> ListFirmsOfUser(absl::string_view user_id,
                                                         absl::string_view cursor,
                                                         size_t limit) const override;
  absl::StatusOr<std::optional<FirmRecord>> NthNewestFirmCreatedBy(
      absl::string_view user_id, size_t n) const override;

  MemberCache& member_cache() const { return members_; }

 private:
  storage::Database& db_;
  mutable MemberCache members_;
};

class RocksFirmWrites final : public FirmWrites {
 public:
  RocksFirmWrites(StagedWrite& write, MemberCache& members)
      : write_(write), members_(members) {}

  void PutFirm(const FirmRecord& firm) override;
  void IndexCreator(absl::string_view user_id, uint64_t firm_id) override;
  void PutMember(const MemberRecord& member) override;
  void DeleteMember(const MemberRecord& member, uint64_t list_view_revision) override;

 private:
  StagedWrite& write_;
  MemberCache& members_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_FIRM_STORE_H_
