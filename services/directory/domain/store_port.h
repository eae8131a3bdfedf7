#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_STORE_PORT_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_STORE_PORT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clientbook/v1/workspace.pb.h"
#include "common/changes/change_origin.h"
#include "common/paging/paging.h"
#include "services/directory/domain/model.h"

namespace clientbook::directory {

// What a client is found by, as the domain's rules fold it (rules.h); the
// store keeps these as index keys without knowing how they were made.
struct ClientIndexTerms {
  std::string folded_name;         // for listing by name
  std::vector<std::string> words;  // of the folded name, for search
  std::string duplicate_key;       // DuplicateNameKey(), for duplicates
  std::string number_key;          // "" without a number
  bool active = true;              // also in the active-only indexes
  // The name and number indexes are kept once per facet: kAllClientsFacet,
  // and one per filter value the client has (its lead accountant, its type).
  std::vector<std::string> facets;
};

// The facet every client is in.
inline constexpr char kAllClientsFacet[] = "";

// A client record with its index terms.
struct IndexedClient {
  const ClientRecord& record;
  ClientIndexTerms terms;
};

// A note with what the store indexes it under besides its own fields (its
// kind, author and whether it is deleted): the words of its text and
// contact, as the domain folds them, and when a deleted note is purged.
struct IndexedNote {
  const NoteRecord& record;
  std::vector<std::string> words;  // live notes only
  int64_t purge_time_us = 0;       // deleted notes only
};

using WriteOrigin = changes::ChangeOrigin;

// A set of changes that commits itself atomically, with a change record of
// every resource it creates, updates or deletes (the store makes them: no
// write can leave the change feed behind).
class DirectoryWrite {
 public:
  virtual ~DirectoryWrite() = default;

  virtual void PutFirm(const FirmRecord& firm) = 0;
  // Also records the firm under the member's user, for ListMyFirms.
  virtual void PutMember(const MemberRecord& member) = 0;
  // And the member's entry under its user.
  virtual void DeleteMember(const MemberRecord& member) = 0;
  // `before` is the stored client (null when new); the indexes follow.
  virtual void PutClient(const IndexedClient* before, const IndexedClient& after) = 0;
  virtual void DeleteClient(const IndexedClient& stored) = 0;
  virtual void PutListView(uint64_t firm_id, absl::string_view user_id,
                           const ListViewRecord& view) = 0;
  virtual void DeleteListView(uint64_t firm_id, absl::string_view user_id) = 0;
  // Indexed under the invitee's email key (EmailKey()) and its inviter.
  virtual void PutInvitation(const InvitationRecord& invitation,
                             absl::string_view invitee_email_key) = 0;
  // With its indexes: an invitation handed over to accounts.
  virtual void DeleteInvitation(const InvitationRecord& invitation,
                                absl::string_view invitee_email_key) = 0;
  // `before` is the stored note (null when new); the indexes follow.
  virtual void PutNote(const IndexedNote* before, const IndexedNote& after) = 0;
  virtual void PurgeNote(const IndexedNote& stored) = 0;
  // Indexed by firm, assignee and client, each by state and due date.
  virtual void PutTodo(const TodoRecord* before, const TodoRecord& after) = 0;
  virtual void DeleteTodo(const TodoRecord& stored) = 0;
  // The company id of a client merged away, and where it went.
  virtual void PutMergedClient(uint64_t firm_id, uint64_t company_id,
                               const MergedClientRecord& merged) = 0;
  // Remembers what `request_id` of `caller` did in `scope`.
  virtual void PutRequest(uint64_t scope, absl::string_view caller,
                          absl::string_view request_id, const RequestRecord& done) = 0;

  // Every change or none.
  virtual absl::Status Commit() = 0;
};

// Client indexes a listing can walk.
enum class ClientIndex {
  kByName,    // folded display name
  kByNumber,  // folded client number; clients without a number come last
  kByWord,    // every word of the folded display name
};

// One page of an index walk over a firm's clients.
struct ClientScan {
  uint64_t firm_id = 0;
  ClientIndex index = ClientIndex::kByName;
  // Walk only active clients' entries, or everyone's.
  bool active_only = true;
  // kByName, kByNumber: walk only the clients in this facet.
  std::string facet = kAllClientsFacet;
  // Folded text the indexed value must start with ("" for all).
  std::string prefix;
  // Key to resume after (from a previous page's cursor), "" to start.
  std::string cursor;
  size_t limit = 50;
  size_t max_examined = 20000;
  // kByWord: given the indexed word and the whole folded name, whether this
  // entry is the one to report (skips repeats and non-matches).
  using WordFilter =
      std::function<bool(absl::string_view word, absl::string_view folded_name)>;
  WordFilter word_filter;
  // kByWord: the other query words, which a match's name must also have a
  // word starting with; the walk intersects their index ranges with its own
  // instead of examining every entry of `prefix` (word_filter still checks).
  std::vector<std::string> join_words;
  // Applied to each candidate client record; unset when the walked index
  // selects exactly the wanted clients (the store may then read the page's
  // records in one batch).
  std::function<bool(const ClientRecord&)> record_filter;
  // The caller needs only each client's firm, id, display name and client
  // number: the store may fill in just those, from the index it walks.
  bool names_and_numbers_only = false;
};

// One page of a walk over notes: one client's (newest first), or, with
// `words`, the notes of the firm that have them.
struct NoteScan {
  uint64_t firm_id = 0;
  uint64_t company_id = 0;  // required without words
  bool deleted = false;     // the client's deleted notes instead
  // Walk only this facet of the client's notes; "" for all.
  std::string facet;
  // Folded query words: the first is walked, the others joined.
  std::vector<std::string> words;
  std::string cursor;
  size_t limit = 50;
  size_t max_examined = 20000;
  // Whether a note the walk reached is reported; `indexed_word` is the index
  // word it was found under ("" without words).
  std::function<bool(const NoteRecord&, absl::string_view indexed_word)> record_filter;
};

// The facets NoteScan can walk.
std::string NoteKindFacet(v1::Note::Kind kind);
std::string NoteAuthorFacet(absl::string_view user_id);

// Which of a firm's to-dos a TodoScan walks, in due-date order (those
// without a due date last): all, one assignee's or one client's; all
// states, the open ones (OPEN, IN_PROGRESS) or one state.
struct TodoScan {
  uint64_t firm_id = 0;
  enum class By { kFirm, kAssignee, kClient } by = By::kFirm;
  std::string assignee;     // By::kAssignee
  uint64_t company_id = 0;  // By::kClient
  enum class States { kAll, kOpen, kOne } states = States::kAll;
  v1::Todo::State state = v1::Todo::STATE_UNSPECIFIED;  // States::kOne
  // Days (since 1970-01-01) bounding the due date, inclusive; when either is
  // set, to-dos without a due date are left out.
  std::optional<int32_t> due_from;
  std::optional<int32_t> due_to;
  std::string cursor;
  size_t limit = 50;
  size_t max_examined = 20000;
  std::function<bool(const TodoRecord&)> record_filter;
};

using storage::StoredPage;

// The directory's persistence. Reads see committed data; check-then-write
// sequences are serialized by the caller (Directory's locks).
class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;

  // A new id for a firm, client (company id) or invitation: unique forever,
  // also across restarts.
  virtual absl::StatusOr<uint64_t> AllocateId() = 0;
  virtual std::unique_ptr<DirectoryWrite> NewWrite(WriteOrigin origin) = 0;

  virtual absl::StatusOr<std::optional<FirmRecord>> GetFirm(uint64_t firm_id) const = 0;
  virtual absl::StatusOr<std::optional<MemberRecord>> GetMember(
      uint64_t firm_id, absl::string_view user_id) const = 0;
  virtual absl::StatusOr<StoredPage<MemberRecord>> ListMembers(uint64_t firm_id,
                                                               absl::string_view cursor,
                                                               size_t limit) const = 0;
  virtual absl::StatusOr<StoredPage<uint64_t>> ListFirmIdsOfUser(
      absl::string_view user_id, absl::string_view cursor, size_t limit) const = 0;

  virtual absl::StatusOr<std::optional<ClientRecord>> GetClient(
      uint64_t firm_id, uint64_t company_id) const = 0;
  // The client holding a number, by its key (ClientIndexTerms::number_key).
  virtual absl::StatusOr<std::optional<uint64_t>> FindClientByNumberKey(
      uint64_t firm_id, absl::string_view number_key) const = 0;
  virtual absl::StatusOr<StoredPage<ClientRecord>> ScanClients(
      const ClientScan& scan) const = 0;
  // Up to `limit` company ids of clients indexed under `duplicate_key`.
  virtual absl::StatusOr<std::vector<uint64_t>> FindClientsByDuplicateKey(
      uint64_t firm_id, absl::string_view duplicate_key, size_t limit) const = 0;
  // Groups of two or more company ids sharing a duplicate key, in key order:
  // at most `limit` groups, after examining at most `max_examined` entries.
  virtual absl::StatusOr<StoredPage<std::vector<uint64_t>>> ListDuplicateGroups(
      uint64_t firm_id, absl::string_view cursor, size_t limit,
      size_t max_examined) const = 0;

  // Where a client merged into another went (nullopt: never merged).
  virtual absl::StatusOr<std::optional<MergedClientRecord>> GetMergedClient(
      uint64_t firm_id, uint64_t company_id) const = 0;

  virtual absl::StatusOr<std::optional<NoteRecord>> GetNote(uint64_t firm_id,
                                                            uint64_t note_id) const = 0;
  virtual absl::StatusOr<StoredPage<NoteRecord>> ScanNotes(
      const NoteScan& scan) const = 0;
  // Up to `limit` notes (deleted ones too) and to-dos of one client.
  virtual absl::StatusOr<std::vector<NoteRecord>> ClientNotes(uint64_t firm_id,
                                                              uint64_t company_id,
                                                              size_t limit) const = 0;
  virtual absl::StatusOr<std::vector<TodoRecord>> ClientTodos(uint64_t firm_id,
                                                              uint64_t company_id,
                                                              size_t limit) const = 0;
  // Deleted notes whose purge time is at or before `time_us`: up to `limit`
  // (firm id, note id) pairs, earliest first.
  virtual absl::StatusOr<std::vector<std::pair<uint64_t, uint64_t>>> NotesToPurge(
      int64_t time_us, size_t limit) const = 0;

  virtual absl::StatusOr<std::optional<TodoRecord>> GetTodo(uint64_t firm_id,
                                                            uint64_t todo_id) const = 0;
  virtual absl::StatusOr<StoredPage<TodoRecord>> ScanTodos(
      const TodoScan& scan) const = 0;

  virtual absl::StatusOr<std::optional<ListViewRecord>> GetListView(
      uint64_t firm_id, absl::string_view user_id) const = 0;

  virtual absl::StatusOr<std::optional<InvitationRecord>> GetInvitationByToken(
      absl::string_view token) const = 0;
  // Invitations to an invitee email (by EmailKey()) or from an inviter.
  virtual absl::StatusOr<StoredPage<InvitationRecord>> ListInvitationsToEmail(
      absl::string_view email_key, absl::string_view cursor, size_t limit) const = 0;
  virtual absl::StatusOr<StoredPage<InvitationRecord>> ListInvitationsFromUser(
      absl::string_view user_id, absl::string_view cursor, size_t limit) const = 0;
  // Every invitation, in id order.
  virtual absl::StatusOr<StoredPage<InvitationRecord>> ScanInvitations(
      absl::string_view cursor, size_t limit) const = 0;

  virtual absl::StatusOr<std::optional<RequestRecord>> FindRequest(
      uint64_t scope, absl::string_view caller, absl::string_view request_id) const = 0;

  // Rewrites every client's index entries from `terms_of` when they were
  // written in an older layout (a database from before an upgrade); a no-op
  // otherwise. Returns how many clients were reindexed.
  virtual absl::StatusOr<size_t> ReindexIfOutdated(
      const std::function<ClientIndexTerms(const ClientRecord&)>& terms_of) = 0;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_STORE_PORT_H_
