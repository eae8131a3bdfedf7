#ifndef CLIENTBOOK_COMMON_RULES_TEXT_FIELDS_H_
#define CLIENTBOOK_COMMON_RULES_TEXT_FIELDS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/status/errors.h"

// The text fields more than one service checks the same way: names people
// type and email addresses.
namespace clientbook::rules {

inline constexpr size_t kMaxDisplayNameCharacters = 200;
// RFC 5321's longest address.
inline constexpr size_t kMaxEmailBytes = 254;

// Checks that `value` is UTF-8 of at most `max_characters` characters.
std::optional<errors::FieldViolation> CheckText(absl::string_view field,
                                                absl::string_view value,
                                                size_t max_characters);

// Checks a required display name (trimmed, 1 to 200 characters).
std::optional<errors::FieldViolation> CheckDisplayName(absl::string_view field,
                                                       absl::string_view name);

// Checks an email address: empty only when optional; one '@', no blanks.
std::optional<errors::FieldViolation> CheckEmail(absl::string_view field,
                                                 absl::string_view email, bool required);

// Emails compare ignoring case.
std::string EmailKey(absl::string_view email);

}  // namespace clientbook::rules

#endif  // CLIENTBOOK_COMMON_RULES_TEXT_FIELDS_H_
