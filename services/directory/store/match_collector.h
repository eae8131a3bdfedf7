#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_MATCH_COLLECTOR_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_MATCH_COLLECTOR_H_

#include <algorithm>
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

// The records behind the index entries a walk matched: a page of at most
// `max_bytes` of them (its first whatever its size), which resumes after the
// last it holds. With a `filter` (given the record and its index key) each
// record is read as its entry is reached, and the walk ends at the first
// that no longer fits (storage::PageFull()); without one, an entry matches
// on its key alone and the page's records are read at the end, a few at a
// time, until they fill it.
template <typename Record>
class MatchCollector {
 public:
  using KeyOf = std::function<std::string(uint64_t id)>;
  using Filter = std::function<bool(const Record&, absl::string_view key)>;
  MatchCollector(const storage::Database& db, KeyOf key_of, Filter filter,
                 size_t max_bytes)
      : db_(db),
        key_of_(std::move(key_of)),
        filter_(std::move(filter)),
        max_bytes_(max_bytes) {}

  absl::StatusOr<bool> Visit(absl::string_view key) {
    absl::StatusOr<uint64_t> id = TrailingIdOf(key);
    if (!id.ok()) return id.status();
    if (!filter_) {
      deferred_.push_back({key_of_(*id), std::string(key)});
      return true;
    }
    absl::StatusOr<std::optional<Record>> record =
        storage::ReadRecord<Record>(db_, key_of_(*id));
    if (!record.ok()) return record.status();
    if (!record->has_value() || !filter_(**record, key)) return false;
    if (!Fits(**record)) return storage::PageFull();
    items_.push_back(std::move(**record));
    return true;
  }

  absl::StatusOr<storage::StoredPage<Record>> Page(std::string cursor, size_t limit) && {
    if (deferred_.size() > limit) deferred_.resize(limit);
    constexpr size_t kReadTogether = 64;
    for (size_t at = 0; at < deferred_.size(); at += kReadTogether) {
      std::vector<std::string> keys;
      for (size_t i = at; i < std::min(deferred_.size(), at + kReadTogether); ++i) {
        keys.push_back(deferred_[i].record_key);
      }
      absl::StatusOr<std::vector<std::optional<Record>>> records =
          storage::ReadRecordsAt<Record>(db_, keys);
      if (!records.ok()) return records.status();
      for (size_t i = 0; i < records->size(); ++i) {
        // Removed since the index pointed at it: left out.
        if (!(*records)[i].has_value()) continue;
        if (!Fits(*(*records)[i])) {
          cursor = deferred_[at + i - 1].index_key;
          return storage::StoredPage<Record>{std::move(items_), std::move(cursor)};
        }
        items_.push_back(*std::move((*records)[i]));
      }
    }
    if (items_.size() > limit) items_.resize(limit);
    return storage::StoredPage<Record>{std::move(items_), std::move(cursor)};
  }

 private:
  struct Deferred {
    std::string record_key;
    std::string index_key;
  };

  // Whether `record` fits the page (counted if it does).
  bool Fits(const Record& record) {
    const size_t size = record.ByteSizeLong();
    if (!items_.empty() && bytes_ + size > max_bytes_) return false;
    bytes_ += size;
    return true;
  }

  const storage::Database& db_;
  KeyOf key_of_;
  Filter filter_;
  const size_t max_bytes_;
  std::vector<Deferred> deferred_;
  std::vector<Record> items_;
  size_t bytes_ = 0;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_MATCH_COLLECTOR_H_
