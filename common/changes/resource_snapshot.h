#ifndef CLIENTBOOK_COMMON_CHANGES_RESOURCE_SNAPSHOT_H_
#define CLIENTBOOK_COMMON_CHANGES_RESOURCE_SNAPSHOT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/changes/change_record.pb.h"
#include "common/keys/key_codec.h"
#include "common/storage/database.h"
#include "common/storage/records.h"

namespace clientbook::changes {

// The record type of a resource as a SNAPSHOT watch finds it.
inline constexpr char kExists[] = "EXISTS";

// One table of a service's resources, as its store lays it out.
struct ResourceTable {
  // The key prefix of firm `firm_id`'s resources (0: of every firm), or
  // nullopt when the table holds none of one firm's (it is walked for every
  // firm only).
  std::function<std::optional<std::string>(uint64_t firm_id)> prefix;
  // The EXISTS record of the resource stored at `key` (`after`, name, type
  // and firm set), or nullopt for an entry the API does not show.
  std::function<absl::StatusOr<std::optional<ChangeRecord>>(absl::string_view key,
                                                            absl::string_view value)>
      record;
};

// A table keyed by its byte, then the firm id, each value a stored `Record`
// that `make` names (name, resource type, firm; nullopt to leave it out).
// Firm 0 walks every firm's; `per_firm` false: only every firm's.
template <typename Record>
ResourceTable FirmTable(
    char table,
    std::function<std::optional<ChangeRecord>(absl::string_view key, const Record&)> make,
    bool per_firm = true) {
  return {.prefix = [table, per_firm](uint64_t firm_id) -> std::optional<std::string> {
            if (firm_id == 0) return std::string(1, table);
            if (!per_firm) return std::nullopt;
            return storage::KeyBuilder(table).Uint64(firm_id).Release();
          },
          .record = [make = std::move(make)](absl::string_view key, absl::string_view value)
              -> absl::StatusOr<std::optional<ChangeRecord>> {
            absl::StatusOr<Record> record = storage::DecodeRecord<Record>(value);
            if (!record.ok()) return record.status();
            std::optional<ChangeRecord> change = make(key, *record);
            if (change.has_value()) change->set_after(std::string(value));
            return change;
          }};
}

// A service's resources as of one moment between two commits: walked table
// by table in key order, a batch at a time, from one RocksDB snapshot (so
// memory stays one batch however many resources there are).
class ResourceSnapshot {
 public:
  ResourceSnapshot(const storage::Database& db, std::shared_ptr<const rocksdb::Snapshot> state,
                   uint64_t next_sequence, const std::vector<ResourceTable>& tables,
                   uint64_t firm_id);

  // The sequence of the first change the snapshot does not hold.
  uint64_t next_sequence() const { return next_sequence_; }

  // Up to `limit` EXISTS records (each numbered next_sequence() - 1, the
  // last change it holds), fewer once their stored bytes reach `max_bytes`;
  // none once every table is walked.
  absl::StatusOr<std::vector<ChangeRecord>> Next(size_t limit, size_t max_bytes);

 private:
  // Positions the iterator at the next table that is walked; false at the end.
  bool SeekTable();

  const storage::Database& db_;
  const std::shared_ptr<const rocksdb::Snapshot> state_;
  const uint64_t next_sequence_;
  const std::vector<ResourceTable>& tables_;
  const uint64_t firm_id_;
  size_t table_ = 0;
  std::string prefix_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_RESOURCE_SNAPSHOT_H_
