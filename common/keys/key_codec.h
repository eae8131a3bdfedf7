#ifndef CLIENTBOOK_COMMON_KEYS_KEY_CODEC_H_
#define CLIENTBOOK_COMMON_KEYS_KEY_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace clientbook::storage {

// Builds RocksDB keys whose byte order is the order of their parts: numbers
// are 8 bytes big-endian, strings are escaped (0x00 -> 0x00 0xFF) and end in
// 0x00 0x01, so "ab" < "ab\0" < "abc" holds for the encoded keys too. A key
// starts with a one-byte table tag, then (for firm data) the firm id, so a
// firm's rows of one table form one contiguous range.
class KeyBuilder {
 public:
  explicit KeyBuilder(char table) { key_.push_back(table); }
  // Continues a key built earlier.
  static KeyBuilder Extend(std::string key) {
    KeyBuilder builder('\0');
    builder.key_ = std::move(key);
    return builder;
  }

  KeyBuilder& Byte(char b) {
    key_.push_back(b);
    return *this;
  }
  KeyBuilder& Uint64(uint64_t v);
  KeyBuilder& String(absl::string_view s);
  // Appends raw bytes without a terminator: for prefix seeks on a string
  // part (a prefix of String(s) for every s starting with `prefix`).
  KeyBuilder& StringPrefix(absl::string_view prefix);

  const std::string& key() const { return key_; }
  std::string Release() { return std::move(key_); }

 private:
  std::string key_;
};

// Reads back what KeyBuilder wrote, part by part.
class KeyReader {
 public:
  explicit KeyReader(absl::string_view key) : rest_(key) {}

  std::optional<char> Table() { return Byte(); }
  std::optional<char> Byte();
  std::optional<uint64_t> Uint64();
  std::optional<std::string> String();
  // What is left to read.
  absl::string_view rest() const { return rest_; }

 private:
  absl::string_view rest_;
};

// A number alone as 8 big-endian bytes, for values (ids, hashes) stored
// outside a key; DecodeUint64 reads it back (nullopt if not 8 bytes).
std::string EncodeUint64(uint64_t v);
std::optional<uint64_t> DecodeUint64(absl::string_view bytes);

// The 8-byte number a key ends in (index keys end in the id they point
// to), or nullopt if the key is shorter.
std::optional<uint64_t> TrailingUint64(absl::string_view key);

// The smallest key greater than every key starting with `prefix`, or "" if
// none exists (all 0xFF). Used as an iterate_upper_bound.
std::string PrefixSuccessor(absl::string_view prefix);

}  // namespace clientbook::storage

#endif  // CLIENTBOOK_COMMON_KEYS_KEY_CODEC_H_
