// Notes on clients: create, read, list (per client or by word), update,
// soft delete and purge.
#include "services/directory/domain/notes.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/names/names.h"
#include "common/paging/paging.h"
#include "common/requests/request_id.h"
#include "common/rules/ids.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "common/text/text.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {
namespace {

constexpr size_t kPurgeBatch = 1000;

// The checks every stored note passes; `kind` decides the call fields. A
// contact is one line where it is written (`before` is what an update
// changes): one stored before that rule stays as it is around other edits.
std::vector<std::optional<errors::FieldViolation>> CheckNote(
    const NoteRecord& n, const NoteRecord* before = nullptr) {
  std::vector<std::optional<errors::FieldViolation>> checks;
  if (n.kind() != v1::Note::CALL && n.kind() != v1::Note::GENERAL) {
    checks.push_back(errors::FieldViolation{"note.kind", "must be CALL or GENERAL"});
  }
  if (text::IsValidUtf8(n.text()) && text::Trim(n.text()).empty()) {
    checks.push_back(errors::FieldViolation{"note.text", "is required"});
  } else {
    checks.push_back(CheckText("note.text", n.text(), kMaxNoteCharacters));
  }
  checks.push_back(before == nullptr || before->contact() != n.contact()
                       ? CheckLine("note.contact", n.contact(), kMaxContactCharacters)
                       : CheckText("note.contact", n.contact(), kMaxContactCharacters));
  if (n.kind() == v1::Note::CALL) {
    if (n.call_time_us() == 0) {
      checks.push_back(errors::FieldViolation{"note.call_time", "is required on a call"});
    }
    if (n.call_duration_us() < 0 ||
        n.call_duration_us() > absl::ToInt64Microseconds(kMaxCallDuration)) {
      checks.push_back(
          errors::FieldViolation{"note.call_duration", "must be between 0 and 24 hours"});
    }
  } else if (n.call_time_us() != 0 || n.call_duration_us() != 0 || !n.contact().empty()) {
    checks.push_back(errors::FieldViolation{
        "note.kind", "call_time, call_duration and contact belong to CALL notes"});
  }
  return checks;
}

absl::Status NoteNotFound(uint64_t firm_id, uint64_t note_id) {
  return errors::NotFound(names::NoteName{firm_id, note_id}.ToString());
}

bool IsAdmin(const MemberRecord& member) { return member.role() <= v1::Role::ADMIN; }

// Whether a note found under `indexed_word` while walking the query's first
// word answers the query: every query word starts a word of the note, and
// of the note's words starting with the walked one this is the smallest
// (a note is reported once).
bool AnswersQuery(const NoteRecord& note, absl::string_view indexed_word,
                  const std::vector<std::string>& query_words) {
  const std::vector<std::string> words = NoteWords(note);
  for (const std::string& w : words) {
    if (w >= indexed_word) break;
    if (absl::StartsWith(w, query_words.front())) return false;
  }
  return std::all_of(query_words.begin(), query_words.end(), [&](const std::string& q) {
    return std::any_of(words.begin(), words.end(),
                       [&](const std::string& w) { return absl::StartsWith(w, q); });
  });
}

}  // namespace

int64_t Notes::PurgeTimeOf(const NoteRecord& note) {
  return note.delete_time_us() + absl::ToInt64Microseconds(kDeletedNoteRetention);
}

bool Notes::Purged(const NoteRecord& note) const {
  return note.delete_time_us() != 0 && core_.NowMicros() >= PurgeTimeOf(note);
}

IndexedNote Notes::Indexed(const NoteRecord& note) {
  if (note.delete_time_us() != 0) return {note, {}, PurgeTimeOf(note)};
  return {note, NoteWords(note), 0};
}

absl::StatusOr<NoteRecord> Notes::CreateNote(const auth::Caller& caller,
                                             names::FirmName firm_name,
                                             const NoteRecord& draft,
                                             absl::string_view request_id) {
  const uint64_t firm_id = firm_name.firm_id;
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, firm_id); !m.ok()) {
    return m.status();
  }
  NoteRecord note;
  note.set_firm_id(firm_id);
  note.set_company_id(draft.company_id());
  note.set_kind(draft.kind());
  note.set_text(draft.text());
  note.set_call_time_us(draft.call_time_us());
  note.set_call_duration_us(draft.call_duration_us());
  note.set_contact(text::Trim(draft.contact()));
  note.set_author_user_id(caller.user_id);
  std::vector<std::optional<errors::FieldViolation>> checks = CheckNote(note);
  checks.push_back(requests::Check(request_id));
  if (absl::Status s = AllValid(std::move(checks)); !s.ok()) return s;
  const std::string fingerprint = requests::Fingerprint(
      "CreateNote", names::FirmName{firm_id}.ToString(), note.SerializeAsString());

  absl::StatusOr<storage::StripedLocks::Guard> guard =
      core_.LockFirmFor(caller, firm_id, v1::Role::STAFF);
  if (!guard.ok()) return guard.status();
  return core_.Write<NoteRecord>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [&](const RequestRecord& first) -> absl::StatusOr<NoteRecord> {
        absl::StatusOr<std::optional<NoteRecord>> stored =
            note_store_.GetNote(firm_id, first.id());
        if (!stored.ok()) return stored.status();
        if (!stored->has_value()) return NoteNotFound(firm_id, first.id());
        return std::move(**stored);
      },
      [&](DirectoryWrite& write, RequestRecord& done) -> absl::StatusOr<NoteRecord> {
        if (absl::StatusOr<ClientRecord> c = core_.LoadClient(firm_id, note.company_id());
            !c.ok()) {
          return c.status();
        }
        absl::StatusOr<uint64_t> id = core_.AllocateId();
        if (!id.ok()) return id.status();
        note.set_id(*id);
        note.set_revision(1);
        note.set_create_time_us(core_.NowMicros());
        note.set_update_time_us(note.create_time_us());
        write.notes().PutNote(nullptr, Indexed(note));
        done.set_id(*id);
        return note;
      });
}

absl::StatusOr<NoteRecord> Notes::GetNote(const auth::Caller& caller,
                                          const names::NoteName& note_name) {
  const uint64_t firm_id = note_name.firm_id;
  const uint64_t note_id = note_name.note_id;
  absl::StatusOr<MemberRecord> member = core_.RequireMember(caller, firm_id);
  if (!member.ok()) return member.status();
  absl::StatusOr<std::optional<NoteRecord>> note = note_store_.GetNote(firm_id, note_id);
  if (!note.ok()) return note.status();
  if (!note->has_value() || ((*note)->delete_time_us() != 0 && !IsAdmin(*member)) ||
      Purged(**note)) {
    return NoteNotFound(firm_id, note_id);
  }
  return std::move(**note);
}

absl::StatusOr<Page<NoteRecord>> Notes::ListNotes(const auth::Caller& caller,
                                                  const NoteQuery& q) {
  absl::StatusOr<MemberRecord> member = core_.RequireMember(caller, q.firm_id);
  if (!member.ok()) return member.status();
  std::vector<std::optional<errors::FieldViolation>> checks;
  if (!text::IsValidUtf8(q.query) ||
      text::CharacterCount(q.query) > kMaxSearchCharacters) {
    checks.push_back(errors::FieldViolation{
        "query",
        absl::StrCat("must be UTF-8 of at most ", kMaxSearchCharacters, " characters")});
  }
  const std::vector<std::string> words = text::Words(text::FoldForSearch(q.query));
  if (!q.query.empty() && words.empty()) {
    checks.push_back(errors::FieldViolation{"query", "has no letters or digits"});
  }
  if (q.company_id == 0 && q.query.empty()) {
    checks.push_back(errors::FieldViolation{"client", "is required without a query"});
  }
  if (!v1::Note::Kind_IsValid(q.kind)) {
    checks.push_back(errors::FieldViolation{"kind", "unknown kind"});
  }
  checks.push_back(rules::CheckId("author", q.author, false));
  if (q.show_deleted && !q.query.empty()) {
    checks.push_back(
        errors::FieldViolation{"show_deleted", "deleted notes are not searched"});
  }
  if (absl::Status s = AllValid(std::move(checks)); !s.ok()) return s;
  if (q.show_deleted && !IsAdmin(*member)) {
    return FirmRoleRequired(q.firm_id, v1::Role::ADMIN, "only admins see deleted notes");
  }
  // A client gone or merged away has no notes here, not none: say so, and
  // where a merge took them (CLIENT_MERGED).
  if (q.company_id != 0) {
    CB_RETURN_IF_ERROR(core_.LoadClient(q.firm_id, q.company_id).status());
  }
  absl::StatusOr<storage::ListPage> page = storage::OpenPage(
      absl::StrJoin({absl::StrCat("notes:", q.firm_id, ":", q.company_id, ":",
                                  static_cast<int>(q.kind), ":", q.show_deleted),
                     q.author, absl::StrJoin(words, " ")},
                    "\n"),
      q.page);
  if (!page.ok()) return page.status();

  NoteScan scan{.firm_id = q.firm_id,
                .company_id = q.company_id,
                .with_deleted = q.show_deleted,
                .cursor = page->cursor,
                .limit = page->size,
                .max_bytes = storage::kMaxPageBytes,
                .max_examined = kMaxEntriesExaminedPerPage};
  if (!words.empty()) {
    // The longest word is walked: it starts the fewest index words.
    scan.words = words;
    std::stable_sort(
        scan.words.begin(), scan.words.end(),
        [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  } else if (!q.author.empty()) {
    scan.facet = NoteAuthorFacet(q.author);
  } else if (q.kind != v1::Note::KIND_UNSPECIFIED) {
    scan.facet = NoteKindFacet(q.kind);
  }
  // Without words the walked facet is the client's (and its author's or
  // kind's): what it leaves unchecked is checked on the records.
  const bool author_and_kind = !q.author.empty() && q.kind != v1::Note::KIND_UNSPECIFIED;
  // With the deleted notes the walked facet is every note's: those at their
  // purge time are gone whether or not the purge has run.
  const bool unchecked = !words.empty() || author_and_kind || q.show_deleted;
  if (unchecked) {
    scan.record_filter = [this, &q, &scan](const NoteRecord& n, absl::string_view word) {
      if (Purged(n)) return false;
      if (q.company_id != 0 && n.company_id() != q.company_id) return false;
      if (q.kind != v1::Note::KIND_UNSPECIFIED && n.kind() != q.kind) return false;
      if (!q.author.empty() && n.author_user_id() != q.author) return false;
      return scan.words.empty() || AnswersQuery(n, word, scan.words);
    };
  }
  absl::StatusOr<StoredPage<NoteRecord>> stored = note_store_.ScanNotes(scan);
  if (!stored.ok()) return stored.status();
  Page<NoteRecord> out{.items = std::move(stored->items)};
  if (!stored->cursor.empty()) out.next_page_token = page->TokenFor(stored->cursor);
  return out;
}

absl::StatusOr<NoteRecord> Notes::LoadForChange(const auth::Caller& caller,
                                                uint64_t firm_id, uint64_t note_id,
                                                absl::string_view etag,
                                                bool etag_required, Of of) {
  absl::StatusOr<MemberRecord> member = core_.RequireMember(caller, firm_id);
  if (!member.ok()) return member.status();
  absl::StatusOr<std::optional<NoteRecord>> note = note_store_.GetNote(firm_id, note_id);
  if (!note.ok()) return note.status();
  if (!note->has_value()) return NoteNotFound(firm_id, note_id);
  const bool may_change = (*note)->author_user_id() == caller.user_id || IsAdmin(*member);
  const bool deleted = (*note)->delete_time_us() != 0;
  if (of == Of::kDeleted) {
    // Who may not change a note does not see it deleted; at its purge time
    // it is gone, whether or not the purge has run.
    if (!may_change || Purged(**note)) {
      return NoteNotFound(firm_id, note_id);
    }
    if (!deleted) {
      return absl::AlreadyExistsError(
          absl::StrCat(names::NoteName{firm_id, note_id}.ToString(), " is not deleted"));
    }
  } else {
    if (deleted) return NoteNotFound(firm_id, note_id);
    if (!may_change) {
      return errors::WithReason(
          absl::StatusCode::kPermissionDenied, "NOT_NOTE_AUTHOR",
          "only the note's author or an admin of the firm can change it",
          {{"note", names::NoteName{firm_id, note_id}.ToString()}});
    }
  }
  if (etag.empty() && etag_required) {
    return errors::InvalidField("note.etag",
                                "is required: send the etag of the note you read");
  }
  if (absl::Status s = CheckEtagIfSent(names::NoteName{firm_id, note_id}.ToString(), etag,
                                       EtagOf(**note));
      !s.ok()) {
    return s;
  }
  return std::move(**note);
}

absl::StatusOr<NoteRecord> Notes::Commit(const auth::Caller& caller,
                                         const NoteRecord& before, NoteRecord after) {
  // A change that changes nothing puts nothing, and its commit writes nothing.
  std::unique_ptr<DirectoryWrite> write = core_.NewWrite({.actor = caller.user_id});
  NoteRecord revised = PutRevised(write->notes(), before, std::move(after));
  if (absl::Status s = write->Commit(); !s.ok()) return s;
  return revised;
}

NoteRecord Notes::PutRevised(NoteWrites& write, const NoteRecord& before,
                             NoteRecord after) {
  if (ChangesNothing(before, after)) return after;
  after.set_revision(before.revision() + 1);
  after.set_update_time_us(core_.NowMicros());
  const IndexedNote old_entry = Indexed(before);
  write.PutNote(&old_entry, Indexed(after));
  return after;
}

absl::StatusOr<NoteRecord> Notes::UpdateNote(const auth::Caller& caller,
                                             const names::NoteName& note_name,
                                             const NoteRecord& patch,
                                             const std::vector<std::string>& paths,
                                             absl::string_view etag,
                                             absl::string_view request_id) {
  if (absl::Status s = CheckUpdateMask(paths, kUpdatableNoteFields, kImmutableNoteFields);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = requests::CheckStatus(request_id); !s.ok()) return s;
  const std::string fingerprint = requests::UpdateFingerprint(
      "UpdateNote", note_name.ToString(), patch.SerializeAsString(), paths, etag);
  auto guard = core_.LockFirm(note_name.firm_id);
  // A retry is answered the note as it is now, its etag stale by then.
  return core_.Write<NoteRecord>(
      {note_name.firm_id, caller.user_id, request_id, fingerprint},
      [&](const RequestRecord&) { return GetNote(caller, note_name); },
      [&](DirectoryWrite& write, RequestRecord&) -> absl::StatusOr<NoteRecord> {
        return WriteUpdate(write, caller, note_name, patch, paths, etag);
      });
}

absl::StatusOr<NoteRecord> Notes::WriteUpdate(DirectoryWrite& write,
                                              const auth::Caller& caller,
                                              const names::NoteName& note_name,
                                              const NoteRecord& patch,
                                              const std::vector<std::string>& paths,
                                              absl::string_view etag) {
  const uint64_t firm_id = note_name.firm_id;
  const uint64_t note_id = note_name.note_id;
  absl::StatusOr<NoteRecord> before =
      LoadForChange(caller, firm_id, note_id, etag, /*etag_required=*/true);
  if (!before.ok()) return before.status();
  NoteRecord after = *before;
  for (const std::string& path : paths) {
    if (path == "text") after.set_text(patch.text());
    if (path == "call_time") after.set_call_time_us(patch.call_time_us());
    if (path == "call_duration") after.set_call_duration_us(patch.call_duration_us());
    if (path == "contact") after.set_contact(text::Trim(patch.contact()));
  }
  std::vector<std::optional<errors::FieldViolation>> checks = CheckNote(after, &*before);
  checks.push_back(CheckImmutable(paths, "client", "note.client",
                                  patch.company_id() != before->company_id()));
  checks.push_back(
      CheckImmutable(paths, "kind", "note.kind", patch.kind() != before->kind()));
  if (absl::Status s = AllValid(std::move(checks)); !s.ok()) return s;
  return PutRevised(write.notes(), *before, std::move(after));
}

absl::StatusOr<NoteRecord> Notes::DeleteNote(const auth::Caller& caller,
                                             const names::NoteName& note_name,
                                             absl::string_view etag) {
  const uint64_t firm_id = note_name.firm_id;
  const uint64_t note_id = note_name.note_id;
  auto guard = core_.LockFirm(firm_id);
  absl::StatusOr<NoteRecord> before =
      LoadForChange(caller, firm_id, note_id, etag, /*etag_required=*/false);
  if (!before.ok()) return before.status();
  NoteRecord after = *before;
  after.set_delete_time_us(core_.NowMicros());
  return Commit(caller, *before, std::move(after));
}

absl::StatusOr<NoteRecord> Notes::UndeleteNote(const auth::Caller& caller,
                                               const names::NoteName& note_name,
                                               absl::string_view etag) {
  const uint64_t firm_id = note_name.firm_id;
  const uint64_t note_id = note_name.note_id;
  auto guard = core_.LockFirm(firm_id);
  absl::StatusOr<NoteRecord> before = LoadForChange(
      caller, firm_id, note_id, etag, /*etag_required=*/false, Of::kDeleted);
  if (!before.ok()) return before.status();
  NoteRecord after = *before;
  after.clear_delete_time_us();
  return Commit(caller, *before, std::move(after));
}

absl::StatusOr<size_t> Notes::PurgeDeletedNotes() {
  size_t purged = 0;
  while (true) {
    absl::StatusOr<std::vector<std::pair<uint64_t, uint64_t>>> due =
        note_store_.NotesToPurge(core_.NowMicros(), kPurgeBatch);
    if (!due.ok()) return due.status();
    if (due->empty()) return purged;
    for (const auto& [firm_id, note_id] : *due) {
      auto guard = core_.LockFirm(firm_id);
      absl::StatusOr<std::optional<NoteRecord>> note =
          note_store_.GetNote(firm_id, note_id);
      if (!note.ok()) return note.status();
      // A purge entry and its note are written and removed together.
      if (!note->has_value()) return absl::DataLossError("purge entry without its note");
      std::unique_ptr<DirectoryWrite> write = core_.NewWrite({.source = "sweep"});
      write->notes().PurgeNote(Indexed(**note));
      if (absl::Status s = write->Commit(); !s.ok()) return s;
      ++purged;
    }
  }
}

}  // namespace clientbook::directory
