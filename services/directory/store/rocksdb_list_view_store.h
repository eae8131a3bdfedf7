#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_LIST_VIEW_STORE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_LIST_VIEW_STORE_H_

#include "common/storage/database.h"
#include "services/directory/domain/list_view_store_port.h"
#include "services/directory/store/staged_write.h"

namespace clientbook::directory {

// Members' saved list views, in their table (directory_tables.h).
class RocksListViewStore final : public ListViewStore {
 public:
  explicit RocksListViewStore(storage::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<ListViewRecord>> GetListView(
      uint64_t firm_id, absl::string_view user_id) const override;

 private:
  storage::Database& db_;
};

class RocksListViewWrites final : public ListViewWrites {
 public:
  explicit RocksListViewWrites(StagedWrite& write) : write_(write) {}

  void PutListView(uint64_t firm_id, absl::string_view user_id,
                   const ListViewRecord& view) override;
  void DeleteListView(uint64_t firm_id, absl::string_view user_id) override;

 private:
  StagedWrite& write_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_LIST_VIEW_STORE_H_
