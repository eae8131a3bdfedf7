#ifndef CLIENTBOOK_SERVICES_DIRECTORY_API_RESOURCE_NAMES_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_API_RESOURCE_NAMES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Parsing of resource names from requests. Each failure is INVALID_ARGUMENT
// naming `field` and the expected pattern.
namespace clientbook::directory {

struct MemberRef {
  uint64_t firm_id;
  std::string user_id;
};
struct ClientRef {
  uint64_t firm_id;
  uint64_t company_id;
};

absl::StatusOr<uint64_t> ParseFirmName(absl::string_view field, absl::string_view name);
absl::StatusOr<MemberRef> ParseMemberName(absl::string_view field,
                                          absl::string_view name);
absl::StatusOr<ClientRef> ParseClientName(absl::string_view field,
                                          absl::string_view name);
// firms/{firm}/members/{user}/clientListView
absl::StatusOr<MemberRef> ParseListViewName(absl::string_view field,
                                            absl::string_view name);

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_API_RESOURCE_NAMES_H_
