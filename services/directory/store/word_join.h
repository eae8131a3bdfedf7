#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_WORD_JOIN_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_WORD_JOIN_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/database.h"

namespace clientbook::directory {

// A multi-word name search as an index intersection. The word index keys
// are `base` + String(word) + String(folded name) + id, so within one word
// the entries are in (name, id) order. The walk goes through the entries of
// the words starting with `lead_prefix` in key order, like a one-word
// search; for each of `join_words` it keeps a cursor per index word
// starting with it, moves them forward to the walk's (name, id) (a step
// when the next hit is adjacent, else a seek), and the walk moves ahead to
// the largest position they reached. A rare combination of common words so
// costs a few seeks per result instead of a scan, a common one a step.
//
// `visit`, `cursor`, `limit` and `max_examined` (positions, steps and
// seeks counted) mean what they mean for Database::ScanMatches, and so does the
// cursor returned. A join word with few entries is read into memory whole;
// one that starts more than kMaxJoinedWords index words is read into memory
// too if it has at most kMaxJoinedEntries entries, else it is not joined:
// `visit` must check every query word anyway. A join word that no name has
// ends the walk at once.
inline constexpr size_t kMaxJoinedWords = 16;
inline constexpr size_t kMaxJoinedEntries = 2048;

// A word joined, and the index it is in: keys of the same shape as the
// lead's, under another `base` of the same length (a short word in the word
// index joined with a long one's walk of the suffix index).
struct JoinWord {
  std::string base;
  std::string word;
};

absl::StatusOr<std::string> JoinWordIndex(
    const storage::Database& db, const std::string& base, absl::string_view lead_prefix,
    const std::vector<JoinWord>& join_words, absl::string_view cursor, size_t limit,
    size_t max_examined,
    const std::function<absl::StatusOr<bool>(absl::string_view key)>& visit);

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_WORD_JOIN_H_
