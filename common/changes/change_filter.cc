#include "common/changes/change_filter.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clientbook/v1/changes.pb.h"
#include "common/status/errors.h"

namespace clientbook::changes {
namespace {

constexpr char kSyntax[] =
    "use terms joined by AND: resource_type = \"clientbook.v1.Client\", name = "
    "\"firms/1/clients/2\" or \"firms/1/clients/*\", type = DELETED";

// A term's value without its quotes; "" when it is not a value.
std::string ValueOf(absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
    if (absl::StrContains(value, '"')) return "";
  } else if (absl::StrContains(value, ' ') || absl::StrContains(value, '"')) {
    return "";
  }
  return std::string(value);
}

}  // namespace

absl::StatusOr<ChangeFilter> ChangeFilter::Parse(absl::string_view field,
                                                 absl::string_view filter) {
  ChangeFilter parsed;
  if (absl::StripAsciiWhitespace(filter).empty()) return parsed;
  for (absl::string_view term : absl::StrSplit(filter, " AND ")) {
    std::vector<absl::string_view> sides = absl::StrSplit(term, absl::MaxSplits('=', 1));
    const std::string value = sides.size() == 2 ? ValueOf(sides[1]) : "";
    if (value.empty()) {
      return errors::InvalidField(field, absl::StrCat("cannot read '", term, "': ", kSyntax));
    }
    const absl::string_view key = absl::StripAsciiWhitespace(sides[0]);
    std::string* slot = key == "resource_type" ? &parsed.resource_type
                        : key == "name"        ? &parsed.name
                        : key == "type"        ? &parsed.type
                                               : nullptr;
    if (slot == nullptr) {
      return errors::InvalidField(
          field, absl::StrCat("cannot filter on '", key, "': ", kSyntax));
    }
    if (!slot->empty()) {
      return errors::InvalidField(field, absl::StrCat("'", key, "' is given twice"));
    }
    *slot = value;
  }
  if (!parsed.type.empty() &&
      v1::ChangeEvent::Type_descriptor()->FindValueByName(parsed.type) == nullptr) {
    return errors::InvalidField(field,
                                absl::StrCat("'", parsed.type, "' is not a change type"));
  }
  if (absl::EndsWith(parsed.name, "*")) {
    parsed.name.pop_back();
    parsed.name_is_prefix = true;
  }
  return parsed;
}

bool ChangeFilter::Matches(const ChangeRecord& record) const {
  if (!resource_type.empty() && record.resource_type() != resource_type) return false;
  if (!type.empty() && record.type() != type) return false;
  if (name_is_prefix) return absl::StartsWith(record.name(), name);
  return name.empty() || record.name() == name;
}

}  // namespace clientbook::changes
