#include "common/names/resource_name.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/rules/shared_limits.h"
#include "common/status/errors.h"
#include "common/text/text.h"

namespace clientbook::names {

absl::StatusOr<std::vector<absl::string_view>> Match(absl::string_view field,
                                                     absl::string_view name,
                                                     absl::string_view pattern) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  std::vector<absl::string_view> expected = absl::StrSplit(pattern, '/');
  std::vector<absl::string_view> captured;
  bool ok = parts.size() == expected.size();
  for (size_t i = 0; ok && i < parts.size(); ++i) {
    if (expected[i] == "*") {
      ok = !parts[i].empty();
      captured.push_back(parts[i]);
    } else {
      ok = parts[i] == expected[i];
    }
  }
  if (!ok) {
    return errors::InvalidField(
        field, absl::StrCat(name.empty() ? "is required" : "is not a valid name",
                            ": expected ", pattern));
  }
  return captured;
}

absl::StatusOr<uint64_t> ParseId(absl::string_view field, absl::string_view name,
                                 absl::string_view segment) {
  // One spelling per id: digits only, no sign, blanks or leading zeros, so
  // "clients/01003" and "clients/+1003" are not a second name of 1003.
  const bool canonical = !segment.empty() && segment.size() <= 20 && segment[0] != '0' &&
                         std::all_of(segment.begin(), segment.end(),
                                     [](char c) { return c >= '0' && c <= '9'; });
  uint64_t id = 0;
  if (!canonical || !absl::SimpleAtoi(segment, &id)) {
    return errors::InvalidField(field, absl::StrCat("'", name, "' has '", segment,
                                                    "' where a number is expected"));
  }
  return id;
}

absl::StatusOr<std::string> ParseUserId(absl::string_view field, absl::string_view name,
                                        absl::string_view segment) {
  if (segment.size() > limits::kMaxIdBytes || !text::IsPrintableAscii(segment)) {
    return errors::InvalidField(field, absl::StrCat("'", name, "' has '", segment,
                                                    "' where a user id is expected"));
  }
  return std::string(segment);
}

absl::StatusOr<std::vector<uint64_t>> MatchIds(absl::string_view field,
                                               absl::string_view name,
                                               absl::string_view pattern) {
  absl::StatusOr<std::vector<absl::string_view>> parts = Match(field, name, pattern);
  if (!parts.ok()) return parts.status();
  std::vector<uint64_t> ids;
  for (absl::string_view part : *parts) {
    absl::StatusOr<uint64_t> id = ParseId(field, name, part);
    if (!id.ok()) return id.status();
    ids.push_back(*id);
  }
  return ids;
}

}  // namespace clientbook::names
