#ifndef CLIENTBOOK_COMMON_TIME_CLOCK_H_
#define CLIENTBOOK_COMMON_TIME_CLOCK_H_

#include <chrono>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace clientbook {

// Where every rule reads the time from, so tests move time without sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// Time that only moves forward, for measuring intervals, not for telling
// the time of day: a wall clock stepped back (NTP at a node's boot) would
// stretch every interval measured across the step by as much.
class SteadyClock final : public Clock {
 public:
  absl::Time Now() const override {
    return absl::UnixEpoch() +
           absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
  }
};

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  // Advances by `d` unless the clock would then read later than `latest`
  // (checked and moved at once, so racing callers cannot pass it together);
  // the time it moved to, or nullopt (unmoved).
  std::optional<absl::Time> AdvanceNoLaterThan(absl::Duration d, absl::Time latest) {
    absl::MutexLock lock(&mu_);
    if (now_ + d > latest) return std::nullopt;
    now_ += d;
    return now_;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook

#endif  // CLIENTBOOK_COMMON_TIME_CLOCK_H_
