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
  if (!id.has_value()) return absl::DataLossError("bad index key");
  return *id;
}

// Appends to `keys` the record key (`key_of` its id) of each of the first
// `limit` index entries under `prefix`.
inline absl::Status AppendRecordKeys(const storage::Database& db,
                                     const std::string& prefix, size_t limit,
                                     const std::function<std::string(uint64_t)>& key_of,
                                     std::vector<std::string>& keys) {
  absl::StatusOr<storage::Database::RawPage> raw = db.ScanPage(prefix, "", limit);
  if (!raw.ok()) return raw.status();
  for (const auto& [key, value] : raw->entries) {
    absl::StatusOr<uint64_t> id = TrailingIdOf(key);
    if (!id.ok()) return id.status();
    keys.push_back(key_of(*id));
  }
  return absl::OkStatus();
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
        bytes_(max_bytes) {}

  absl::StatusOr<bool> Visit(absl::string_view key) {
    absl::StatusOr<uint64_t> id = TrailingIdOf(key);
    if (!id.ok()) return id.status();
    if (!filter_) {
      record_keys_.push_back(key_of_(*id));
      index_keys_.emplace_back(key);
      return true;
    }
    absl::StatusOr<std::optional<Record>> record =
        storage::ReadRecord<Record>(db_, key_of_(*id));
    if (!record.ok()) return record.status();
    if (!record->has_value() || !filter_(**record, key)) return false;
    if (!bytes_.Take(record->value().ByteSizeLong())) return storage::PageFull();
    items_.push_back(std::move(**record));
    return true;
  }

  absl::StatusOr<storage::StoredPage<Record>> Page(std::string cursor, size_t limit) && {
    if (record_keys_.size() > limit) record_keys_.resize(limit);
    absl::Status read = storage::VisitRecordsAt<Record>(
        db_, record_keys_, [&](size_t i, std::optional<Record>& record) {
          // Removed since the index pointed at it: left out.
          if (!record.has_value()) return true;
          if (!bytes_.Take(record->ByteSizeLong())) {
            cursor = index_keys_[i - 1];
            return false;
          }
          items_.push_back(*std::move(record));
          return true;
        });
    if (!read.ok()) return read;
    if (items_.size() > limit) items_.resize(limit);
    return storage::StoredPage<Record>{std::move(items_), std::move(cursor)};
  }

 private:
  const storage::Database& db_;
  KeyOf key_of_;
  Filter filter_;
  storage::PageBytes bytes_;
  // Without a filter: the records to read at the end, and their index keys.
  std::vector<std::string> record_keys_;
  std::vector<std::string> index_keys_;
  std::vector<Record> items_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_MATCH_COLLECTOR_H_
