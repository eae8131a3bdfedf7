// The word-index join on its own, over a real (in-memory) RocksDB: what it
// finds for a multi-word search is what reading every name finds, page
// after page and with a small examination budget, whether a join word is
// rare, common enough to be read whole, or so common it is not joined.
#include "services/directory/store/word_join.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/keys/key_codec.h"
#include "common/storage/database.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/write_batch.h"
#include "tests/support/status_matchers.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;

class WordJoinTest : public ::testing::Test {
 protected:
  WordJoinTest()
      : env_(rocksdb::NewMemEnv(rocksdb::Env::Default())),
        db_(std::move(*storage::Database::Open("/words", {.env = env_.get()}))) {}

  // Indexes `name` (words separated by blanks) under each of its words.
  void Add(uint64_t id, const std::string& name) {
    names_[id] = name;
    rocksdb::WriteBatch batch;
    for (absl::string_view word : absl::StrSplit(name, ' ')) {
      batch.Put(storage::KeyBuilder::Extend(base_)
                    .String(word)
                    .String(name)
                    .Uint64(id)
                    .Release(),
                "");
    }
    ASSERT_THAT(db_->Write(batch), IsOk());
  }

  // Whether `name` has a word starting with each of `prefixes`.
  static bool Matches(const std::string& name, const std::vector<std::string>& prefixes) {
    const std::vector<std::string> words = absl::StrSplit(name, ' ');
    for (const std::string& prefix : prefixes) {
      bool found = false;
      for (const std::string& word : words) found |= absl::StartsWith(word, prefix);
      if (!found) return false;
    }
    return true;
  }

  // Every id reading each name finds, in (name, id) order.
  std::vector<uint64_t> Expected(const std::string& lead,
                                 const std::vector<std::string>& join) const {
    std::vector<std::string> all = join;
    all.push_back(lead);
    std::map<std::pair<std::string, uint64_t>, uint64_t> ordered;
    for (const auto& [id, name] : names_) {
      if (Matches(name, all)) ordered[{name, id}] = id;
    }
    std::vector<uint64_t> ids;
    for (const auto& [key, id] : ordered) ids.push_back(id);
    return ids;
  }

  // What the join finds, page by page (each page keeps its first `limit`
  // matches, as the store does); `pages` counts them.
  std::vector<uint64_t> Join(const std::string& lead,
                             const std::vector<std::string>& join, size_t limit,
                             size_t max_examined, int* pages = nullptr) {
    std::vector<std::string> all = join;
    std::vector<JoinWord> joins;
    for (const std::string& word : join) joins.push_back({base_, word});
    all.push_back(lead);
    std::vector<uint64_t> found;
    std::string cursor;
    int count = 0;
    do {
      std::vector<uint64_t> page;
      absl::StatusOr<std::string> next =
          JoinWordIndex(*db_, base_, lead, joins, cursor, limit, max_examined,
                        [&](absl::string_view key) -> absl::StatusOr<bool> {
                          const uint64_t id = *storage::TrailingUint64(key);
                          if (!Matches(names_.at(id), all)) return false;
                          page.push_back(id);
                          return true;
                        });
      EXPECT_THAT(next, IsOk());
      if (!next.ok() || ++count > 10000) break;
      if (page.size() > limit) page.resize(limit);
      found.insert(found.end(), page.begin(), page.end());
      cursor = *next;
    } while (!cursor.empty());
    if (pages != nullptr) *pages = count;
    return found;
  }

  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<storage::Database> db_;
  const std::string base_ = storage::KeyBuilder('W').Uint64(7).Release();
  std::map<uint64_t, std::string> names_;
};

TEST_F(WordJoinTest, FindsWhatReadingEveryNameFindsWhateverTheJoinWordsRarity) {
  uint64_t id = 1;
  // "srl" is rare; "studio" is in every third name; "gruppo" starts more
  // than kMaxJoinedWords index words with more than kMaxJoinedEntries
  // entries, so it is checked by `visit` rather than joined.
  for (int i = 0; i < 3000; ++i) {
    std::string name = absl::StrCat("rossi", i % 7, " gruppo", i % 40);
    if (i % 3 == 0) absl::StrAppend(&name, " studio");
    if (i % 97 == 0) absl::StrAppend(&name, " srl");
    Add(id++, name);
  }
  Add(id++, "bianchi srl");
  for (const auto& [lead, join] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"ross", {"srl"}},
           {"srl", {"ross"}},
           {"rossi3", {"studio", "srl"}},
           {"ross", {"gruppo1"}},
           {"ross", {"grup"}},
           {"bian", {"srl"}},
           {"ross", {"nobody"}},
       }) {
    SCOPED_TRACE(absl::StrCat(lead, " + ", absl::StrJoin(join, " ")));
    const std::vector<uint64_t> expected = Expected(lead, join);
    EXPECT_EQ(Join(lead, join, 1000, 1'000'000), expected);
    EXPECT_EQ(Join(lead, join, 7, 1'000'000), expected);
  }
}

TEST_F(WordJoinTest, ASmallBudgetGivesShortPagesThatStillAddUpToEverything) {
  for (uint64_t id = 1; id <= 500; ++id) {
    Add(id, absl::StrCat("rossi", id % 5, id % 50 == 0 ? " srl" : " spa"));
  }
  const std::vector<uint64_t> expected = Expected("ross", {"srl"});
  ASSERT_EQ(expected.size(), 10u);
  int pages = 0;
  EXPECT_EQ(Join("ross", {"srl"}, 1000, 3, &pages), expected);
  EXPECT_GT(pages, 1);
  // A join word no name has ends the walk at once, on one page.
  EXPECT_TRUE(Join("ross", {"zzz"}, 1000, 3, &pages).empty());
  EXPECT_EQ(pages, 1);
}

}  // namespace
}  // namespace clientbook::directory
