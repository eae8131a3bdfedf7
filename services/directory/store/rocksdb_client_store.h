#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_CLIENT_STORE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_CLIENT_STORE_H_

#include "common/storage/database.h"
#include "services/directory/domain/client_store_port.h"
#include "services/directory/store/staged_write.h"

namespace clientbook::directory {

// Clients, their listing indexes, number owners, duplicate-name entries and
// the clients merged away, in their tables (directory_tables.h).
class RocksClientStore final : public ClientStore {
 public:
  explicit RocksClientStore(storage::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<ClientRecord>> GetClient(
      uint64_t firm_id, uint64_t company_id) const override;
  absl::StatusOr<std::vector<std::optional<ClientRecord>>> FindClients(
      uint64_t firm_id, const std::vector<uint64_t>& company_ids) const override;
  absl::StatusOr<std::vector<ClientRecord>> GetClients(
      uint64_t firm_id, const std::vector<uint64_t>& company_ids) const override;
  absl::StatusOr<std::optional<uint64_t>> FindClientByNumberKey(
      uint64_t firm_id, absl::string_view number_key) const override;
  absl::StatusOr<std::vector<std::optional<uint64_t>>> FindClientsByNumberKeys(
      uint64_t firm_id, const std::vector<std::string>& number_keys) const override;
  absl::StatusOr<StoredPage<ClientRecord>> ScanClients(
      const ClientScan& scan) const override;
  absl::StatusOr<std::vector<uint64_t>> FindClientsByDuplicateKey(
      uint64_t firm_id, absl::string_view duplicate_key, size_t limit) const override;
  absl::StatusOr<StoredPage<DuplicateGroup>> ListDuplicateGroups(
      uint64_t firm_id, absl::string_view cursor, size_t limit,
      size_t max_examined) const override;
  absl::StatusOr<std::optional<MergedClientRecord>> GetMergedClient(
      uint64_t firm_id, uint64_t company_id) const override;

  absl::StatusOr<Reindexed> ReindexIfOutdated(
      const std::function<ClientIndexTerms(const ClientRecord&)>& terms_of) override;

 private:
  storage::Database& db_;
};

// Only the index entries that change are written: a number-only update
// touches its number entries and the two that cover the number, not the
// other name entries nor the word entries.
class RocksClientWrites final : public ClientWrites {
 public:
  explicit RocksClientWrites(StagedWrite& write) : write_(write) {}

  void PutClient(const IndexedClient* before, const IndexedClient& after) override;
  void DeleteClient(const IndexedClient& stored) override;
  // The merged client's DELETED record becomes MERGED, naming its target.
  void PutMergedClient(uint64_t firm_id, uint64_t company_id,
                       const MergedClientRecord& merged) override;

 private:
  StagedWrite& write_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_CLIENT_STORE_H_
