#include "services/directory/store/rocksdb_note_store.h"

#include "absl/container/flat_hash_set.h"
#include "common/keys/key_codec.h"
#include "common/storage/records.h"
#include "services/directory/store/directory_changes.h"
#include "services/directory/store/directory_tables.h"
#include "services/directory/store/index_rebuild.h"
#include "services/directory/store/match_collector.h"
#include "services/directory/store/word_join.h"
#include "services/directory/store/workspace_keys.h"

namespace clientbook::directory {
namespace {

using storage::KeyReader;

// The layout of the note indexes. 3: every note is in its client's
// listing of every note (deleted ones only there), and the words fold
// compatibility forms and drop invisible characters (text::FoldForSearch);
// none recorded: older (version 2 recorded its words' layout alone, as
// "note_words_layout").
constexpr char kNoteIndexLayout[] = "3";

std::string NoteIndexLayoutKey() {
  return storage::KeyBuilder(tables::kMeta).String("note_index_layout").Release();
}

}  // namespace

absl::StatusOr<std::optional<NoteRecord>> RocksNoteStore::GetNote(
    uint64_t firm_id, uint64_t note_id) const {
  return storage::ReadRecord<NoteRecord>(db_, workspace_keys::NoteKey(firm_id, note_id));
}

absl::StatusOr<StoredPage<NoteRecord>> RocksNoteStore::ScanNotes(
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
      db_, [&](uint64_t id) { return workspace_keys::NoteKey(scan.firm_id, id); },
      std::move(filter), scan.max_bytes);
  // A note is reached under each of its words the walk passes, and
  // record_filter reports it at most at the first: its later entries are
  // passed over unread. (Ten notes listing 3,333 invoice numbers each, read
  // and folded at every one, held a search for "inv" past 10 s.)
  absl::flat_hash_set<uint64_t> reached;
  auto visit = [&](absl::string_view key) -> absl::StatusOr<bool> {
    if (!scan.words.empty()) {
      absl::StatusOr<uint64_t> id = TrailingIdOf(key);
      if (!id.ok()) return id.status();
      if (!reached.insert(*id).second) return false;
    }
    return matches.Visit(key);
  };
  absl::StatusOr<std::string> next;
  if (!scan.words.empty()) {
    const std::string base = workspace_keys::NoteWordBase(scan.firm_id);
    std::vector<JoinWord> joins;
    for (auto word = scan.words.begin() + 1; word != scan.words.end(); ++word) {
      joins.push_back({base, *word});
    }
    next = JoinWordIndex(db_, base, scan.words.front(), joins, scan.cursor, scan.limit,
                         scan.max_examined, visit);
  } else {
    next = db_.ScanMatches(
        workspace_keys::ClientNotesPrefix(
            scan.firm_id, scan.company_id,
            scan.with_deleted ? workspace_keys::kEveryNoteFacet : scan.facet),
        scan.cursor, scan.limit, scan.max_examined,
        [&](absl::string_view key, absl::string_view) { return visit(key); });
  }
  if (!next.ok()) return next.status();
  return std::move(matches).Page(std::move(*next), scan.limit);
}

absl::StatusOr<std::vector<NoteRecord>> RocksNoteStore::ClientNotes(
    uint64_t firm_id, uint64_t company_id, size_t limit, size_t max_bytes) const {
  std::vector<std::string> keys;
  absl::Status listed = AppendRecordKeys(
      db_,
      workspace_keys::ClientNotesPrefix(firm_id, company_id,
                                        workspace_keys::kEveryNoteFacet),
      limit, [&](uint64_t id) { return workspace_keys::NoteKey(firm_id, id); }, keys);
  if (!listed.ok()) return listed;
  return storage::ReadRecordsUpTo<NoteRecord>(db_, keys, max_bytes);
}

absl::StatusOr<std::vector<std::pair<uint64_t, uint64_t>>> RocksNoteStore::NotesToPurge(
    int64_t time_us, size_t limit) const {
  std::vector<std::pair<uint64_t, uint64_t>> due;
  absl::Status failed;
  absl::Status scanned =
      db_.Scan(workspace_keys::PurgePrefix(), workspace_keys::PurgeEnd(time_us),
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

void RocksNoteWrites::PutNote(const IndexedNote* before, const IndexedNote& after) {
  write_.PutDiff(before == nullptr ? std::vector<IndexEntry>()
                                   : KeysOnly(workspace_keys::NoteIndexKeys(*before)),
                 KeysOnly(workspace_keys::NoteIndexKeys(after)));
  write_.Put(workspace_keys::NoteKey(after.record.firm_id(), after.record.id()),
             after.record.SerializeAsString());
  write_.Record(
      change_records::Note(before == nullptr ? nullptr : &before->record, &after.record));
}

void RocksNoteWrites::PurgeNote(const IndexedNote& stored) {
  for (std::string& key : workspace_keys::NoteIndexKeys(stored))
    write_.Delete(std::move(key));
  write_.Delete(workspace_keys::NoteKey(stored.record.firm_id(), stored.record.id()));
  write_.Record(change_records::Note(&stored.record, nullptr));
}

absl::StatusOr<size_t> RocksNoteStore::ReindexIfOutdated(
    const std::function<std::vector<std::string>(const NoteRecord&)>& words_of) {
  return RebuildIfOutdated<NoteRecord>(
      db_,
      {.layout_key = NoteIndexLayoutKey(),
       .layout = kNoteIndexLayout,
       .index_tables = {tables::kClientNotes, tables::kNoteWords},
       .record_table = tables::kNote},
      [&](const NoteRecord& note, rocksdb::WriteBatch& batch) -> absl::StatusOr<bool> {
        const bool live = note.delete_time_us() == 0;
        for (const std::string& key : workspace_keys::ClientNoteKeys(note)) {
          batch.Put(key, "");
        }
        if (live) {
          for (const std::string& key :
               workspace_keys::NoteWordKeys({note, words_of(note)})) {
            batch.Put(key, "");
          }
        }
        return true;
      });
}

}  // namespace clientbook::directory
