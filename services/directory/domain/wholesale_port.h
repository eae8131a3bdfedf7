#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_WHOLESALE_PORT_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_WHOLESALE_PORT_H_

#include "absl/status/statusor.h"
#include "common/auth/caller.h"
#include "services/directory/domain/records.pb.h"

namespace clientbook::directory {

// Answers "is this client on the firm's wholesale billing?" before a
// permanent delete or a merge, and "has it a subscription?" before a merge,
// asked on behalf of `caller`. The billing service owns the answers; an
// error (billing unreachable) must refuse the change.
class WholesaleCheck {
 public:
  virtual ~WholesaleCheck() = default;
  virtual absl::StatusOr<bool> IsOnWholesale(const auth::Caller& caller,
                                             const ClientRecord& client) = 0;
  virtual absl::StatusOr<bool> HasSubscription(const auth::Caller& caller,
                                               const ClientRecord& client) = 0;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_WHOLESALE_PORT_H_
