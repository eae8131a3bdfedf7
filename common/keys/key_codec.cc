#include "common/keys/key_codec.h"

namespace clientbook::storage {
namespace {

constexpr char kEscape = '\x00';
constexpr char kEscapedZero = '\xFF';
constexpr char kTerminator = '\x01';

void AppendEscaped(std::string& out, absl::string_view s) {
  for (char c : s) {
    out.push_back(c);
    if (c == kEscape) out.push_back(kEscapedZero);
  }
}

}  // namespace

KeyBuilder& KeyBuilder::Uint64(uint64_t v) {
  key_ += EncodeUint64(v);
  return *this;
}

KeyBuilder& KeyBuilder::String(absl::string_view s) {
  AppendEscaped(key_, s);
  key_.push_back(kEscape);
  key_.push_back(kTerminator);
  return *this;
}

KeyBuilder& KeyBuilder::StringPrefix(absl::string_view prefix) {
  AppendEscaped(key_, prefix);
  return *this;
}

std::optional<char> KeyReader::Byte() {
  if (rest_.empty()) return std::nullopt;
  char t = rest_.front();
  rest_.remove_prefix(1);
  return t;
}

std::optional<uint64_t> KeyReader::Uint64() {
  if (rest_.size() < 8) return std::nullopt;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(rest_[i]);
  rest_.remove_prefix(8);
  return v;
}

std::optional<std::string> KeyReader::String() {
  std::string out;
  for (size_t i = 0; i < rest_.size(); ++i) {
    if (rest_[i] != kEscape) {
      out.push_back(rest_[i]);
      continue;
    }
    if (i + 1 >= rest_.size()) return std::nullopt;
    if (rest_[i + 1] == kEscapedZero) {
      out.push_back(kEscape);
      ++i;
    } else if (rest_[i + 1] == kTerminator) {
      rest_.remove_prefix(i + 2);
      return out;
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string EncodeUint64(uint64_t v) {
  std::string out;
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
  }
  return out;
}

std::optional<uint64_t> DecodeUint64(absl::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  return KeyReader(bytes).Uint64();
}

std::optional<uint64_t> TrailingUint64(absl::string_view key) {
  if (key.size() < 8) return std::nullopt;
  return DecodeUint64(key.substr(key.size() - 8));
}

std::string PrefixSuccessor(absl::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    auto last = static_cast<unsigned char>(s.back());
    if (last != 0xFF) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

}  // namespace clientbook::storage
