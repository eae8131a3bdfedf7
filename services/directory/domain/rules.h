#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_RULES_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_RULES_H_

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/paging/paging.h"
#include "common/rules/shared_limits.h"
#include "common/rules/text_fields.h"
#include "common/status/errors.h"
#include "services/directory/domain/store_port.h"

// The directory's rules that are a number or a small function, each in one
// place.
namespace clientbook::directory {

// Shared with the services that check the same fields (text_fields.h).
using rules::CheckDisplayName;
using rules::CheckEmail;
using rules::CheckLine;
using rules::CheckRequiredLine;
using rules::CheckText;
using rules::ClientNumberKey;
using rules::EmailKey;
using rules::kMaxDisplayNameCharacters;

inline constexpr size_t kMaxClientNumberCharacters = limits::kMaxClientNumberCharacters;
inline constexpr size_t kMaxProducts = 50;
inline constexpr size_t kMaxProductCharacters = 100;
inline constexpr size_t kMaxSearchCharacters = 200;

// The client workspace: notes and to-dos.
inline constexpr size_t kMaxNoteCharacters = 20000;
inline constexpr size_t kMaxContactCharacters = 200;
inline constexpr size_t kMaxTodoTitleCharacters = 200;
inline constexpr size_t kMaxTodoDescriptionCharacters = 20000;
inline constexpr int32_t kMaxTodoProgress = 100;
// A to-do keeps the times of its latest 100 reopens and counts them all:
// keeping every time let a member who closes and reopens a to-do in a loop
// grow it past what one message carries.
inline constexpr int kMaxReopenTimesKept = 100;
// A CALL note's duration: at most a day.
inline constexpr absl::Duration kMaxCallDuration = absl::Hours(24);
// A deleted note stays visible to admins for 30 days, then is purged; at
// exactly 30 days it is gone (purge_time is the first instant it is).
inline constexpr absl::Duration kDeletedNoteRetention = absl::Hours(30 * 24);
// A merge moves a client's notes and to-dos, and a delete removes them, in
// one write: at most this many of each, and this many bytes of them
// together. A write holds them several times over (read, their change
// records, the batch, RocksDB's memtable): deleting a client with 5,000
// notes of 80 KB (400 MB) took the directory to 3.4 GB, its pod has 1 GiB.
inline constexpr size_t kMaxNotesOrTodosPerWrite = 50000;
inline constexpr size_t kMaxNotesAndTodosBytesPerWrite = 32 << 20;
// A write that rewrites more than this many bytes of records (notes and
// to-dos, clients) takes the one place in a process for a large write;
// another is refused, to retry after this delay.
inline constexpr size_t kSmallWriteBytes = 1 << 20;
inline constexpr absl::Duration kLargeWriteRetryDelay = absl::Seconds(1);
// A write holds about three times its RocksDB batch in memory until it has
// committed (staged, batched, in the memtable), and a batch holds about
// five times the bytes of the records it rewrites and 768 bytes more each
// (the change record before and after, the audit's copy, index entries).
// Measured: 1,000 clients of 21 KB made a 96 MB batch and took the
// directory up 328 MB; 20,000 clients of 120 bytes made 27 MB and 74 MB.
// A member removal whose batch would pass kMaxWriteBatchBytes is refused.
inline constexpr size_t kMaxWriteBatchBytes = size_t{192} << 20;
inline constexpr size_t EstimatedBatchBytes(size_t records, size_t record_bytes) {
  return 5 * record_bytes + 768 * records;
}
// GetClientWorkSummary reads at most this many of a client's to-dos, in
// pages of this many.
inline constexpr size_t kMaxSummarizedTodos = 100000;
inline constexpr size_t kSummaryPage = 1000;

// One user creates at most 1,000 firms in any 30 days: anyone signed in may
// create a firm, kept for good in the store every firm shares, and one
// caller created 3,000 a second. Counted from the firms created since
// firms were kept under their creator (the creator index).
inline constexpr size_t kMaxFirmsCreatedPerUser = 1000;
inline constexpr absl::Duration kFirmCreatorQuotaWindow = absl::Hours(30 * 24);
// OK unless `creators_oldest_recent`, the creator's kMaxFirmsCreatedPerUser-th
// newest firm, was created within kFirmCreatorQuotaWindow of `now`: then
// RESOURCE_EXHAUSTED (TOO_MANY_FIRMS, retry when it leaves the window).
absl::Status CheckFirmCreatorQuota(
    absl::string_view creator, const std::optional<FirmRecord>& creators_oldest_recent,
    absl::Time now);

inline constexpr size_t kMaxBatchUpdateEntries = 1000;
// A batch's answer (BatchGetClients, BatchUpdateClientNumbers) carries its
// clients whole, all or none: they may come to at most this many bytes as
// answered. A client may hold 50 products of 100 characters (21 KB), and
// 1,000 such came to 21 MB, over the 4 MiB a message may be: refused by
// gRPC after the numbers were written, and at every retry.
inline constexpr size_t kMaxBatchAnswerBytes = storage::kMaxPageBytes;
// The bytes a client takes in an answer (its read mask applied); unset,
// its record's.
using ClientAnswerBytes = std::function<size_t(const ClientRecord&)>;
// Counts the clients of a batch's answer as they are added: RESOURCE_EXHAUSTED
// (BATCH_ANSWER_TOO_LARGE) once they come to more than kMaxBatchAnswerBytes.
class BatchAnswerBytes {
 public:
  explicit BatchAnswerBytes(ClientAnswerBytes bytes_of)
      : bytes_of_(std::move(bytes_of)) {}
  absl::Status Add(const ClientRecord& client);
  absl::Status AddAll(const std::vector<ClientRecord>& clients);

 private:
  const ClientAnswerBytes bytes_of_;
  size_t clients_ = 0;
  size_t bytes_ = 0;
};
// A List call examines at most this many index entries before returning a
// short page with a token, so selective filters cannot scan a whole firm.
inline constexpr size_t kMaxEntriesExaminedPerPage = 20000;

inline constexpr std::array<absl::string_view, 10> kListColumns = {
    "display_name", "company_id", "client_number", "client_type",  "lead_accountant",
    "email",        "status",     "products",      "billing_plan", "document_status"};
inline constexpr std::array<absl::string_view, 6> kDefaultListColumns = {
    "display_name", "client_number", "client_type", "lead_accountant", "email", "status"};

// How many times `todo` was reopened in all.
int64_t ReopenCount(const TodoRecord& todo);

// A client number as stored and shown: surrounding blanks trimmed.
std::string NormalizeClientNumber(absl::string_view number);

// Checks a normalized client number; `field` names it in the error.
std::optional<errors::FieldViolation> CheckClientNumber(absl::string_view field,
                                                        absl::string_view number);

// The fields each Update method changes: the paths its update_mask may
// name (common/server/update_mask.h reads an omitted mask and "*").
inline constexpr std::array<absl::string_view, 2> kUpdatableFirmFields = {"display_name",
                                                                          "time_zone"};
inline constexpr std::array<absl::string_view, 3> kUpdatableMemberFields = {
    "role", "display_name", "email"};
inline constexpr std::array<absl::string_view, 6> kUpdatableClientFields = {
    "display_name",    "client_type", "email",
    "lead_accountant", "products",    "client_number"};
inline constexpr std::array<absl::string_view, 4> kUpdatableNoteFields = {
    "text", "call_time", "call_duration", "contact"};
inline constexpr std::array<absl::string_view, 6> kUpdatableTodoFields = {
    "title", "description", "assignee", "due_date", "state", "progress"};
// The IMMUTABLE fields (the contract's field_behavior) an update may name
// when it keeps their value (AIP-203): a resource read and sent back whole.
inline constexpr std::array<absl::string_view, 1> kImmutableMemberFields = {"user_id"};
inline constexpr std::array<absl::string_view, 2> kImmutableNoteFields = {"client",
                                                                          "kind"};
inline constexpr std::array<absl::string_view, 1> kImmutableTodoFields = {"client"};

// INVALID_ARGUMENT on update_mask unless every path in `paths` is among
// `updatable` or `immutable`. No path is an update that changes nothing.
absl::Status CheckUpdateMask(const std::vector<std::string>& paths,
                             absl::Span<const absl::string_view> updatable,
                             absl::Span<const absl::string_view> immutable = {});

// INVALID_ARGUMENT on `field` when `paths` names an immutable `path` whose
// value the update would change.
std::optional<errors::FieldViolation> CheckImmutable(
    const std::vector<std::string>& paths, absl::string_view path,
    absl::string_view field, bool changes);

// OK, or INVALID_ARGUMENT listing every violation found among `checks`.
absl::Status AllValid(std::vector<std::optional<errors::FieldViolation>> checks);

// Two display names are the same name when these keys are equal: case,
// accents, blanks and punctuation ignored ("Rossi S.r.l." = "ROSSI SRL").
std::string DuplicateNameKey(absl::string_view display_name);

// Name search finds a query word of kMinInfixCharacters or more anywhere
// inside a word of the name ("oss" finds "Rossi", "cieta" finds "Società"),
// a shorter one at the start of a word ("ro" finds "Rossi", not "Grossi").
// The index holds each word and its suffixes of at least that many
// characters (shorter ones would grow the index by half again and match
// nearly every name), each once, sorted.
inline constexpr size_t kMinInfixCharacters = 3;
std::vector<std::string> WordSuffixes(const std::vector<std::string>& words);
// Whether `query_word` is long enough to be found inside a word, not only
// at its start.
bool MatchesInsideWords(absl::string_view query_word);
// Whether `query_word` is found in `word` by that rule.
bool WordMatches(absl::string_view word, absl::string_view query_word);

// What the store indexes a client under: its folded name and the suffixes
// of its words (search ignores case and accents), its number key, whether it
// is active, and the facets (filters) it answers to.
ClientIndexTerms IndexTermsOf(const ClientRecord& client);
// The same for a client whose display name is the one `same_name` was made
// from: the name's folding, the costly part, is not done again.
ClientIndexTerms IndexTermsOf(const ClientRecord& client,
                              const ClientIndexTerms& same_name);

// The words a note is found by: of its text and contact, folded as client
// names are, each once.
std::vector<std::string> NoteWords(const NoteRecord& note);

// A to-do still to be done: OPEN or IN_PROGRESS. What "open only" lists,
// what the to-do index keeps apart, and what a leaving member hands over.
bool IsOpenTodo(v1::Todo::State state);

// An IANA time zone name ("Europe/Rome"); "" is allowed and means UTC.
std::optional<errors::FieldViolation> CheckTimeZone(absl::string_view field,
                                                    absl::string_view name);
// The firm's calendar (UTC when unset or unknown).
absl::TimeZone FirmTimeZone(const FirmRecord& firm);

// ListClients filters that have indexes of their own: a page of "clients of
// this lead accountant" or "business clients" walks only those clients.
std::string LeadAccountantFacet(absl::string_view user_id);
std::string ClientTypeFacet(v1::ClientType type);
// The clients whose company names this member its primary admin: what
// keeps the member from being removed.
std::string PrimaryAdminFacet(absl::string_view user_id);

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_RULES_H_
