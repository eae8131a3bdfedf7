#ifndef CLIENTBOOK_SERVICES_BILLING_DOMAIN_DIRECTORY_PORT_H_
#define CLIENTBOOK_SERVICES_BILLING_DOMAIN_DIRECTORY_PORT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/caller.h"

namespace clientbook::billing {

// What billing asks the directory service. Billing keeps no copy of firms,
// members or clients: the directory answers every time, on behalf of the
// caller, so billing never grants what the directory would refuse.
class DirectoryPort {
 public:
  virtual ~DirectoryPort() = default;

  // PERMISSION_DENIED unless `caller` is a member of the firm.
  virtual absl::Status CheckMember(const auth::Caller& caller, uint64_t firm_id) = 0;

  // The user id of the client company's primary admin, read on behalf of
  // `caller`: NOT_FOUND if the firm has no such client, PERMISSION_DENIED if
  // the caller may not read it (only the firm's members and that admin
  // may), UNAVAILABLE if the directory does not answer.
  virtual absl::StatusOr<std::string> ClientPrimaryAdmin(const auth::Caller& caller,
                                                         uint64_t firm_id,
                                                         uint64_t company_id) = 0;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_DOMAIN_DIRECTORY_PORT_H_
