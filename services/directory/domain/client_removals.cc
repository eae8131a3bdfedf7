#include "services/directory/domain/client_removals.h"

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace clientbook::directory {

ClientRemovals::Hold::Hold(ClientRemovals& removals, names::ClientName client)
    : removals_(removals), client_(client) {
  absl::MutexLock lock(&removals_.mu_);
  ++removals_.removing_[{client_.firm_id, client_.company_id}];
}

ClientRemovals::Hold::~Hold() {
  absl::MutexLock lock(&removals_.mu_);
  auto it = removals_.removing_.find({client_.firm_id, client_.company_id});
  if (--it->second == 0) removals_.removing_.erase(it);
}

absl::Status ClientRemovals::CheckNotRemoving(const auth::Caller& caller,
                                              const names::ClientName& client) const {
  if (!caller.for_change) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  if (!removing_.contains({client.firm_id, client.company_id})) return absl::OkStatus();
  return errors::WithReason(
      absl::StatusCode::kAborted, "CLIENT_BEING_REMOVED",
      absl::StrCat("client ", client.ToString(),
                   " is being deleted or merged right now; try again: it is then "
                   "either gone or as before"));
}

}  // namespace clientbook::directory
