#ifndef CLIENTBOOK_COMMON_RULES_TEXT_FIELDS_H_
#define CLIENTBOOK_COMMON_RULES_TEXT_FIELDS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/status/errors.h"

// The text fields more than one service checks the same way: names people
// type, email addresses and client numbers.
namespace clientbook::rules {

inline constexpr size_t kMaxDisplayNameCharacters = 200;
// RFC 5321's longest address.
inline constexpr size_t kMaxEmailBytes = 254;

// Checks that `value` is UTF-8 of at most `max_characters` characters.
std::optional<errors::FieldViolation> CheckText(absl::string_view field,
                                                absl::string_view value,
                                                size_t max_characters);

// As CheckText, and one line of text: no control character (a line break,
// a tab, NUL).
std::optional<errors::FieldViolation> CheckLine(absl::string_view field,
                                                absl::string_view value,
                                                size_t max_characters);

// Checks a required one-line text: something visible (white space,
// controls and invisible characters alone are nothing), one line, at most
// `max_characters`.
std::optional<errors::FieldViolation> CheckRequiredLine(absl::string_view field,
                                                        absl::string_view value,
                                                        size_t max_characters);

// Checks a required display name (CheckRequiredLine, at most 200 characters).
std::optional<errors::FieldViolation> CheckDisplayName(absl::string_view field,
                                                       absl::string_view name);

// Checks an email address: empty only when optional; one '@', no blanks.
std::optional<errors::FieldViolation> CheckEmail(absl::string_view field,
                                                 absl::string_view email, bool required);

// Emails compare ignoring case.
std::string EmailKey(absl::string_view email);

// What two client numbers must differ in to coexist in a firm: trimmed and
// folded as identifiers (text::FoldIdentifier), so "a-17 " and "A-17"
// collide, and so do "É-17" typed either way and "Ａ-１７" in full width.
std::string ClientNumberKey(absl::string_view number);

}  // namespace clientbook::rules

#endif  // CLIENTBOOK_COMMON_RULES_TEXT_FIELDS_H_
