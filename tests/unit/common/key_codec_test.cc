#include "common/keys/key_codec.h"

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"

namespace clientbook::storage {
namespace {

std::string Key(const std::string& s, uint64_t n) {
  return KeyBuilder('t').String(s).Uint64(n).Release();
}

TEST(KeyCodecTest, EncodedOrderIsTheOrderOfTheParts) {
  const std::vector<std::pair<std::string, uint64_t>> sorted = {
      {"", 5},   {std::string("a\0", 2), 0},   {"a", 1}, {"a", 256},
      {"ab", 0}, {std::string("ab\0c", 4), 0}, {"b", 0}, {"\xff", 0}};
  std::vector<std::pair<std::string, uint64_t>> parts = sorted;
  std::sort(parts.begin(), parts.end());
  std::vector<std::string> keys;
  for (const auto& [s, n] : parts) keys.push_back(Key(s, n));
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

TEST(KeyCodecTest, ReadsBackWhatWasWritten) {
  const std::string embedded("x\0y", 3);
  std::string key =
      KeyBuilder('c').Uint64(42).String(embedded).Byte('z').String("").Release();
  KeyReader r(key);
  EXPECT_EQ(r.Table(), 'c');
  EXPECT_EQ(r.Uint64(), 42u);
  EXPECT_EQ(r.String(), embedded);
  EXPECT_EQ(r.Byte(), 'z');
  EXPECT_EQ(r.String(), "");
  EXPECT_FALSE(r.Byte().has_value());  // nothing left
}

TEST(KeyCodecTest, TruncatedKeysReadAsMissing) {
  std::string key = KeyBuilder('c').String("abc").Release();
  EXPECT_FALSE(KeyReader(key.substr(0, 3)).Uint64().has_value());
  const std::string truncated = key.substr(0, key.size() - 1);
  KeyReader r(truncated);
  r.Table();
  EXPECT_FALSE(r.String().has_value());
}

TEST(KeyCodecTest, StringPrefixCoversEveryLongerString) {
  std::string prefix = KeyBuilder('w').StringPrefix("ros").Release();
  for (const char* s : {"ros", "rossi", "rosé"}) {
    EXPECT_EQ(KeyBuilder('w').String(s).Release().rfind(prefix, 0), 0u) << s;
  }
  EXPECT_NE(KeyBuilder('w').String("ro").Release().rfind(prefix, 0), 0u);
}

TEST(KeyCodecTest, PrefixSuccessorBoundsTheRange) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor("\xff\xff"), "");
}

}  // namespace
}  // namespace clientbook::storage
