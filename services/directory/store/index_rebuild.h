#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_INDEX_REBUILD_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_INDEX_REBUILD_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/status/macros.h"
#include "common/storage/database.h"
#include "common/storage/records.h"

namespace clientbook::directory {

// An index derived from one table's records, and the layout it is written in.
struct DerivedIndex {
  std::string layout_key;
  absl::string_view layout;
  std::vector<char> index_tables;  // dropped whole by a rebuild
  char record_table;
};

inline constexpr size_t kRebuildBatchRecords = 10000;

// Rebuilds `index` when the database records another (or no) layout for
// it: drops its tables, calls `add` for every record to put the record's
// entries in the batch (true when it did), writes the batch every
// kRebuildBatchRecords records added (then calls `written`), and records the
// layout last, so a crash midway starts over at the next start. How many
// records were added; 0 when the layout was current.
template <typename Record>
absl::StatusOr<size_t> RebuildIfOutdated(
    storage::Database& db, const DerivedIndex& index,
    const std::function<absl::StatusOr<bool>(const Record&, rocksdb::WriteBatch&)>& add,
    const std::function<void()>& written = [] {}) {
  absl::StatusOr<std::optional<std::string>> layout = db.Get(index.layout_key);
  if (!layout.ok()) return layout.status();
  if (layout->has_value() && **layout == index.layout) return 0;
  rocksdb::WriteBatch batch;
  for (char table : index.index_tables) {
    batch.DeleteRange(std::string(1, table),
                      std::string(1, static_cast<char>(table + 1)));
  }
  CB_RETURN_IF_ERROR(db.Write(batch));
  batch.Clear();
  size_t added = 0;
  absl::Status scanned = storage::ScanRecords<Record>(
      db, std::string(1, index.record_table),
      std::string(1, static_cast<char>(index.record_table + 1)),
      [&](const Record& record, absl::string_view) -> absl::StatusOr<bool> {
        CB_ASSIGN_OR_RETURN(const bool put, add(record, batch));
        if (put && ++added % kRebuildBatchRecords == 0) {
          CB_RETURN_IF_ERROR(db.Write(batch));
          batch.Clear();
          written();
        }
        return true;
      });
  if (!scanned.ok()) return scanned;
  batch.Put(index.layout_key, std::string(index.layout));
  CB_RETURN_IF_ERROR(db.WriteDurably(batch));
  return added;
}

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_INDEX_REBUILD_H_
