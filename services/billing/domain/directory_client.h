#ifndef CLIENTBOOK_SERVICES_BILLING_DOMAIN_DIRECTORY_CLIENT_H_
#define CLIENTBOOK_SERVICES_BILLING_DOMAIN_DIRECTORY_CLIENT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace clientbook::billing {

// How a caller relates to a client of a firm, as the directory knows it.
struct ClientAccess {
  bool firm_member = false;
  bool client_primary_admin = false;
};

// What billing asks the directory service. Billing keeps no copy of firms,
// members or clients: the directory answers every time, on behalf of the
// caller, so billing never grants what the directory would refuse.
class DirectoryClient {
 public:
  virtual ~DirectoryClient() = default;

  // PERMISSION_DENIED unless `caller` is a member of the firm.
  virtual absl::Status CheckMember(absl::string_view caller, uint64_t firm_id) = 0;

  // NOT_FOUND if the firm has no such client; PERMISSION_DENIED if the
  // caller is neither a firm member nor the client's primary admin;
  // UNAVAILABLE if the directory does not answer.
  virtual absl::StatusOr<ClientAccess> AccessToClient(absl::string_view caller,
                                                      uint64_t firm_id,
                                                      uint64_t company_id) = 0;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_DOMAIN_DIRECTORY_CLIENT_H_
