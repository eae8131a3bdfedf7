#ifndef CLIENTBOOK_COMMON_TEXT_TEXT_H_
#define CLIENTBOOK_COMMON_TEXT_TEXT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace clientbook::text {

bool IsValidUtf8(absl::string_view s);

// Only ASCII from '!' to '~': no blanks, control characters or non-ASCII.
bool IsPrintableAscii(absl::string_view s);

// Bytes from a file, shown where text must be UTF-8: `s` itself when it is
// valid UTF-8; else every byte that is not part of valid UTF-8 written as
// \xNN, and each backslash doubled so the result reads back unambiguously.
std::string EscapeInvalidUtf8(absl::string_view s);

// Number of Unicode code points; the unit of every "N characters" limit.
// Expects valid UTF-8.
size_t CharacterCount(absl::string_view s);

// The first `n` code points of UTF-8 `s` (all of it when it has no more).
std::string FirstCharacters(absl::string_view s, size_t n);

// Strips surrounding Unicode white space.
std::string Trim(absl::string_view s);

// Whether UTF-8 `a` and `b` are the same text by Unicode's canonical
// equivalence: "Società" with one "à" or with "a" and a combining accent
// (as a Mac's files often carry it). Case and width count.
bool CanonicallyEqual(absl::string_view a, absl::string_view b);

// The one spelling of `s` that every canonically equal text has (NFC), to
// key a map by: CanonicallyEqual(a, b) is Composed(a) == Composed(b).
std::string Composed(absl::string_view s);

// Unicode's canonical caseless key (full case folding of the canonically
// decomposed text, composed again): "Straße" and "STRASSE" fold alike, and
// so do "É" typed as one character or as "E" and a combining accent (as a
// Mac's files often carry it). Used where case must not matter but accents
// must (email addresses, a file's headers).
std::string FoldCase(absl::string_view s);

// Unicode's identifier caseless key (NFKC_Casefold, its definition D147):
// as FoldCase, and width and compatibility forms fold too ("Ａ-１" is
// "a-1"), and invisible format characters go ("A-1" with a zero-width
// space inside is "a-1"); accents stay. Used for identifiers people type
// (client numbers).
std::string FoldIdentifier(absl::string_view s);

// The first control character (Unicode's Cc: U+0000 to U+001F, U+007F to
// U+009F) in UTF-8 `s`, if any.
std::optional<char32_t> FirstControlCharacter(absl::string_view s);

// Whether UTF-8 `s` shows anything: a character that is not white space, a
// control or an invisible format character (a zero-width space, a bidi mark).
bool HasVisibleCharacter(absl::string_view s);

// Search folding: FoldIdentifier's (case, full width, ligatures and other
// compatibility forms; invisible characters such as a soft hyphen go) plus
// accent removal, so "societa" matches "Società" and "rossi" a full-width
// "Ｒｏｓｓｉ". Used for name and note search.
std::string FoldForSearch(absl::string_view s);

// The words of a folded text: runs of letters and digits.
std::vector<std::string> Words(absl::string_view folded);

// Unpadded base64url (RFC 4648 §5) decoded into `bytes`, true only for the
// one spelling that encodes them: a decoder that ignored the last
// character's spare bits would take an edited token or signature as intact.
bool DecodeBase64UrlStrict(absl::string_view encoded, std::string* bytes);

}  // namespace clientbook::text

#endif  // CLIENTBOOK_COMMON_TEXT_TEXT_H_
