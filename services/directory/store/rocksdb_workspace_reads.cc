// RocksDirectoryStore's reads of notes, to-dos and merged clients.
#include "common/storage/key_codec.h"
#include "common/storage/records.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "services/directory/store/word_join.h"
#include "services/directory/store/workspace_keys.h"

namespace clientbook::directory {
namespace {

using storage::KeyReader;

// Index keys end in the 8-byte id of what they point to.
absl::StatusOr<uint64_t> TrailingIdOf(absl::string_view key) {
  std::optional<uint64_t> id =
      key.size() < 8 ? std::nullopt : storage::DecodeUint64(key.substr(key.size() - 8));
  if (!id.has_value()) return absl::DataLossError("bad workspace index key");
  return *id;
}

// The records behind the index entries a walk matched: each entry is
// checked by `filter` (given the record and its index key; unset: every
// one) and kept while it exists.
template <typename Record>
class MatchCollector {
 public:
  using Loader = std::function<absl::StatusOr<std::optional<Record>>(uint64_t id)>;
  using Filter = std::function<bool(const Record&, absl::string_view key)>;
  MatchCollector(Loader load, Filter filter)
      : load_(std::move(load)), filter_(std::move(filter)) {}

  absl::StatusOr<bool> Visit(absl::string_view key) {
    absl::StatusOr<uint64_t> id = TrailingIdOf(key);
    if (!id.ok()) return id.status();
    absl::StatusOr<std::optional<Record>> record = load_(*id);
    if (!record.ok()) return record.status();
    if (!record->has_value() || (filter_ && !filter_(**record, key))) return false;
    items_.push_back(std::move(**record));
    return true;
  }

  StoredPage<Record> Page(std::string cursor, size_t limit) && {
    if (items_.size() > limit) items_.resize(limit);
    return {std::move(items_), std::move(cursor)};
  }

 private:
  Loader load_;
  Filter filter_;
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
  MatchCollector<NoteRecord> matches(
      [&](uint64_t id) { return GetNote(scan.firm_id, id); },
      [&](const NoteRecord& note, absl::string_view key) {
        if (!scan.record_filter) return true;
        if (scan.words.empty()) return scan.record_filter(note, "");
        KeyReader reader(key);
        reader.Table();
        reader.Uint64();
        std::optional<std::string> word = reader.String();
        return word.has_value() && scan.record_filter(note, *word);
      });
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
  MatchCollector<TodoRecord> matches(
      [&](uint64_t id) { return GetTodo(scan.firm_id, id); },
      [&](const TodoRecord& todo, absl::string_view) {
        return !scan.record_filter || scan.record_filter(todo);
      });
  absl::StatusOr<std::string> next = db_->ScanMatchesBetween(
      prefix, from, to, scan.cursor, scan.limit, scan.max_examined,
      [&](absl::string_view key, absl::string_view) { return matches.Visit(key); });
  if (!next.ok()) return next.status();
  return std::move(matches).Page(std::move(*next), scan.limit);
}

absl::StatusOr<std::vector<NoteRecord>> RocksDirectoryStore::ClientNotes(
    uint64_t firm_id, uint64_t company_id, size_t limit) const {
  std::vector<NoteRecord> notes;
  for (const char* facet : {"", workspace_keys::kDeletedNotesFacet}) {
    absl::StatusOr<storage::Database::RawPage> raw = db_->ScanPage(
        workspace_keys::ClientNotesPrefix(firm_id, company_id, facet), "", limit);
    if (!raw.ok()) return raw.status();
    for (const auto& [key, value] : raw->entries) {
      absl::StatusOr<uint64_t> id = TrailingIdOf(key);
      if (!id.ok()) return id.status();
      absl::StatusOr<std::optional<NoteRecord>> note = GetNote(firm_id, *id);
      if (!note.ok()) return note.status();
      if (note->has_value()) notes.push_back(std::move(**note));
    }
  }
  if (notes.size() > limit) notes.resize(limit);
  return notes;
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
