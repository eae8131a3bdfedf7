#ifndef CLIENTBOOK_COMMON_CHANGES_SHARED_BATCHES_H_
#define CLIENTBOOK_COMMON_CHANGES_SHARED_BATCHES_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/caller.h"
#include "grpcpp/support/slice.h"

namespace clientbook::changes {

// What a watch sends from one place in the log, made once for every watch
// of the same view there (README: Change feed).
struct SharedBatch {
  // The response's events and resume token; sent only when `events` > 0.
  grpc::Slice response;
  int events = 0;
  // The sequence after the records the batch passed, and the commit time
  // of the last of them.
  uint64_t next = 0;
  int64_t last_commit_us = 0;
  // More records were waiting when it was read: the watch is catching up.
  bool full = false;
};

// Who watches what: the caller's identity (what ChangeReaders::MayRead may
// look at), the parent and the filter, each length-prefixed so no two
// views share a key.
std::string WatchView(const auth::Caller& caller, absl::string_view parent,
                      absl::string_view filter);

// The batches watches sent lately, by view and the sequence they start at.
// Watches of one view at the live tail reach each place in the log about
// together: the first reads, filters and encodes the batch there while the
// others wait for it, and all send it, so a hundred watchers of one busy
// firm cost one read and one encoding a batch, not a hundred. A kept batch
// stays right: the records it covers never change, and each watch still
// checks its caller's right to read before it sends. Oldest first out
// beyond `max_bytes`.
class SharedBatches {
 public:
  using Batch = std::shared_ptr<const SharedBatch>;

  explicit SharedBatches(size_t max_bytes) : max_bytes_(max_bytes) {}

  // The batch of `view` from `from`: the one kept, the one another watch is
  // making (waited for), or `make`'s. Nothing is kept of a `make` that
  // fails or finds nothing (nullptr); who waited for it gets nullptr.
  absl::StatusOr<Batch> Get(const std::string& view, uint64_t from,
                            const std::function<absl::StatusOr<Batch>()>& make);

 private:
  using Key = std::pair<std::string, uint64_t>;
  struct Slot {
    bool made = false;
    Batch batch;
  };

  const size_t max_bytes_;
  absl::Mutex mu_;
  absl::flat_hash_map<Key, std::shared_ptr<Slot>> slots_ ABSL_GUARDED_BY(mu_);
  // The made ones, oldest first.
  std::deque<Key> kept_order_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_SHARED_BATCHES_H_
