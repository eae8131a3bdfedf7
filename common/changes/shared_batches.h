#ifndef CLIENTBOOK_COMMON_CHANGES_SHARED_BATCHES_H_
#define CLIENTBOOK_COMMON_CHANGES_SHARED_BATCHES_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
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
// Watches of one view at the live tail follow each other a gather window
// apart: the first to reach a place in the log reads, filters and encodes
// its batch, and the others send that batch, so a hundred watchers of one
// busy firm cost one read and one encoding a batch, not a hundred. A kept
// batch stays right: the records it covers never change, and each watch
// still checks its caller's right to read before it sends. Oldest first
// out beyond `max_bytes`.
class SharedBatches {
 public:
  explicit SharedBatches(size_t max_bytes) : max_bytes_(max_bytes) {}

  std::shared_ptr<const SharedBatch> Find(const std::string& view, uint64_t from) const;
  // Keeps `batch` unless the view has one from `from` already.
  void Keep(const std::string& view, uint64_t from,
            std::shared_ptr<const SharedBatch> batch);

 private:
  using Key = std::pair<std::string, uint64_t>;

  const size_t max_bytes_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<Key, std::shared_ptr<const SharedBatch>> batches_
      ABSL_GUARDED_BY(mu_);
  std::deque<Key> kept_order_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_SHARED_BATCHES_H_
