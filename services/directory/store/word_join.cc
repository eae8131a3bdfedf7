#include "services/directory/store/word_join.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/keys/key_codec.h"

namespace clientbook::directory {
namespace {

using storage::KeyBuilder;
using storage::KeyReader;

// The smallest key after every key starting with `word_key` (base +
// String(w)) and before base + String(w') for every w' > w: the terminator
// 0x00 0x01 becomes 0x00 0x02 (0x00 0xFF is an escaped zero inside a word).
std::string PastWord(absl::string_view word_key) {
  std::string past(word_key);
  past.back() = '\2';
  return past;
}

absl::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// A key under `base` split after its word: base + String(word) | rest.
struct SplitKey {
  absl::string_view word_key;  // base + String(word)
  absl::string_view rest;      // String(name) + id: (name, id) order
};
std::optional<SplitKey> Split(absl::string_view key, size_t base_size) {
  KeyReader reader(key.substr(base_size));
  if (!reader.String()) return std::nullopt;
  const size_t word_end = key.size() - reader.rest().size();
  return SplitKey{key.substr(0, word_end), key.substr(word_end)};
}

// Within this many entries an iterator steps forward with Next instead of
// seeking: the hits of a join are usually next to each other in each word.
constexpr int kStepsBeforeSeek = 8;
// A join word with at most this many entries is read whole into memory.
constexpr size_t kEntriesReadWhole = 32;

// The (name, id) part of `it`'s key when it is an entry of `word_key`, else
// "" (past the word's entries, or invalid).
absl::string_view RestIn(const rocksdb::Iterator& it, absl::string_view word_key) {
  if (!it.Valid() || !absl::StartsWith(View(it.key()), word_key)) return {};
  return View(it.key()).substr(word_key.size());
}

// Moves `it`, standing in `word_key`'s entries, forward to the first key at
// or after word_key + `rest`; counts its steps and seeks in `moves`.
void MoveForward(rocksdb::Iterator& it, absl::string_view word_key,
                 absl::string_view rest, size_t& moves) {
  for (int i = 0; i <= kStepsBeforeSeek; ++i) {
    const absl::string_view at = RestIn(it, word_key);
    if (at.empty() || at >= rest) return;
    if (i == kStepsBeforeSeek) break;
    it.Next();
    ++moves;
  }
  it.Seek(absl::StrCat(word_key, rest));
  ++moves;
}

// One index word's entries, read forward from the positions asked for. It
// moves only when asked for a position past where it stands, so a page of
// hits that are adjacent in this word costs a step per hit, not a seek.
class WordCursor {
 public:
  WordCursor(std::string word_key, std::unique_ptr<rocksdb::Iterator> it)
      : word_key_(std::move(word_key)), it_(std::move(it)) {}

  // The smallest (name, id) at or after `rest`, "" when there is none;
  // valid until the next call. Counts its seeks and steps in `moves`.
  absl::StatusOr<absl::string_view> AtOrAfter(absl::string_view rest, size_t& moves) {
    if (!asked_.has_value() || rest < *asked_) {
      it_->Seek(absl::StrCat(word_key_, rest));
      ++moves;
    } else if (!RestIn(*it_, word_key_).empty()) {
      // Nothing lies between the last position asked for and where it stands.
      MoveForward(*it_, word_key_, rest, moves);
    }
    if (!it_->status().ok()) return storage::ToAbslStatus(it_->status());
    if (!asked_.has_value()) asked_.emplace();
    asked_->assign(rest.data(), rest.size());  // reuses the buffer
    return RestIn(*it_, word_key_);
  }

 private:
  std::string word_key_;  // base + String(index word)
  std::unique_ptr<rocksdb::Iterator> it_;
  std::optional<std::string> asked_;  // the last position asked for
};

// One join word, in one of two forms: all its entries' (name, id) read into
// memory (few entries: a rare word, or "1001", which starts "10010" to
// "100199…"), or a cursor per index word it starts (a few words, however
// many entries).
class JoinedWord {
 public:
  // Not joined() (left to `visit`) when the word starts both many index
  // words and many entries.
  static absl::StatusOr<JoinedWord> Open(const storage::Database& db,
                                         const rocksdb::Snapshot* snapshot,
                                         const std::string& base,
                                         absl::string_view word) {
    const std::string range = KeyBuilder::Extend(base).StringPrefix(word).Release();
    auto in_range = [&](const rocksdb::Iterator& it) {
      return it.Valid() && absl::StartsWith(View(it.key()), range);
    };
    JoinedWord joined;
    std::vector<std::string> words;  // base + String(index word)
    std::unique_ptr<rocksdb::Iterator> it = db.NewIterator(snapshot);
    for (it->Seek(range); in_range(*it); it->Next()) {
      std::optional<SplitKey> split = Split(View(it->key()), base.size());
      if (!split) return absl::DataLossError("bad word index key");
      if (words.empty() || words.back() != split->word_key) {
        words.emplace_back(split->word_key);
      }
      // Past a few entries, only a word that starts many index words (no
      // cursor each) is read on, up to kMaxJoinedEntries.
      if (joined.entries_.size() >= kEntriesReadWhole && words.size() <= kMaxJoinedWords)
        break;
      if (joined.entries_.size() == kMaxJoinedEntries) return NotJoined();
      joined.entries_.emplace_back(split->rest);
    }
    if (!it->status().ok()) return storage::ToAbslStatus(it->status());
    if (!in_range(*it)) {
      std::sort(joined.entries_.begin(), joined.entries_.end());
      return joined;
    }
    // Too many entries to read whole: the remaining index words, each
    // found with a seek past the one before.
    joined.entries_.clear();
    for (it->Seek(PastWord(words.back())); in_range(*it);) {
      std::optional<SplitKey> split = Split(View(it->key()), base.size());
      if (!split) return absl::DataLossError("bad word index key");
      if (words.size() >= kMaxJoinedWords) return ReadEntries(*it, range, base.size());
      words.emplace_back(split->word_key);
      it->Seek(PastWord(split->word_key));
    }
    if (!it->status().ok()) return storage::ToAbslStatus(it->status());
    joined.form_ = Form::kCursors;
    for (std::string& word_key : words) {
      joined.cursors_.emplace_back(std::move(word_key), db.NewIterator(snapshot));
    }
    return joined;
  }

  // No name has a word starting with this one: the join matches nothing.
  bool matches_nothing() const { return form_ == Form::kEntries && entries_.empty(); }
  bool joined() const { return form_ != Form::kNotJoined; }

  // The smallest (name, id) at or after `rest` among this word's entries,
  // "" when there is none; valid until the next call. Counts its seeks and
  // steps in `moves`.
  absl::StatusOr<absl::string_view> AtOrAfter(absl::string_view rest, size_t& moves) {
    if (form_ == Form::kEntries) {
      ++moves;
      auto at = std::lower_bound(entries_.begin(), entries_.end(), rest);
      return at == entries_.end() ? absl::string_view() : absl::string_view(*at);
    }
    absl::string_view best;
    for (WordCursor& cursor : cursors_) {
      absl::StatusOr<absl::string_view> found = cursor.AtOrAfter(rest, moves);
      if (!found.ok()) return found.status();
      if (!found->empty() && (best.empty() || *found < best)) best = *found;
    }
    return best;
  }

 private:
  // The (name, id) of every entry in `range` (read again from its start),
  // sorted, when there are at most kMaxJoinedEntries; else not joined.
  static absl::StatusOr<JoinedWord> ReadEntries(rocksdb::Iterator& it,
                                                const std::string& range,
                                                size_t base_size) {
    JoinedWord joined;
    for (it.Seek(range); it.Valid() && absl::StartsWith(View(it.key()), range);
         it.Next()) {
      if (joined.entries_.size() == kMaxJoinedEntries) return NotJoined();
      std::optional<SplitKey> split = Split(View(it.key()), base_size);
      if (!split) return absl::DataLossError("bad word index key");
      joined.entries_.emplace_back(split->rest);
    }
    if (!it.status().ok()) return storage::ToAbslStatus(it.status());
    std::sort(joined.entries_.begin(), joined.entries_.end());
    return joined;
  }

  static JoinedWord NotJoined() {
    JoinedWord not_joined;
    not_joined.form_ = Form::kNotJoined;
    return not_joined;
  }

  enum class Form { kEntries, kCursors, kNotJoined };
  Form form_ = Form::kEntries;
  std::vector<std::string> entries_;  // sorted (name, id) suffixes
  std::vector<WordCursor> cursors_;
};

}  // namespace

absl::StatusOr<std::string> JoinWordIndex(
    const storage::Database& db, const std::string& base, absl::string_view lead_prefix,
    const std::vector<JoinWord>& join_words, absl::string_view cursor, size_t limit,
    size_t max_examined,
    const std::function<absl::StatusOr<bool>(absl::string_view key)>& visit) {
  const std::string range = KeyBuilder::Extend(base).StringPrefix(lead_prefix).Release();
  if (absl::Status s = storage::CheckCursor(range, cursor); !s.ok()) return s;
  std::shared_ptr<const rocksdb::Snapshot> snapshot = db.Snapshot();
  std::vector<JoinedWord> joins;
  for (const JoinWord& join : join_words) {
    absl::StatusOr<JoinedWord> joined =
        JoinedWord::Open(db, snapshot.get(), join.base, join.word);
    if (!joined.ok()) return joined.status();
    if (joined->matches_nothing()) return std::string();
    if (joined->joined()) joins.push_back(std::move(*joined));
  }

  std::unique_ptr<rocksdb::Iterator> lead = db.NewIterator(snapshot.get());
  size_t examined = 0;
  size_t matched = 0;
  std::string last_key;  // the last lead entry fully decided
  lead->Seek(storage::ResumeKey(range, cursor));
  while (lead->Valid() && absl::StartsWith(View(lead->key()), range)) {
    if (examined >= max_examined)
      return last_key.empty() ? std::string(cursor) : last_key;
    ++examined;
    const std::string key(View(lead->key()));
    std::optional<SplitKey> split = Split(key, base.size());
    if (!split) return absl::DataLossError("bad word index key");
    // The furthest (name, id) any join word's next entry lies at (a view
    // into `key` or into a join word's cursor, which stay put until used).
    absl::string_view target = split->rest;
    bool exhausted = false;
    for (JoinedWord& join : joins) {
      absl::StatusOr<absl::string_view> next = join.AtOrAfter(split->rest, examined);
      if (!next.ok()) return next.status();
      if (next->empty()) {
        exhausted = true;
        break;
      }
      if (*next > target) target = *next;
    }
    if (exhausted) {
      // No later name of this lead word can match: on to the next word.
      last_key = key;
      lead->Seek(PastWord(split->word_key));
      continue;
    }
    if (target != split->rest) {
      // Entries of this lead word before `target` cannot match.
      last_key = key;
      MoveForward(*lead, split->word_key, target, examined);
      continue;
    }
    absl::StatusOr<bool> match = visit(key);
    if (!match.ok() && storage::IsPageFull(match.status())) return last_key;
    if (!match.ok()) return match.status();
    if (*match && ++matched > limit) return last_key;
    last_key = key;
    lead->Next();
  }
  if (!lead->status().ok()) return storage::ToAbslStatus(lead->status());
  return std::string();
}

}  // namespace clientbook::directory
