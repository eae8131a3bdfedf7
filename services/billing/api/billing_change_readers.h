#ifndef CLIENTBOOK_SERVICES_BILLING_API_BILLING_CHANGE_READERS_H_
#define CLIENTBOOK_SERVICES_BILLING_API_BILLING_CHANGE_READERS_H_

#include "common/changes/change_service.h"
#include "services/billing/domain/directory_port.h"

namespace clientbook::billing {

// Who reads billing's changes: the members of the subscription's firm, as
// the directory says (asked at every batch, so a member removed there stops
// reading here too), who read all of it and its audit, as every member lists
// subscriptions; and how a stored subscription looks in the API, as it
// stood when it changed.
class BillingChangeReaders final : public changes::ChangeReaders {
 public:
  explicit BillingChangeReaders(DirectoryPort& directory) : directory_(directory) {}

  absl::Status CheckFirmReader(const auth::Caller& caller, uint64_t firm_id) override;
  absl::Status ToResource(const changes::ChangeRecord& record, absl::string_view stored,
                          v1::Resource& out) const override;

 private:
  DirectoryPort& directory_;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_API_BILLING_CHANGE_READERS_H_
