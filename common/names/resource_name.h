#ifndef CLIENTBOOK_COMMON_NAMES_RESOURCE_NAME_H_
#define CLIENTBOOK_COMMON_NAMES_RESOURCE_NAME_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Parsing AIP resource names from requests (names.h has the typed names
// built on these). Failures are INVALID_ARGUMENT
// naming `field` and the expected pattern.
namespace clientbook::names {

// The segments of `name` standing where `pattern` ("firms/*/clients/*") has
// '*'; each must be non-empty.
absl::StatusOr<std::vector<absl::string_view>> Match(absl::string_view field,
                                                     absl::string_view name,
                                                     absl::string_view pattern);

// Like Match, for patterns whose every '*' is a positive number (an id).
absl::StatusOr<std::vector<uint64_t>> MatchIds(absl::string_view field,
                                               absl::string_view name,
                                               absl::string_view pattern);

// A positive number taken from `segment` of `name`, in its one spelling.
absl::StatusOr<uint64_t> ParseId(absl::string_view field, absl::string_view name,
                                 absl::string_view segment);

// A user id taken from `segment` of `name`: 1 to 128 printable ASCII
// characters (the rule of x-user-id), so "bruno " is not a second "bruno".
absl::StatusOr<std::string> ParseUserId(absl::string_view field, absl::string_view name,
                                        absl::string_view segment);

}  // namespace clientbook::names

#endif  // CLIENTBOOK_COMMON_NAMES_RESOURCE_NAME_H_
