#ifndef CLIENTBOOK_COMMON_SERVER_STREAM_SLOTS_H_
#define CLIENTBOOK_COMMON_SERVER_STREAM_SLOTS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace clientbook::server {

struct StreamLimits {
  // Streams open at once in a process, and for one caller.
  int per_process = 1000;
  int per_caller = 100;
};

// Bounds the streams a process, and one caller, hold open at once: exports,
// error reports, job watches and uploads (change watches have bounds of
// their own, --max_watchers). Each holds a thread, or an upload's bytes, for
// as long as its caller keeps it open: one caller opening them without end —
// never reading an export, never finishing an upload — would take the
// memory every firm is served from (2,000 uploads held open took the import
// service from 35 to 489 MB; its pod has 1 GiB). Past either bound a stream
// is refused RESOURCE_EXHAUSTED at once (TOO_MANY_STREAMS,
// TOO_MANY_STREAMS_OF_CALLER), to retry after a second.
class StreamSlots {
 public:
  // One open stream's place; given back when destroyed. Empty by default.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    ~Slot();

   private:
    friend class StreamSlots;
    Slot(StreamSlots* slots, std::string caller)
        : slots_(slots), caller_(std::move(caller)) {}
    void Release();

    StreamSlots* slots_ = nullptr;
    std::string caller_;
  };

  explicit StreamSlots(StreamLimits limits) : limits_(limits) {}

  // A place for a stream of `caller` (a user id), or RESOURCE_EXHAUSTED.
  absl::StatusOr<Slot> Take(const std::string& caller);
  // The refusal, counted as TOO_MANY_STREAMS, of a stream the system would
  // not start a thread for (the process's or its pod's limit on threads).
  absl::Status RefuseForWantOfThread();
  // Streams open now.
  int open() const;
  // Streams refused so far, past the process's bound and past a caller's.
  struct Refused {
    int64_t too_many = 0;
    int64_t too_many_of_caller = 0;
  };
  Refused refused() const;

 private:
  void Give(const std::string& caller);

  const StreamLimits limits_;
  mutable absl::Mutex mu_;
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  Refused refused_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> by_caller_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_STREAM_SLOTS_H_
