#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_WORKSPACE_KEYS_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_WORKSPACE_KEYS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/directory/domain/note_store_port.h"
#include "services/directory/domain/todo_store_port.h"

// Where notes and to-dos live in the directory's RocksDB (directory_tables.h,
// common/keys/key_codec.h):
//   H firm note                             -> NoteRecord
//   h firm company facet ~create note       -> ""  (a client's notes, newest first)
//   w firm word String(~create) note        -> ""  (note search, live notes)
//   p purge_time firm note                  -> ""  (deleted notes to purge)
//   K firm todo                             -> TodoRecord
//   k firm facet states due todo            -> ""  (to-dos by due date)
// A note's facets: "*" (every note, live or deleted), and "" and its kind's
// and author's while live. A to-do's: "f" (the firm), "a"+assignee, "c"+company, each
// under
// "*" (every state), "o" (open) when open, and "s"+state.
namespace clientbook::directory::workspace_keys {

std::string NoteKey(uint64_t firm, uint64_t note);
std::string TodoKey(uint64_t firm, uint64_t todo);

// Every index key of a note or a to-do as stored.
std::vector<std::string> NoteIndexKeys(const IndexedNote& note);
std::vector<std::string> TodoIndexKeys(const TodoRecord& todo);
// A note's entries in its client's listings, and a live note's word index
// keys (both among its NoteIndexKeys).
std::vector<std::string> ClientNoteKeys(const NoteRecord& note);
std::vector<std::string> NoteWordKeys(const IndexedNote& note);

// The key prefix of one client's notes in one facet.
std::string ClientNotesPrefix(uint64_t firm, uint64_t company, absl::string_view facet);
inline constexpr char kEveryNoteFacet[] = "*";
// The word index of a firm's notes: base for JoinWordIndex.
std::string NoteWordBase(uint64_t firm);
// Every purge entry; and the first key after those due at `time_us`.
std::string PurgePrefix();
std::string PurgeEnd(int64_t time_us);
// The to-do index range a scan walks, and where its due dates start/end.
std::string TodoScanPrefix(const TodoScan& scan);
std::string TodoDueBound(const std::string& prefix, int32_t day);
std::string TodoUndatedStart(const std::string& prefix);

}  // namespace clientbook::directory::workspace_keys

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_WORKSPACE_KEYS_H_
