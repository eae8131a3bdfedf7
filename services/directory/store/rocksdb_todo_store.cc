#include "services/directory/store/rocksdb_todo_store.h"

#include <algorithm>

#include "common/keys/key_codec.h"
#include "common/storage/records.h"
#include "services/directory/store/directory_changes.h"
#include "services/directory/store/match_collector.h"
#include "services/directory/store/workspace_keys.h"

namespace clientbook::directory {

absl::StatusOr<std::optional<TodoRecord>> RocksTodoStore::GetTodo(
    uint64_t firm_id, uint64_t todo_id) const {
  return storage::ReadRecord<TodoRecord>(db_, workspace_keys::TodoKey(firm_id, todo_id));
}

namespace {

// The index keys a scan walks: under `prefix`, in [from, to) ("" for the
// prefix's own ends).
struct TodoKeyRange {
  std::string prefix;
  std::string from;
  std::string to;
};

TodoKeyRange RangeOf(const TodoScan& scan) {
  TodoKeyRange range{.prefix = workspace_keys::TodoScanPrefix(scan)};
  if (scan.due_from.has_value())
    range.from = workspace_keys::TodoDueBound(range.prefix, *scan.due_from);
  if (scan.due_to.has_value()) {
    range.to = workspace_keys::TodoDueBound(range.prefix, *scan.due_to + 1);
  } else if (scan.due_from.has_value()) {
    range.to = workspace_keys::TodoUndatedStart(range.prefix);
  }
  return range;
}

}  // namespace

absl::StatusOr<StoredPage<TodoRecord>> RocksTodoStore::ScanTodos(
    const TodoScan& scan) const {
  const auto [prefix, from, to] = RangeOf(scan);
  MatchCollector<TodoRecord>::Filter filter;
  if (scan.record_filter) {
    filter = [&](const TodoRecord& todo, absl::string_view) {
      return scan.record_filter(todo);
    };
  }
  MatchCollector<TodoRecord> matches(
      db_, [&](uint64_t id) { return workspace_keys::TodoKey(scan.firm_id, id); },
      std::move(filter), scan.max_bytes);
  absl::StatusOr<std::string> next = db_.ScanMatchesBetween(
      prefix, from, to, scan.cursor, scan.limit, scan.max_examined,
      [&](absl::string_view key, absl::string_view) { return matches.Visit(key); });
  if (!next.ok()) return next.status();
  return std::move(matches).Page(std::move(*next), scan.limit);
}

absl::StatusOr<size_t> RocksTodoStore::CountTodos(const TodoScan& scan,
                                                  size_t max) const {
  const auto [prefix, from, to] = RangeOf(scan);
  size_t count = 0;
  absl::StatusOr<std::string> next = db_.ScanMatchesBetween(
      prefix, from, to, "", max, max,
      [&](absl::string_view, absl::string_view) -> absl::StatusOr<bool> {
        ++count;
        return true;
      });
  if (!next.ok()) return next.status();
  return std::min(count, max);
}

absl::StatusOr<std::vector<TodoRecord>> RocksTodoStore::ClientTodos(
    uint64_t firm_id, uint64_t company_id, size_t limit, size_t max_bytes) const {
  const TodoScan scan{
      .firm_id = firm_id, .by = TodoScan::By::kClient, .company_id = company_id};
  std::vector<std::string> keys;
  absl::Status listed = AppendRecordKeys(
      db_, workspace_keys::TodoScanPrefix(scan), limit,
      [&](uint64_t id) { return workspace_keys::TodoKey(firm_id, id); }, keys);
  if (!listed.ok()) return listed;
  return storage::ReadRecordsUpTo<TodoRecord>(db_, keys, max_bytes);
}

void RocksTodoWrites::PutTodo(const TodoRecord* before, const TodoRecord& after) {
  write_.PutDiff(before == nullptr ? std::vector<IndexEntry>()
                                   : KeysOnly(workspace_keys::TodoIndexKeys(*before)),
                 KeysOnly(workspace_keys::TodoIndexKeys(after)));
  write_.Put(workspace_keys::TodoKey(after.firm_id(), after.id()),
             after.SerializeAsString());
  write_.Record(change_records::Todo(before, &after));
}

void RocksTodoWrites::DeleteTodo(const TodoRecord& stored) {
  for (std::string& key : workspace_keys::TodoIndexKeys(stored))
    write_.Delete(std::move(key));
  write_.Delete(workspace_keys::TodoKey(stored.firm_id(), stored.id()));
  write_.Record(change_records::Todo(&stored, nullptr));
}

}  // namespace clientbook::directory
