#ifndef CLIENTBOOK_COMMON_RULES_IDS_H_
#define CLIENTBOOK_COMMON_RULES_IDS_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "common/status/errors.h"

namespace clientbook::rules {

// Checks a user id or request id: up to 128 printable ASCII characters
// (limits::kMaxIdBytes), no '/', so it fits in a resource name. Empty is
// "is required" when `required`, else fine.
std::optional<errors::FieldViolation> CheckId(absl::string_view field,
                                              absl::string_view id, bool required);

}  // namespace clientbook::rules

#endif  // CLIENTBOOK_COMMON_RULES_IDS_H_
