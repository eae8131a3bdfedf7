#include "common/rules/ids.h"

#include "absl/strings/str_cat.h"
#include "common/rules/shared_limits.h"
#include "common/text/text.h"

namespace clientbook::rules {

std::optional<errors::FieldViolation> CheckId(absl::string_view field,
                                              absl::string_view id, bool required) {
  if (id.empty()) {
    if (!required) return std::nullopt;
    return errors::FieldViolation{std::string(field), "is required"};
  }
  if (id.size() > limits::kMaxIdBytes) {
    return errors::FieldViolation{
        std::string(field),
        absl::StrCat("is longer than ", limits::kMaxIdBytes, " bytes")};
  }
  if (!text::IsPrintableAscii(id) || id.find('/') != absl::string_view::npos) {
    return errors::FieldViolation{
        std::string(field), "may hold only printable ASCII characters other than '/'"};
  }
  return std::nullopt;
}

}  // namespace clientbook::rules
