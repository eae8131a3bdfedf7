// RocksDirectoryStore's reads of notes, to-dos and merged clients.
#include "common/keys/key_codec.h"
#include "common/storage/records.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "services/directory/store/word_join.h"
#include "services/directory/store/workspace_keys.h"

namespace clientbook::directory {
namespace {

using storage::KeyReader;

// The id an index entry points to; DATA_LOSS for a malformed key.
absl::StatusOr<uint64_t> TrailingIdOf(absl::string_view key) {
  std::optional<uint64_t> id = storage::TrailingUint64(key);
  if (!id.has_value()) return absl::DataLossError("bad workspace index key");
  return *id;
}

// The records behind the index entries a walk matched. With a `filter`
// (given the record and its index key) each record is read as its entry is
// reached; without one, an entry matches on its key alone and the page's
// records are read together in one MultiGet at the end.
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
      return true;
    }
    absl::StatusOr<std::optional<Record>> record =
        storage::ReadRecord<Record>(db_, key_of_(*id));
    if (!record.ok()) return record.status();
    if (!record->has_value() || !filter_(**record, key)) return false;
    items_.push_back(std::move(**record));
    return true;
  }

  absl::StatusOr<StoredPage<Record>> Page(std::string cursor, size_t limit) && {
    if (deferred_.size() > limit) deferred_.resize(limit);
    absl::StatusOr<std::vector<Record>> records =
        storage::ReadRecords<Record>(db_, deferred_);
    if (!records.ok()) return records.status();
    for (Record& record : *records) items_.push_back(std::move(record));
    if (items_.size() > limit) items_.resize(limit);
    return StoredPage<Record>{std::move(items_), std::move(cursor)};
  }

 private:
  const storage::Database& db_;
  KeyOf key_of_;
  Filter filter_;
  std::vector<std::string> deferred_;
  std::vector<Record> items_;
};

}  // namespace

absl::StatusOr<std::optional<MergedClientRecord>> RocksDirectoryStore::GetMergedClient(
    uint64_t firm_id, uint64_t company_id) const {
  return storage::ReadRecord<MergedClientRecord>(
      *db_, workspace_keys::MergedClientKey(firm_id, company_id));
}

absl::StatusOr<std::optional<NoteRecord>> RocksDirectoryStore::GetNote(
    uint64_t firm_id, uint64_t note_id) const {
  return storage::ReadRecord<NoteRecord>(*db_, workspace_keys::NoteKey(firm_id, note_id));
}

absl::StatusOr<std::optional<TodoRecord>> RocksDirectoryStore::GetTodo(
    uint64_t firm_id, uint64_t todo_id) const {
  return storage::ReadRecord<TodoRecord>(*db_, workspace_keys::TodoKey(firm_id, todo_id));
}

absl::StatusOr<StoredPage<NoteRecord>> RocksDirectoryStore::ScanNotes(
    const NoteScan& scan) const {
  MatchCollector<NoteRecord>::Filter filter;
  if (scan.record_filter) {
    filter = [&](const NoteRecord& note, absl::string_view key) {
      if (scan.words.empty()) return scan.record_filter(note, "");
      KeyReader reader(key);
      reader.Table();
      reader.Uint64();
      std::optional<std::string> word = reader.String();
      return word.has_value() && scan.record_filter(note, *word);
    };
  }
  MatchCollector<NoteRecord> matches(
      *db_, [&](uint64_t id) { return workspace_keys::NoteKey(scan.firm_id, id); },
      std::move(filter));
  auto visit = [&](absl::string_view key) { return matches.Visit(key); };
  absl::StatusOr<std::string> next;
  if (!scan.words.empty()) {
    next = JoinWordIndex(
        *db_, workspace_keys::NoteWordBase(scan.firm_id), scan.words.front(),
        std::vector<std::string>(scan.words.begin() + 1, scan.words.end()), scan.cursor,
        scan.limit, scan.max_examined, visit);
  } else {
    next = db_->ScanMatches(
        workspace_keys::ClientNotesPrefix(
            scan.firm_id, scan.company_id,
            scan.deleted ? workspace_keys::kDeletedNotesFacet : scan.facet),
        scan.cursor, scan.limit, scan.max_examined,
        [&](absl::string_view key, absl::string_view) { return visit(key); });
  }
  if (!next.ok()) return next.status();
  return std::move(matches).Page(std::move(*next), scan.limit);
}

absl::StatusOr<StoredPage<TodoRecord>> RocksDirectoryStore::ScanTodos(
    const TodoScan& scan) const {
  const std::string prefix = workspace_keys::TodoScanPrefix(scan);
  std::string from;
  std::string to;
  if (scan.due_from.has_value())
    from = workspace_keys::TodoDueBound(prefix, *scan.due_from);
  if (scan.due_to.has_value()) {
    to = workspace_keys::TodoDueBound(prefix, *scan.due_to + 1);
  } else if (scan.due_from.has_value()) {
    to = workspace_keys::TodoUndatedStart(prefix);
  }
  MatchCollector<TodoRecord>::Filter filter;
  if (scan.record_filter) {
    filter = [&](const TodoRecord& todo, absl::string_view) {
      return scan.record_filter(todo);
    };
  }
  MatchCollector<TodoRecord> matches(
      *db_, [&](uint64_t id) { return workspace_keys::TodoKey(scan.firm_id, id); },
      std::move(filter));
  absl::StatusOr<std::string> next = db_->ScanMatchesBetween(
      prefix, from, to, scan.cursor, scan.limit, scan.max_examined,
      [&](absl::string_view key, absl::string_view) { return matches.Visit(key); });
  if (!next.ok()) return next.status();
  return std::move(matches).Page(std::move(*next), scan.limit);
}

absl::StatusOr<std::vector<NoteRecord>> RocksDirectoryStore::ClientNotes(
    uint64_t firm_id, uint64_t company_id, size_t limit) const {
  std::vector<std::string> keys;
  for (const char* facet : {"", workspace_keys::kDeletedNotesFacet}) {
    absl::StatusOr<storage::Database::RawPage> raw = db_->ScanPage(
        workspace_keys::ClientNotesPrefix(firm_id, company_id, facet), "", limit);
    if (!raw.ok()) return raw.status();
    for (const auto& [key, value] : raw->entries) {
      absl::StatusOr<uint64_t> id = TrailingIdOf(key);
      if (!id.ok()) return id.status();
      keys.push_back(workspace_keys::NoteKey(firm_id, *id));
    }
  }
  if (keys.size() > limit) keys.resize(limit);
  return storage::ReadRecords<NoteRecord>(*db_, keys);
}

absl::StatusOr<std::vector<TodoRecord>> RocksDirectoryStore::ClientTodos(
    uint64_t firm_id, uint64_t company_id, size_t limit) const {
  TodoScan scan{.firm_id = firm_id,
                .by = TodoScan::By::kClient,
                .company_id = company_id,
                .limit = limit,
                .max_examined = limit + 1};
  absl::StatusOr<StoredPage<TodoRecord>> page = ScanTodos(scan);
  if (!page.ok()) return page.status();
  return std::move(page->items);
}

absl::StatusOr<std::vector<std::pair<uint64_t, uint64_t>>>
RocksDirectoryStore::NotesToPurge(int64_t time_us, size_t limit) const {
  std::vector<std::pair<uint64_t, uint64_t>> due;
  absl::Status failed;
  absl::Status scanned =
      db_->Scan(workspace_keys::PurgePrefix(), workspace_keys::PurgeEnd(time_us),
                [&](absl::string_view key, absl::string_view) {
                  KeyReader reader(key);
                  reader.Table();
                  reader.Uint64();
                  std::optional<uint64_t> firm = reader.Uint64();
                  std::optional<uint64_t> note = reader.Uint64();
                  if (!firm || !note) {
                    failed = absl::DataLossError("bad note purge key");
                    return false;
                  }
                  due.emplace_back(*firm, *note);
                  return due.size() < limit;
                });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  return due;
}

}  // namespace clientbook::directory
