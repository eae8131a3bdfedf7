#include "services/directory/store/word_join.h"

#include <algorithm>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/storage/key_codec.h"

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

// One join word, in one of two forms: an iterator per index word it starts
// (a few words, however many entries), or all its entries' (name, id) read
// into memory (many words, few entries: "1001" starts "10010" to "100199…").
class JoinedWord {
 public:
  // Not joined() (left to `visit`) when the word starts both many index
  // words and many entries.
  static absl::StatusOr<JoinedWord> Open(const storage::Database& db,
                                         const rocksdb::Snapshot* snapshot,
                                         const std::string& base,
                                         absl::string_view word) {
    JoinedWord joined;
    const std::string range = KeyBuilder::Extend(base).StringPrefix(word).Release();
    std::unique_ptr<rocksdb::Iterator> it = db.NewIterator(snapshot);
    for (it->Seek(range); it->Valid() && absl::StartsWith(View(it->key()), range);) {
      std::optional<SplitKey> split = Split(View(it->key()), base.size());
      if (!split) return absl::DataLossError("bad word index key");
      if (joined.words_.size() == kMaxJoinedWords)
        return ReadEntries(*it, range, base.size());
      joined.words_.emplace_back(split->word_key);
      it->Seek(PastWord(split->word_key));
    }
    if (!it->status().ok()) return storage::ToAbslStatus(it->status());
    for (size_t i = 0; i < joined.words_.size(); ++i) {
      joined.cursors_.push_back(db.NewIterator(snapshot));
    }
    return joined;
  }

  bool joined() const { return !cursors_.empty() || !entries_.empty(); }

  // The smallest (name, id) at or after `rest` among this word's entries,
  // "" when there is none; counts its seeks in `seeks`.
  absl::StatusOr<std::string> SeekAtOrAfter(absl::string_view rest, size_t& seeks) {
    if (!entries_.empty()) {
      ++seeks;
      auto at = std::lower_bound(entries_.begin(), entries_.end(), rest);
      return at == entries_.end() ? std::string() : *at;
    }
    std::string best;
    for (size_t i = 0; i < cursors_.size(); ++i) {
      rocksdb::Iterator& it = *cursors_[i];
      it.Seek(absl::StrCat(words_[i], rest));
      ++seeks;
      if (!it.status().ok()) return storage::ToAbslStatus(it.status());
      if (!it.Valid() || !absl::StartsWith(View(it.key()), words_[i])) continue;
      absl::string_view found = View(it.key()).substr(words_[i].size());
      if (best.empty() || found < best) best = std::string(found);
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
      if (joined.entries_.size() == kMaxJoinedEntries) return JoinedWord();
      std::optional<SplitKey> split = Split(View(it.key()), base_size);
      if (!split) return absl::DataLossError("bad word index key");
      joined.entries_.emplace_back(split->rest);
    }
    if (!it.status().ok()) return storage::ToAbslStatus(it.status());
    std::sort(joined.entries_.begin(), joined.entries_.end());
    return joined;
  }

  std::vector<std::string> words_;  // base + String(index word)
  std::vector<std::unique_ptr<rocksdb::Iterator>> cursors_;
  std::vector<std::string> entries_;  // sorted (name, id) suffixes
};

}  // namespace

absl::StatusOr<std::string> JoinWordIndex(
    const storage::Database& db, const std::string& base, absl::string_view lead_prefix,
    const std::vector<std::string>& join_words, absl::string_view cursor, size_t limit,
    size_t max_examined,
    const std::function<absl::StatusOr<bool>(absl::string_view key)>& visit) {
  const std::string range = KeyBuilder::Extend(base).StringPrefix(lead_prefix).Release();
  if (absl::Status s = storage::CheckCursor(range, cursor); !s.ok()) return s;
  std::shared_ptr<const rocksdb::Snapshot> snapshot = db.Snapshot();
  std::vector<JoinedWord> joins;
  for (const std::string& word : join_words) {
    absl::StatusOr<JoinedWord> joined = JoinedWord::Open(db, snapshot.get(), base, word);
    if (!joined.ok()) return joined.status();
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
    // The furthest (name, id) any join word's next entry lies at.
    std::string target(split->rest);
    bool exhausted = false;
    for (JoinedWord& join : joins) {
      absl::StatusOr<std::string> next = join.SeekAtOrAfter(split->rest, examined);
      if (!next.ok()) return next.status();
      if (next->empty()) {
        exhausted = true;
        break;
      }
      if (*next > target) target = std::move(*next);
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
      lead->Seek(absl::StrCat(split->word_key, target));
      continue;
    }
    absl::StatusOr<bool> match = visit(key);
    if (!match.ok()) return match.status();
    if (*match && ++matched > limit) return last_key;
    last_key = key;
    lead->Next();
  }
  if (!lead->status().ok()) return storage::ToAbslStatus(lead->status());
  return std::string();
}

}  // namespace clientbook::directory
