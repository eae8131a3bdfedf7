#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_NOTES_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_NOTES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/directory/domain/directory_core.h"

namespace clientbook::directory {

// Parameters of ListNotes; see ListNotesRequest in workspace.proto.
struct NoteQuery {
  uint64_t firm_id = 0;
  uint64_t company_id = 0;  // 0: every client (only with `query`)
  v1::Note::Kind kind = v1::Note::KIND_UNSPECIFIED;
  std::string author;  // user id; "" for any
  std::string query;
  bool show_deleted = false;
  PageRequest page;
};

// A firm's notes on its clients: calls and general notes, found by client
// (newest first) or by word; deleted softly, purged after 30 days.
class Notes {
 public:
  explicit Notes(DirectoryCore& core) : core_(core), note_store_(core.store().notes()) {}

  // `draft` carries company_id, kind, text and the call fields.
  absl::StatusOr<NoteRecord> CreateNote(const auth::Caller& caller,
                                        names::FirmName firm_name,
                                        const NoteRecord& draft,
                                        absl::string_view request_id);
  // Deleted notes: admins only, until their purge time.
  absl::StatusOr<NoteRecord> GetNote(const auth::Caller& caller,
                                     const names::NoteName& note_name);
  absl::StatusOr<Page<NoteRecord>> ListNotes(const auth::Caller& caller,
                                             const NoteQuery& query);
  // The author or an admin; `etag` must be current. Paths: text, call_time,
  // call_duration, contact. A retry under `request_id` (shared with
  // CreateNote's ids in the firm) is answered the note as it is now.
  absl::StatusOr<NoteRecord> UpdateNote(const auth::Caller& caller,
                                        const names::NoteName& note_name,
                                        const NoteRecord& patch,
                                        const std::vector<std::string>& paths,
                                        absl::string_view etag,
                                        absl::string_view request_id = "");
  // The author or an admin; `etag`, when given, must be current.
  absl::StatusOr<NoteRecord> DeleteNote(const auth::Caller& caller,
                                        const names::NoteName& note_name,
                                        absl::string_view etag);
  // The author or an admin brings a deleted note back before its purge;
  // `etag`, when given, must be the deleted note's. ALREADY_EXISTS when the
  // note is not deleted; NOT_FOUND once purged, or to a member who may not
  // see deleted notes.
  absl::StatusOr<NoteRecord> UndeleteNote(const auth::Caller& caller,
                                          const names::NoteName& note_name,
                                          absl::string_view etag);
  // Purges the notes deleted kDeletedNoteRetention ago or earlier; returns
  // how many. Called periodically by the server.
  absl::StatusOr<size_t> PurgeDeletedNotes();

  // When a deleted note is purged.
  static int64_t PurgeTimeOf(const NoteRecord& note);
  // Whether a note is deleted and at its purge time: gone to every call,
  // whether or not the purge has run.
  bool Purged(const NoteRecord& note) const;
  // A note with what it is indexed under.
  static IndexedNote Indexed(const NoteRecord& note);

 private:
  // Which notes a change is of: the live ones, or the deleted ones not yet
  // at their purge time (UndeleteNote).
  enum class Of { kLive, kDeleted };
  // The note, for a caller allowed to change it (its author or an admin).
  absl::StatusOr<NoteRecord> LoadForChange(const auth::Caller& caller, uint64_t firm_id,
                                           uint64_t note_id, absl::string_view etag,
                                           bool etag_required, Of of = Of::kLive);
  absl::StatusOr<NoteRecord> Commit(const auth::Caller& caller, const NoteRecord& before,
                                    NoteRecord after);
  // `after` in `write` in place of `before`, its revision and update time
  // moved (Commit's change, in a write of the caller's); `after` as it is,
  // and nothing put, when the change changes nothing.
  NoteRecord PutRevised(NoteWrites& write, const NoteRecord& before, NoteRecord after);
  // UpdateNote's checks and change, under the firm's lock, into `write`.
  absl::StatusOr<NoteRecord> WriteUpdate(DirectoryWrite& write,
                                         const auth::Caller& caller,
                                         const names::NoteName& note_name,
                                         const NoteRecord& patch,
                                         const std::vector<std::string>& paths,
                                         absl::string_view etag);

  DirectoryCore& core_;
  const NoteStore& note_store_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_NOTES_H_
