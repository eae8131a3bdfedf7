#include "services/directory/store/rocksdb_list_view_store.h"

#include "common/keys/key_codec.h"
#include "common/storage/records.h"
#include "services/directory/store/directory_changes.h"
#include "services/directory/store/directory_tables.h"

namespace clientbook::directory {
namespace {

std::string ListViewKey(uint64_t firm, absl::string_view user) {
  return storage::KeyBuilder(tables::kListView).Uint64(firm).String(user).Release();
}

}  // namespace

absl::StatusOr<std::optional<ListViewRecord>> RocksListViewStore::GetListView(
    uint64_t firm_id, absl::string_view user_id) const {
  return storage::ReadRecord<ListViewRecord>(db_, ListViewKey(firm_id, user_id));
}

void RocksListViewWrites::PutListView(uint64_t firm_id, absl::string_view user_id,
                                      const ListViewRecord& view) {
  std::string key = ListViewKey(firm_id, user_id);
  write_.Put(key, view.SerializeAsString());
  changes::ChangeRecord record = change_records::ListView(firm_id, user_id);
  record.set_after(view.SerializeAsString());
  write_.RecordReadingBefore(std::move(record), std::move(key));
}

void RocksListViewWrites::DeleteListView(uint64_t firm_id, absl::string_view user_id) {
  std::string key = ListViewKey(firm_id, user_id);
  write_.Delete(key);
  changes::ChangeRecord record = change_records::ListView(firm_id, user_id);
  record.set_type(change_records::kDeleted);
  write_.RecordReadingBefore(std::move(record), std::move(key));
}

}  // namespace clientbook::directory
