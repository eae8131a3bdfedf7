#include "common/rules/text_fields.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/text/text.h"

namespace clientbook::rules {
namespace {

errors::FieldViolation Violation(absl::string_view field, std::string message) {
  return {std::string(field), std::move(message)};
}

}  // namespace

std::optional<errors::FieldViolation> CheckText(absl::string_view field,
                                                absl::string_view value,
                                                size_t max_characters) {
  if (!text::IsValidUtf8(value)) return Violation(field, "is not valid UTF-8");
  size_t length = text::CharacterCount(value);
  if (length > max_characters) {
    return Violation(field, absl::StrCat("has ", length, " characters; at most ",
                                         max_characters, " are allowed"));
  }
  return std::nullopt;
}

std::optional<errors::FieldViolation> CheckLine(absl::string_view field,
                                                absl::string_view value,
                                                size_t max_characters) {
  if (auto violation = CheckText(field, value, max_characters)) return violation;
  if (std::optional<char32_t> control = text::FirstControlCharacter(value)) {
    return Violation(field,
                     absl::StrFormat("has a control character (U+%04X): it is one line "
                                     "of printable text",
                                     static_cast<uint32_t>(*control)));
  }
  return std::nullopt;
}

std::optional<errors::FieldViolation> CheckRequiredLine(absl::string_view field,
                                                        absl::string_view value,
                                                        size_t max_characters) {
  if (text::IsValidUtf8(value) && !text::HasVisibleCharacter(value)) {
    return Violation(field, "is required");
  }
  return CheckLine(field, value, max_characters);
}

std::optional<errors::FieldViolation> CheckDisplayName(absl::string_view field,
                                                       absl::string_view name) {
  return CheckRequiredLine(field, name, kMaxDisplayNameCharacters);
}

std::optional<errors::FieldViolation> CheckEmail(absl::string_view field,
                                                 absl::string_view email, bool required) {
  if (email.empty()) {
    if (required) return Violation(field, "is required");
    return std::nullopt;
  }
  if (email.size() > kMaxEmailBytes) {
    return Violation(field, absl::StrCat("is longer than ", kMaxEmailBytes, " bytes"));
  }
  size_t at = email.find('@');
  bool well_formed = at != absl::string_view::npos && at > 0 && at + 1 < email.size() &&
                     email.find('@', at + 1) == absl::string_view::npos;
  // A space, or a control character (a tab, a line break, NUL), is in no
  // address.
  if (absl::StrContains(email, ' ') || text::FirstControlCharacter(email).has_value()) {
    well_formed = false;
  }
  if (!well_formed || !text::IsValidUtf8(email)) {
    return Violation(field, absl::StrCat("'", email, "' is not an email address"));
  }
  return std::nullopt;
}

std::string EmailKey(absl::string_view email) { return text::FoldCase(email); }

std::string ClientNumberKey(absl::string_view number) {
  return text::FoldIdentifier(text::Trim(number));
}

}  // namespace clientbook::rules
