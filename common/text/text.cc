#include "common/text/text.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"

namespace clientbook::text {
namespace {

icu::UnicodeString FromUtf8(absl::string_view s) {
  return icu::UnicodeString::fromUTF8(
      icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

bool IsAscii(absl::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Calls `visit` with each code point of `s` (negative for a byte that is not
// valid UTF-8) while it returns true; whether it always did.
template <typename Visit>
bool EachCodePoint(absl::string_view s, Visit visit) {
  int32_t i = 0;
  const auto n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    if (!visit(c)) return false;
  }
  return true;
}

std::string ToUtf8(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}

// Unicode's identifier caseless match of `s` (NFKC_Casefold), left in
// UTF-16 for FoldForSearch's next step.
icu::UnicodeString IdentifierFolded(absl::string_view s) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(error);
  icu::UnicodeString u = FromUtf8(s);
  if (U_SUCCESS(error)) u = nfkc_cf->normalize(u, error);
  return u;
}

}  // namespace

bool IsValidUtf8(absl::string_view s) {
  return EachCodePoint(s, [](UChar32 c) { return c >= 0; });
}

bool IsPrintableAscii(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

std::string EscapeInvalidUtf8(absl::string_view s) {
  if (IsValidUtf8(s)) return std::string(s);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  int32_t i = 0;
  const auto n = static_cast<int32_t>(s.size());
  while (i < n) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0) {
      out.append(s.data() + start, static_cast<size_t>(i - start));
    } else {
      // Escape one byte and resynchronize on the next.
      const auto byte = static_cast<unsigned char>(s[start]);
      out += {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xF]};
      i = start + 1;
    }
  }
  return out;
}

size_t CharacterCount(absl::string_view s) {
  size_t count = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++count;  // not a continuation byte
  }
  return count;
}

std::string FirstCharacters(absl::string_view s, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80 && count++ == n) return std::string(s.substr(0, i));
  }
  return std::string(s);
}

std::string Trim(absl::string_view s) {
  icu::UnicodeString u = FromUtf8(s);
  int32_t begin = 0;
  int32_t end = u.length();
  while (begin < end && u_isUWhiteSpace(u.char32At(begin))) {
    begin = u.moveIndex32(begin, 1);
  }
  while (end > begin) {
    int32_t prev = u.moveIndex32(end, -1);
    if (!u_isUWhiteSpace(u.char32At(prev))) break;
    end = prev;
  }
  return ToUtf8(u.tempSubStringBetween(begin, end));
}

bool CanonicallyEqual(absl::string_view a, absl::string_view b) {
  if (a == b) return true;
  if (IsAscii(a) && IsAscii(b)) return false;
  return Composed(a) == Composed(b);
}

std::string Composed(absl::string_view s) {
  if (IsAscii(s)) return std::string(s);
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  if (U_FAILURE(error)) return std::string(s);
  const icu::UnicodeString composed = nfc->normalize(FromUtf8(s), error);
  return U_SUCCESS(error) ? ToUtf8(composed) : std::string(s);
}

std::string FoldCase(absl::string_view s) {
  if (IsAscii(s)) {
    return absl::AsciiStrToLower(s);
  }
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(error);
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  icu::UnicodeString u = FromUtf8(s);
  if (U_SUCCESS(error)) u = nfd->normalize(u, error);
  u.foldCase();
  if (U_SUCCESS(error)) u = nfc->normalize(u, error);
  return ToUtf8(u);
}

std::string FoldIdentifier(absl::string_view s) {
  if (IsAscii(s)) return absl::AsciiStrToLower(s);
  return ToUtf8(IdentifierFolded(s));
}

std::optional<char32_t> FirstControlCharacter(absl::string_view s) {
  std::optional<char32_t> control;
  EachCodePoint(s, [&](UChar32 c) {
    if (c < 0 || u_charType(c) != U_CONTROL_CHAR) return true;
    control = static_cast<char32_t>(c);
    return false;
  });
  return control;
}

bool HasVisibleCharacter(absl::string_view s) {
  const bool all_unseen = EachCodePoint(s, [](UChar32 c) {
    return c < 0 || u_isUWhiteSpace(c) || u_charType(c) == U_CONTROL_CHAR ||
           u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
  });
  return !all_unseen;
}

std::string FoldForSearch(absl::string_view s) {
  if (IsAscii(s)) return absl::AsciiStrToLower(s);
  const icu::UnicodeString folded = IdentifierFolded(s);
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(error);
  icu::UnicodeString decomposed;
  if (U_SUCCESS(error)) decomposed = nfd->normalize(folded, error);
  if (U_FAILURE(error)) return ToUtf8(folded);
  icu::UnicodeString stripped;
  for (int32_t i = 0; i < decomposed.length(); i = decomposed.moveIndex32(i, 1)) {
    UChar32 c = decomposed.char32At(i);
    if (u_charType(c) != U_NON_SPACING_MARK) stripped.append(c);
  }
  return ToUtf8(stripped);
}

std::vector<std::string> Words(absl::string_view folded) {
  std::vector<std::string> words;
  // Most names are ASCII, where ICU's letters and digits are [A-Za-z0-9]:
  // split them without converting (a search checks every hit's words).
  if (IsAscii(folded)) {
    size_t start = 0;
    for (size_t i = 0; i <= folded.size(); ++i) {
      if (i < folded.size() && absl::ascii_isalnum(folded[i])) continue;
      if (i > start) words.emplace_back(folded.substr(start, i - start));
      start = i + 1;
    }
    return words;
  }
  icu::UnicodeString u = FromUtf8(folded);
  icu::UnicodeString word;
  auto flush = [&] {
    if (!word.isEmpty()) words.push_back(ToUtf8(word));
    word.remove();
  };
  for (int32_t i = 0; i < u.length(); i = u.moveIndex32(i, 1)) {
    UChar32 c = u.char32At(i);
    if (u_isalnum(c)) {
      word.append(c);
    } else {
      flush();
    }
  }
  flush();
  return words;
}

bool DecodeBase64UrlStrict(absl::string_view encoded, std::string* bytes) {
  return absl::WebSafeBase64Unescape(encoded, bytes) &&
         absl::WebSafeBase64Escape(*bytes) == encoded;
}

}  // namespace clientbook::text
