#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_REMOVALS_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_REMOVALS_H_

#include <cstdint>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/caller.h"
#include "common/names/names.h"

namespace clientbook::directory {

// The clients a delete or a merge is removing, from before it asks billing
// whether the client may go until its write is done. Billing changes a
// subscription only after checking its client again under the
// subscription's lock (Caller::for_change), and billing answers the removal
// under that lock too: so a check that comes after the question is refused
// here, and a change that was checked before it is what the answer reads.
// Nothing changes billing between its answer and the removal. In memory: a
// removal lives within one call of this process, and a restart ends it.
class ClientRemovals {
 public:
  // A removal in progress; it ends when this goes.
  class Hold {
   public:
    Hold(ClientRemovals& removals, names::ClientName client);
    ~Hold();
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;

   private:
    ClientRemovals& removals_;
    const names::ClientName client_;
  };

  // ABORTED when `caller` checks `client` for a change while it is being
  // removed; OK otherwise.
  absl::Status CheckNotRemoving(const auth::Caller& caller,
                                const names::ClientName& client) const;

 private:
  using Key = std::pair<uint64_t, uint64_t>;

  mutable absl::Mutex mu_;
  // How many removals of each client are in progress.
  absl::flat_hash_map<Key, int> removing_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_REMOVALS_H_
