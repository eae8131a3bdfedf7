#include "services/directory/api/resource_names.h"

#include "common/names/resource_name.h"

namespace clientbook::directory {
namespace {

// A name whose two wildcards are a firm id and a user id.
absl::StatusOr<MemberRef> ParseFirmAndUser(absl::string_view field,
                                           absl::string_view name,
                                           absl::string_view pattern) {
  auto parts = names::Match(field, name, pattern);
  if (!parts.ok()) return parts.status();
  auto firm = names::ParseId(field, name, (*parts)[0]);
  if (!firm.ok()) return firm.status();
  return MemberRef{*firm, std::string((*parts)[1])};
}

}  // namespace

absl::StatusOr<uint64_t> ParseFirmName(absl::string_view field, absl::string_view name) {
  auto ids = names::MatchIds(field, name, "firms/*");
  if (!ids.ok()) return ids.status();
  return (*ids)[0];
}

absl::StatusOr<MemberRef> ParseMemberName(absl::string_view field,
                                          absl::string_view name) {
  return ParseFirmAndUser(field, name, "firms/*/members/*");
}

absl::StatusOr<ClientRef> ParseClientName(absl::string_view field,
                                          absl::string_view name) {
  auto ids = names::MatchIds(field, name, "firms/*/clients/*");
  if (!ids.ok()) return ids.status();
  return ClientRef{(*ids)[0], (*ids)[1]};
}

absl::StatusOr<MemberRef> ParseListViewName(absl::string_view field,
                                            absl::string_view name) {
  return ParseFirmAndUser(field, name, "firms/*/members/*/clientListView");
}

}  // namespace clientbook::directory
