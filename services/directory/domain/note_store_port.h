#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_NOTE_STORE_PORT_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_NOTE_STORE_PORT_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clientbook/v1/workspace.pb.h"
#include "services/directory/domain/model.h"

namespace clientbook::directory {

using storage::StoredPage;

// A note with what the store indexes it under besides its own fields (its
// kind, author and whether it is deleted): the words of its text and
// contact, as the domain folds them, and when a deleted note is purged.
struct IndexedNote {
  const NoteRecord& record;
  std::vector<std::string> words;  // live notes only
  int64_t purge_time_us = 0;       // deleted notes only
};

// One page of a walk over notes: one client's (newest first), or, with
// `words`, the notes of the firm that have them.
struct NoteScan {
  uint64_t firm_id = 0;
  uint64_t company_id = 0;  // required without words
  bool with_deleted = false;  // the client's deleted notes too
  // Walk only this facet of the client's notes; "" for all.
  std::string facet;
  // Folded query words: the first is walked, the others joined.
  std::vector<std::string> words;
  std::string cursor;
  size_t limit = 50;
  // The page's records come to at most this many bytes (its first one
  // whatever its size): a List call's page must fit one message.
  size_t max_bytes = std::numeric_limits<size_t>::max();
  size_t max_examined = 20000;
  // Whether a note the walk reached is reported; `indexed_word` is the index
  // word it was found under ("" without words). With words, asked once per
  // note in a walk, at the first of its words the walk reaches.
  std::function<bool(const NoteRecord&, absl::string_view indexed_word)> record_filter;
};

// The facets NoteScan can walk.
std::string NoteKindFacet(v1::Note::Kind kind);
std::string NoteAuthorFacet(absl::string_view user_id);

// Clients' notes, live and deleted.
class NoteStore {
 public:
  virtual ~NoteStore() = default;

  virtual absl::StatusOr<std::optional<NoteRecord>> GetNote(uint64_t firm_id,
                                                            uint64_t note_id) const = 0;
  virtual absl::StatusOr<StoredPage<NoteRecord>> ScanNotes(
      const NoteScan& scan) const = 0;
  // Up to `limit` notes of one client, deleted ones too, read until they
  // come to more than `max_bytes`.
  virtual absl::StatusOr<std::vector<NoteRecord>> ClientNotes(uint64_t firm_id,
                                                              uint64_t company_id,
                                                              size_t limit,
                                                              size_t max_bytes) const = 0;
  // Deleted notes whose purge time is at or before `time_us`: up to `limit`
  // (firm id, note id) pairs, earliest first.
  virtual absl::StatusOr<std::vector<std::pair<uint64_t, uint64_t>>> NotesToPurge(
      int64_t time_us, size_t limit) const = 0;

  // Rewrites the notes' indexes (each client's listings, and the words of
  // the live ones from `words_of`) when they were written in an older
  // layout (a database from before an upgrade): how many notes were
  // reindexed, 0 when none needed it.
  virtual absl::StatusOr<size_t> ReindexIfOutdated(
      const std::function<std::vector<std::string>(const NoteRecord&)>& words_of) = 0;
};

// A write's changes to notes.
class NoteWrites {
 public:
  virtual ~NoteWrites() = default;

  // `before` is the stored note (null when new); the indexes follow.
  virtual void PutNote(const IndexedNote* before, const IndexedNote& after) = 0;
  virtual void PurgeNote(const IndexedNote& stored) = 0;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_NOTE_STORE_PORT_H_
