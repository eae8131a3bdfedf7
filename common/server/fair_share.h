#ifndef CLIENTBOOK_COMMON_SERVER_FAIR_SHARE_H_
#define CLIENTBOOK_COMMON_SERVER_FAIR_SHARE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace clientbook::server {

// What one call asks of the server: whose it is and how much work it is.
struct CallShare {
  // "firms/1001" for a call in a firm; "users/alice" for one that names
  // none (the caller's own firms, an invitation).
  std::string flow;
  // Work units: 1 for one resource, more for a page of many (see
  // call_share.h).
  int64_t cost = 1;
};

struct FairShareOptions {
  // Calls that run at once. While flows compete a call takes min(cost,
  // seats / 2) of them; a flow alone takes one a call.
  int seats = 16;
  // Calls one flow may have waiting; more are refused FIRM_OVER_CAPACITY.
  int queue_per_flow = 256;
  // Calls of all flows waiting.
  int queue_total = 10000;
  // Calls a second per flow, refused FIRM_RATE_LIMITED past it; 0: no limit.
  double rate_limit = 0;
  // Calls a flow may make at once above the rate (the bucket's size);
  // 0: one second's worth.
  double rate_burst = 0;
  // A flow counts as present this long after its last call ended: one
  // whose calls come back to back holds its place while between two.
  absl::Duration linger = absl::Seconds(1);
};

// One firm's flood never starves another firm: calls are admitted per flow
// (a firm), as Kubernetes' API Priority and Fairness admits them per flow.
//
// - Work-conserving: a flow alone may take every seat.
// - Headroom: while another flow is present, no one flow holds more than
//   three quarters of the seats, so a quiet firm's call finds a seat free
//   instead of waiting for a flood's long calls to end.
// - Deficit round-robin by cost: when calls wait, each waiting flow in turn
//   is given a quantum of work units and runs its calls while they fit, so a
//   page of 1,000 uses the turns of 167 reads and big pages buy no more
//   than a fair share.
// - Bounded: a flow with queue_per_flow calls waiting is refused at once
//   (RESOURCE_EXHAUSTED, FIRM_OVER_CAPACITY, with RetryInfo saying when its
//   queue will have drained at its pace), never left to time out.
class FairShare {
  struct Flow;

 public:
  // A call's hold on its seats; given back (and the next waiting call
  // started) when destroyed.
  class Seat {
   public:
    Seat() = default;
    Seat(Seat&& other) noexcept;
    Seat& operator=(Seat&& other) noexcept;
    ~Seat();
    explicit operator bool() const { return share_ != nullptr; }
    // Whether more of its flow's calls were waiting behind it when it was
    // seated, while another flow was present: a flood's call.
    bool backlogged() const { return backlogged_; }

   private:
    friend class FairShare;
    Seat(FairShare* share, Flow* flow, int width, int64_t cost, absl::Time since,
         bool backlogged = false)
        : share_(share),
          flow_(flow),
          width_(width),
          cost_(cost),
          since_(since),
          backlogged_(backlogged) {}
    FairShare* share_ = nullptr;
    Flow* flow_ = nullptr;
    int width_ = 0;
    int64_t cost_ = 1;
    absl::Time since_;
    bool backlogged_ = false;
  };

  // A call that waits for a seat.
  struct Waiter {
    // Runs the call holding its seat; called through the executor.
    std::function<void(Seat)> start;
    // True once its caller has gone (cancelled, past its deadline): it
    // leaves the queue unrun and `drop` answers it.
    std::function<bool()> abandoned;
    std::function<void()> drop;
  };
  // Runs a started waiter elsewhere (the frame's blocking pool): never on
  // the thread that gave a seat back, which may be gRPC's own.
  using Executor = std::function<void(std::function<void()>)>;

  // `clock` is real time, even under a fake service clock: it paces rates.
  FairShare(FairShareOptions options, Executor executor, const Clock& clock);
  ~FairShare();

  FairShare(const FairShare&) = delete;
  FairShare& operator=(const FairShare&) = delete;

  // Admits one call: a seat to run it now on this thread; std::nullopt when
  // it waits (the Waiter `wait` makes, only then, starts it later); or
  // RESOURCE_EXHAUSTED.
  absl::StatusOr<std::optional<Seat>> Enter(const CallShare& share,
                                            absl::FunctionRef<Waiter()> wait);

  // A seat for a chunk of a stream's bulk work (a SNAPSHOT's batch), waited
  // for on this thread as a call of its cost would wait, and held until
  // destroyed: a flood of them takes its flow's share of the server, no
  // more, and another flow's calls go first. CANCELLED once `abandoned`
  // says its caller left while it waited; RESOURCE_EXHAUSTED as Enter when
  // the flow's queue is full, never for its rate limit: the stream was let
  // in as one call, and a refusal half way would cut it.
  absl::StatusOr<Seat> AwaitSeat(const CallShare& share, std::function<bool()> abandoned);

  // What an operator looks at to find the noisy firm.
  struct FlowLoad {
    std::string flow;
    int running = 0;  // seats held
    int queued = 0;
    int64_t refused = 0;            // since the flow was last absent
    absl::Duration queue_wait_p99;  // over its last 128 calls that waited
  };
  struct Load {
    int seats = 0;
    int seats_in_use = 0;
    int queued = 0;
    int64_t refused_over_capacity = 0;
    int64_t refused_rate_limited = 0;
    std::vector<FlowLoad> busiest;  // by seats held plus calls waiting
  };
  Load Report(size_t top);

 private:
  struct Queued {
    Waiter waiter;
    int64_t cost = 1;
    absl::Time since;
  };
  // Work to start once the lock is released.
  using Ready = std::vector<std::function<void()>>;

  // Enter, taking a token of the flow's rate limit when `rated`.
  absl::StatusOr<std::optional<Seat>> Admit(const CallShare& share,
                                            absl::FunctionRef<Waiter()> wait, bool rated);
  // Seats a call of `cost` takes now.
  int WidthOf(int64_t cost) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The most seats one flow may hold now.
  int SeatsOneFlowMayHold() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Fits(const Flow& flow, int width) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Flow& FlowNamed(const std::string& name, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether one flow at most is present (the one calling): it may take
  // every seat, one a call.
  bool Alone() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return flows_.size() <= 1; }
  // The tokens in the flow's bucket at `now` (full if never drawn on).
  double TokensAt(const Flow& flow, absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes a token from the flow's bucket, or says how long until one.
  std::optional<absl::Duration> TakeToken(Flow& flow, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Duration DrainTime(const Flow& flow) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts waiting calls while seats are free, in deficit round-robin.
  void Dispatch(absl::Time now, Ready& ready) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release(Flow* flow, int width, int64_t cost, absl::Time since);
  // Forgets flows absent for longer than the linger.
  void Prune(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run(Ready& ready);

  const FairShareOptions options_;
  const Executor executor_;
  const Clock& clock_;
  const int headroom_;
  const int max_width_;
  // The rate limit's bucket size.
  const double burst_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Flow>> flows_ ABSL_GUARDED_BY(mu_);
  // Flows with calls waiting, in turn.
  std::deque<Flow*> turns_ ABSL_GUARDED_BY(mu_);
  int free_seats_ ABSL_GUARDED_BY(mu_);
  int queued_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t refused_over_capacity_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t refused_rate_limited_ ABSL_GUARDED_BY(mu_) = 0;
  // How long a work unit holds a seat, on average lately.
  double seconds_per_unit_ ABSL_GUARDED_BY(mu_) = 0.0001;
  absl::Time last_prune_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_FAIR_SHARE_H_
