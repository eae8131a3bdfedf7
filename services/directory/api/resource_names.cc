#include "services/directory/api/resource_names.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/errors.h"

namespace clientbook::directory {
namespace {

// Splits `name` into segments matching `pattern` ("firms/*/clients/*"),
// returning the wildcard segments.
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
  uint64_t id = 0;
  if (!absl::SimpleAtoi(segment, &id) || id == 0) {
    return errors::InvalidField(
        field, absl::StrCat("'", name, "' has '", segment,
                            "' where a number is expected"));
  }
  return id;
}

}  // namespace

absl::StatusOr<uint64_t> ParseFirmName(absl::string_view field, absl::string_view name) {
  auto parts = Match(field, name, "firms/*");
  if (!parts.ok()) return parts.status();
  return ParseId(field, name, (*parts)[0]);
}

// A name whose two wildcards are a firm id and a user id.
static absl::StatusOr<MemberRef> ParseFirmAndUser(absl::string_view field,
                                           absl::string_view name,
                                           absl::string_view pattern) {
  auto parts = Match(field, name, pattern);
  if (!parts.ok()) return parts.status();
  auto firm = ParseId(field, name, (*parts)[0]);
  if (!firm.ok()) return firm.status();
  return MemberRef{*firm, std::string((*parts)[1])};
}

absl::StatusOr<MemberRef> ParseMemberName(absl::string_view field,
                                          absl::string_view name) {
  return ParseFirmAndUser(field, name, "firms/*/members/*");
}

absl::StatusOr<ClientRef> ParseClientName(absl::string_view field,
                                          absl::string_view name) {
  auto parts = Match(field, name, "firms/*/clients/*");
  if (!parts.ok()) return parts.status();
  auto firm = ParseId(field, name, (*parts)[0]);
  if (!firm.ok()) return firm.status();
  auto company = ParseId(field, name, (*parts)[1]);
  if (!company.ok()) return company.status();
  return ClientRef{*firm, *company};
}

absl::StatusOr<MemberRef> ParseListViewName(absl::string_view field,
                                            absl::string_view name) {
  return ParseFirmAndUser(field, name, "firms/*/members/*/clientListView");
}

}  // namespace clientbook::directory
