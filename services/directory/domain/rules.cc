#include "services/directory/domain/rules.h"

#include <algorithm>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/text/text.h"
#include "common/time/time_zones.h"
#include "services/directory/domain/model.h"

namespace clientbook::directory {
namespace {

errors::FieldViolation Violation(absl::string_view field, std::string message) {
  return {std::string(field), std::move(message)};
}

}  // namespace

std::string NormalizeClientNumber(absl::string_view number) { return text::Trim(number); }

std::optional<errors::FieldViolation> CheckClientNumber(absl::string_view field,
                                                        absl::string_view number) {
  if (auto violation = CheckLine(field, number, kMaxClientNumberCharacters)) {
    return violation;
  }
  // Blank is no number; invisible characters alone would be a number no
  // one can see or tell from another.
  if (!number.empty() && !text::HasVisibleCharacter(number)) {
    return Violation(field, "has no visible character: leave it empty for no number");
  }
  return std::nullopt;
}

absl::Status CheckFirmCreatorQuota(
    absl::string_view creator, const std::optional<FirmRecord>& creators_oldest_recent,
    absl::Time now) {
  if (!creators_oldest_recent.has_value()) return absl::OkStatus();
  const absl::Time frees =
      absl::FromUnixMicros(creators_oldest_recent->create_time_us()) +
      kFirmCreatorQuotaWindow;
  if (now >= frees) return absl::OkStatus();
  return errors::QuotaExhausted(
      "TOO_MANY_FIRMS", absl::StrCat("users/", creator),
      absl::StrCat("this caller created ", kMaxFirmsCreatedPerUser, " firms in the last ",
                   absl::ToInt64Hours(kFirmCreatorQuotaWindow) / 24,
                   " days, as many as one may: create the next one once the oldest of "
                   "them is that old"),
      frees - now);
}

absl::Status CheckUpdateMask(const std::vector<std::string>& paths,
                             absl::Span<const absl::string_view> updatable,
                             absl::Span<const absl::string_view> immutable) {
  for (const std::string& path : paths) {
    if (absl::c_linear_search(updatable, path) ||
        absl::c_linear_search(immutable, path)) {
      continue;
    }
    return errors::InvalidField(
        "update_mask", absl::StrCat("'", path, "' cannot be updated; updatable fields: ",
                                    absl::StrJoin(updatable, ", ")));
  }
  return absl::OkStatus();
}

std::optional<errors::FieldViolation> CheckImmutable(
    const std::vector<std::string>& paths, absl::string_view path,
    absl::string_view field, bool changes) {
  if (!changes || !absl::c_linear_search(paths, path)) return std::nullopt;
  return errors::FieldViolation{std::string(field), "cannot change once made"};
}

absl::Status AllValid(std::vector<std::optional<errors::FieldViolation>> checks) {
  std::vector<errors::FieldViolation> violations;
  for (auto& check : checks) {
    if (check.has_value()) violations.push_back(std::move(*check));
  }
  if (violations.empty()) return absl::OkStatus();
  return errors::InvalidArgument(violations);
}

namespace {

// The duplicate-name key of a folded name's words: the one formula.
std::string DuplicateKeyOfWords(const std::vector<std::string>& words) {
  return absl::StrJoin(words, "");
}

// A name as search and the duplicate check see it: folded, and at most as
// many characters as a name may have. Folding can lengthen a name ("㌖"
// is six letters), and its index entries grow with the square of its
// length (each suffix's entry carries the whole name): a name of 200 took
// 12.6 MB of disk before the cap, 190 KB with it, as 200 katakana do.
std::string NameSearchForm(absl::string_view display_name) {
  return text::FirstCharacters(text::FoldForSearch(display_name),
                               kMaxDisplayNameCharacters);
}

// The terms that do not come from the display name.
void AddTermsBesidesTheName(const ClientRecord& client, ClientIndexTerms& terms) {
  terms.number_key =
      client.client_number().empty() ? "" : ClientNumberKey(client.client_number());
  terms.active = client.status() == v1::ClientStatus::ACTIVE;
  terms.facets = {kAllClientsFacet, ClientTypeFacet(client.client_type())};
  if (!client.lead_accountant_user_id().empty()) {
    terms.facets.push_back(LeadAccountantFacet(client.lead_accountant_user_id()));
  }
  if (!client.primary_admin_user_id().empty()) {
    terms.facets.push_back(PrimaryAdminFacet(client.primary_admin_user_id()));
  }
}

// The word itself, or a suffix of at least kMinInfixCharacters characters.
bool IsIndexedSuffix(absl::string_view word, size_t at) {
  if (at == 0) return true;
  // At character boundaries only: never inside a UTF-8 sequence.
  if ((static_cast<unsigned char>(word[at]) & 0xC0) == 0x80) return false;
  return text::CharacterCount(word.substr(at)) >= kMinInfixCharacters;
}

}  // namespace

std::string DuplicateNameKey(absl::string_view display_name) {
  return DuplicateKeyOfWords(text::Words(NameSearchForm(display_name)));
}

bool MatchesInsideWords(absl::string_view query_word) {
  return text::CharacterCount(query_word) >= kMinInfixCharacters;
}

bool WordMatches(absl::string_view word, absl::string_view query_word) {
  return MatchesInsideWords(query_word) ? absl::StrContains(word, query_word)
                                        : absl::StartsWith(word, query_word);
}

std::vector<std::string> WordSuffixes(const std::vector<std::string>& words) {
  std::vector<std::string> suffixes;
  for (const std::string& word : words) {
    for (size_t at = 0; at < word.size(); ++at) {
      if (IsIndexedSuffix(word, at)) suffixes.push_back(word.substr(at));
    }
  }
  std::sort(suffixes.begin(), suffixes.end());
  suffixes.erase(std::unique(suffixes.begin(), suffixes.end()), suffixes.end());
  return suffixes;
}

ClientIndexTerms IndexTermsOf(const ClientRecord& client) {
  ClientIndexTerms terms;
  terms.folded_name = NameSearchForm(client.display_name());
  terms.words = text::Words(terms.folded_name);
  terms.word_suffixes = WordSuffixes(terms.words);
  terms.duplicate_key = DuplicateKeyOfWords(terms.words);
  AddTermsBesidesTheName(client, terms);
  return terms;
}

ClientIndexTerms IndexTermsOf(const ClientRecord& client,
                              const ClientIndexTerms& same_name) {
  ClientIndexTerms terms{.folded_name = same_name.folded_name,
                         .words = same_name.words,
                         .word_suffixes = same_name.word_suffixes,
                         .duplicate_key = same_name.duplicate_key};
  AddTermsBesidesTheName(client, terms);
  return terms;
}

std::vector<std::string> NoteWords(const NoteRecord& note) {
  std::vector<std::string> words =
      text::Words(text::FoldForSearch(absl::StrCat(note.text(), " ", note.contact())));
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

bool IsOpenTodo(v1::Todo::State state) {
  return state == v1::Todo::OPEN || state == v1::Todo::IN_PROGRESS;
}

std::optional<errors::FieldViolation> CheckTimeZone(absl::string_view field,
                                                    absl::string_view name) {
  if (name.empty() || LoadIanaTimeZone(name).has_value()) return std::nullopt;
  return Violation(
      field, absl::StrCat("'", name, "' is not an IANA time zone (e.g. Europe/Rome)"));
}

absl::TimeZone FirmTimeZone(const FirmRecord& firm) {
  if (firm.time_zone().empty()) return absl::UTCTimeZone();
  return LoadIanaTimeZone(firm.time_zone()).value_or(absl::UTCTimeZone());
}

std::string NoteKindFacet(v1::Note::Kind kind) {
  return absl::StrCat("k:", static_cast<int>(kind));
}

std::string NoteAuthorFacet(absl::string_view user_id) {
  return absl::StrCat("a:", user_id);
}

std::string LeadAccountantFacet(absl::string_view user_id) {
  return absl::StrCat("l:", user_id);
}

std::string PrimaryAdminFacet(absl::string_view user_id) {
  return absl::StrCat("p:", user_id);
}

std::string ClientTypeFacet(v1::ClientType type) {
  return absl::StrCat("t:", static_cast<int>(type));
}

absl::Status BatchAnswerBytes::Add(const ClientRecord& client) {
  ++clients_;
  bytes_ += bytes_of_ ? bytes_of_(client) : client.ByteSizeLong();
  if (bytes_ <= kMaxBatchAnswerBytes) return absl::OkStatus();
  return errors::WithReason(
      absl::StatusCode::kResourceExhausted, "BATCH_ANSWER_TOO_LARGE",
      absl::StrCat("the first ", clients_, " clients of the answer come to ", bytes_,
                   " bytes, more than the ", kMaxBatchAnswerBytes,
                   " (2 MiB) an answer carries: ask for fewer fields (read_mask)"
                   " or fewer clients"));
}

absl::Status BatchAnswerBytes::AddAll(const std::vector<ClientRecord>& clients) {
  for (const ClientRecord& c : clients) {
    if (absl::Status s = Add(c); !s.ok()) return s;
  }
  return absl::OkStatus();
}

int64_t ReopenCount(const TodoRecord& todo) {
  return std::max<int64_t>(todo.reopen_count(), todo.reopen_time_us_size());
}

}  // namespace clientbook::directory
