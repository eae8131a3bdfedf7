#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_MATCH_COLLECTOR_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_MATCH_COLLECTOR_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/keys/key_codec.h"
#include "common/paging/paging.h"
#include "common/storage/database.h"
#include "common/storage/records.h"

namespace clientbook::directory {

// The id an index entry points to; DATA_LOSS for a malformed key.
inline absl::StatusOr<uint64_t> TrailingIdOf(absl::string_view key) {
  std::optional<uint64_t> id = storage::TrailingUint64(key);
  if (!id.has_value()) return absl::DataLossError("bad workspace index key");
  return *id;
}

// The records behind the index entries a walk matched. With a `filter`
// (given the record and its index key) each record is read as its entry is
// reached; without one, an entry matches on its key alone and the page's
// records are read together in one MultiGet at the end. A page holds what
// fits in its bytes, and then resumes after the last it holds.
template <typename Record>
class MatchCollector {
 public:
  using KeyOf = std::function<std::string(uint64_t id)>;
  using Filter = std::function<bool(const Record&, absl::string_view key)>;
  MatchCollector(const storage::Database& db, KeyOf key_of, Filter filter)
      : db_(db), key_of_(std::move(key_of)), filter_(std::move(filter)) {}

  absl::StatusOr<bool> Visit(absl::string_view key) {
    absl::StatusOr<uint64_t> id = TrailingIdOf(key);
    if (!id.ok()) return id.status();
    if (!filter_) {
      deferred_.push_back(key_of_(*id));
      index_keys_.emplace_back(key);
      return true;
    }
    absl::StatusOr<std::optional<Record>> record =
        storage::ReadRecord<Record>(db_, key_of_(*id));
    if (!record.ok()) return record.status();
    if (!record->has_value() || !filter_(**record, key)) return false;
    items_.push_back(std::move(**record));
    index_keys_.emplace_back(key);
    return true;
  }

  absl::StatusOr<storage::StoredPage<Record>> Page(std::string cursor, size_t limit,
                                                   size_t max_bytes) && {
    if (deferred_.size() > limit) deferred_.resize(limit);
    absl::StatusOr<std::vector<std::optional<Record>>> records =
        storage::ReadRecordsAt<Record>(db_, deferred_);
    if (!records.ok()) return records.status();
    // Removed since the index pointed at them: left out, their keys too.
    std::vector<std::string> index_keys;
    for (size_t i = 0; i < records->size(); ++i) {
      if (!(*records)[i].has_value()) continue;
      items_.push_back(*std::move((*records)[i]));
      index_keys.push_back(std::move(index_keys_[i]));
    }
    if (!deferred_.empty()) index_keys_ = std::move(index_keys);
    if (items_.size() > limit) items_.resize(limit);
    if (const size_t fit = storage::ItemsThatFit(items_, max_bytes);
        fit < items_.size()) {
      items_.resize(fit);
      cursor = index_keys_[fit - 1];
    }
    return storage::StoredPage<Record>{std::move(items_), std::move(cursor)};
  }

 private:
  const storage::Database& db_;
  KeyOf key_of_;
  Filter filter_;
  std::vector<std::string> deferred_;
  std::vector<Record> items_;
  // The index key of each deferred key, or of each item when filtered.
  std::vector<std::string> index_keys_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_MATCH_COLLECTOR_H_
