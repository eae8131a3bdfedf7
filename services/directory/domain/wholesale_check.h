#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_WHOLESALE_CHECK_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_WHOLESALE_CHECK_H_

#include "absl/status/statusor.h"
#include "services/directory/domain/records.pb.h"

namespace clientbook::directory {

// Answers "is this client on the firm's wholesale billing?" before a
// permanent delete. An error (billing unreachable) must refuse the delete.
class WholesaleCheck {
 public:
  virtual ~WholesaleCheck() = default;
  virtual absl::StatusOr<bool> IsOnWholesale(const ClientRecord& client) = 0;
};

// Reads the client's own wholesale_billing flag: the source of truth until
// the billing service owns wholesale membership.
class ClientFlagWholesaleCheck final : public WholesaleCheck {
 public:
  absl::StatusOr<bool> IsOnWholesale(const ClientRecord& client) override {
    return client.wholesale_billing();
  }
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_WHOLESALE_CHECK_H_
