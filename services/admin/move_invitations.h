#ifndef CLIENTBOOK_SERVICES_ADMIN_MOVE_INVITATIONS_H_
#define CLIENTBOOK_SERVICES_ADMIN_MOVE_INVITATIONS_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "common/time/clock.h"

namespace clientbook::admin {

// When a deployment of one cell moves to several, accounts answers the
// invitation calls: the invitations still pending in the lone cell's
// directory (cell 0, its store in `directory_data`) move into accounts' store
// (`accounts_data`, made if new), each deleted from the directory once
// accounts holds it, both changes in their service's change log as
// `operator`'s. Both services stopped: RocksDB's lock refuses a store a
// service holds. Returns how many moved; run again after a failure, it moves
// the rest.
absl::StatusOr<size_t> MoveInvitations(const std::string& directory_data,
                                       const std::string& accounts_data,
                                       const std::string& operator_id,
                                       const Clock& clock);

}  // namespace clientbook::admin

#endif  // CLIENTBOOK_SERVICES_ADMIN_MOVE_INVITATIONS_H_
