#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_NAMES_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_NAMES_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/directory/domain/records.pb.h"

// Resource names as callers see them, for messages and responses.
namespace clientbook::directory {

inline std::string FirmName(uint64_t firm) { return absl::StrCat("firms/", firm); }
inline std::string MemberName(uint64_t firm, absl::string_view user) {
  return absl::StrCat("firms/", firm, "/members/", user);
}
inline std::string ClientName(uint64_t firm, uint64_t company) {
  return absl::StrCat("firms/", firm, "/clients/", company);
}
inline std::string ListViewName(uint64_t firm, absl::string_view user) {
  return absl::StrCat(MemberName(firm, user), "/clientListView");
}
// A client as messages name it: 'Display Name' (firms/1/clients/2).
inline std::string DescribeClient(const ClientRecord& c) {
  return absl::StrCat("'", c.display_name(), "' (", ClientName(c.firm_id(), c.company_id()),
                      ")");
}
inline std::string InvitationName(uint64_t id) {
  return absl::StrCat("invitations/", id);
}

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_NAMES_H_
