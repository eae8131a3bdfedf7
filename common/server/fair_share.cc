#include "common/server/fair_share.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/errors.h"

namespace clientbook::server {
namespace {

// Work units a waiting flow is given each turn: a page of 1,000 (cost 167)
// waits 21 turns, a read runs eight to a turn.
constexpr int64_t kQuantum = 8;
// No call weighs more (125 turns). The turns are counted under the lock that
// admits every call, so a weight no real call has (a page_size of 2^31 once
// weighed 358 million units) would hold up the whole service while it is
// counted out.
constexpr int64_t kMaxCost = 1000;
// The waits a flow's p99 is taken over.
constexpr size_t kWaitSamples = 128;
// A refusal's retry delay stays within these: soon enough to be worth a
// retry, late enough not to come straight back into a full queue.
constexpr absl::Duration kMinRetryDelay = absl::Milliseconds(10);
constexpr absl::Duration kMaxRetryDelay = absl::Seconds(30);

}  // namespace

struct FairShare::Flow {
  std::string name;
  std::deque<Queued> queue;
  int64_t queued_cost = 0;
  int running = 0;  // seats held
  int64_t deficit = 0;
  bool in_turns = false;
  bool turn_open = false;
  absl::Time last_seen;
  // The rate limit's bucket.
  double tokens = 0;
  absl::Time refilled = absl::InfinitePast();
  int64_t refused = 0;
  std::array<absl::Duration, kWaitSamples> waits{};
  size_t waits_seen = 0;
};

FairShare::Seat::Seat(Seat&& other) noexcept
    : share_(other.share_),
      flow_(other.flow_),
      width_(other.width_),
      cost_(other.cost_),
      since_(other.since_),
      backlogged_(other.backlogged_) {
  other.share_ = nullptr;
}

FairShare::Seat& FairShare::Seat::operator=(Seat&& other) noexcept {
  if (this != &other) {
    if (share_ != nullptr) share_->Release(flow_, width_, cost_, since_);
    share_ = other.share_;
    flow_ = other.flow_;
    width_ = other.width_;
    cost_ = other.cost_;
    since_ = other.since_;
    backlogged_ = other.backlogged_;
    other.share_ = nullptr;
  }
  return *this;
}

FairShare::Seat::~Seat() {
  if (share_ != nullptr) share_->Release(flow_, width_, cost_, since_);
}

FairShare::FairShare(FairShareOptions options, Executor executor, const Clock& clock)
    : options_(std::move(options)),
      executor_(std::move(executor)),
      clock_(clock),
      headroom_(options_.seats / 4),
      max_width_(std::max(1, options_.seats / 2)),
      burst_(options_.rate_burst > 0 ? options_.rate_burst
                                     : std::max(1.0, options_.rate_limit)),
      free_seats_(options_.seats) {}

FairShare::~FairShare() = default;

int FairShare::WidthOf(int64_t cost) const {
  // A flow alone takes one seat a call, however heavy: with nobody to
  // share with, nothing is held back.
  if (Alone()) return 1;
  return static_cast<int>(std::clamp<int64_t>(cost, 1, max_width_));
}

int FairShare::SeatsOneFlowMayHold() const {
  return Alone() ? options_.seats : options_.seats - headroom_;
}

bool FairShare::Fits(const Flow& flow, int width) const {
  return width <= free_seats_ &&
         (flow.running == 0 || flow.running + width <= SeatsOneFlowMayHold());
}

FairShare::Flow& FairShare::FlowNamed(const std::string& name, absl::Time now) {
  std::unique_ptr<Flow>& flow = flows_[name];
  if (flow == nullptr) {
    flow = std::make_unique<Flow>();
    flow->name = name;
    flow->last_seen = now;
  }
  return *flow;
}

double FairShare::TokensAt(const Flow& flow, absl::Time now) const {
  if (flow.refilled == absl::InfinitePast()) return burst_;
  return std::min(burst_, flow.tokens + options_.rate_limit *
                                            absl::ToDoubleSeconds(now - flow.refilled));
}

std::optional<absl::Duration> FairShare::TakeToken(Flow& flow, absl::Time now) {
  flow.tokens = TokensAt(flow, now);
  flow.refilled = now;
  if (flow.tokens >= 1) {
    flow.tokens -= 1;
    return std::nullopt;
  }
  return absl::Seconds((1 - flow.tokens) / options_.rate_limit);
}

absl::Duration FairShare::DrainTime(const Flow& flow) const {
  const double seconds = static_cast<double>(flow.queued_cost) * seconds_per_unit_ /
                         std::max(1, flow.running);
  return std::clamp(absl::Seconds(seconds), kMinRetryDelay, kMaxRetryDelay);
}

absl::StatusOr<std::optional<FairShare::Seat>> FairShare::Enter(
    const CallShare& share, absl::FunctionRef<Waiter()> wait) {
  return Admit(share, wait, /*rated=*/true);
}

absl::StatusOr<std::optional<FairShare::Seat>> FairShare::Admit(
    const CallShare& share, absl::FunctionRef<Waiter()> wait, bool rated) {
  const absl::Time now = clock_.Now();
  Ready ready;
  {
    absl::MutexLock lock(&mu_);
    if (now - last_prune_ >= options_.linger) Prune(now);
    Flow& flow = FlowNamed(share.flow, now);
    flow.last_seen = now;
    if (options_.rate_limit > 0 && rated) {
      if (std::optional<absl::Duration> wait = TakeToken(flow, now)) {
        ++flow.refused;
        ++refused_rate_limited_;
        return errors::QuotaExhausted(
            "FIRM_RATE_LIMITED", flow.name,
            absl::StrFormat("%s is over its rate limit of %g calls a second; retry "
                            "after the delay in RetryInfo",
                            flow.name, options_.rate_limit),
            std::max(*wait, kMinRetryDelay));
      }
    }
    const int64_t cost = std::clamp<int64_t>(share.cost, 1, kMaxCost);
    const int width = WidthOf(cost);
    if (flow.queue.empty() && Fits(flow, width)) {
      flow.running += width;
      free_seats_ -= width;
      return std::optional<Seat>(Seat(this, &flow, width, cost, now));
    }
    if (flow.queue.size() >= static_cast<size_t>(options_.queue_per_flow) ||
        queued_ >= options_.queue_total) {
      ++flow.refused;
      ++refused_over_capacity_;
      return errors::QuotaExhausted(
          "FIRM_OVER_CAPACITY", flow.name,
          absl::StrCat(flow.name, " has ", flow.queue.size(),
                       " calls waiting for the server, as many as it may; retry after "
                       "the delay in RetryInfo, when they will have run"),
          DrainTime(flow));
    }
    flow.queue.push_back(Queued{.waiter = wait(), .cost = cost, .since = now});
    flow.queued_cost += flow.queue.back().cost;
    ++queued_;
    if (!flow.in_turns) {
      flow.in_turns = true;
      turns_.push_back(&flow);
    }
    Dispatch(now, ready);
  }
  Run(ready);
  return std::optional<Seat>();
}

absl::StatusOr<FairShare::Seat> FairShare::AwaitSeat(const CallShare& share,
                                                     std::function<bool()> abandoned) {
  // Where the seat is handed over, from the thread that freed it.
  struct Handoff {
    absl::Mutex mu;
    std::optional<Seat> seat ABSL_GUARDED_BY(mu);
    bool dropped ABSL_GUARDED_BY(mu) = false;
  };
  auto handoff = std::make_shared<Handoff>();
  absl::StatusOr<std::optional<Seat>> entered = Admit(
      share,
      [&abandoned, &handoff] {
        return Waiter{.start =
                          [handoff](Seat seat) {
                            absl::MutexLock lock(&handoff->mu);
                            handoff->seat = std::move(seat);
                          },
                      .abandoned = std::move(abandoned),
                      .drop =
                          [handoff] {
                            absl::MutexLock lock(&handoff->mu);
                            handoff->dropped = true;
                          }};
      },
      /*rated=*/false);
  if (!entered.ok()) return entered.status();
  if (entered->has_value()) return std::move(**entered);
  absl::MutexLock lock(&handoff->mu);
  auto handed = [&handoff]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(handoff->mu) {
    return handoff->seat.has_value() || handoff->dropped;
  };
  handoff->mu.Await(absl::Condition(&handed));
  if (handoff->dropped) {
    return absl::CancelledError("the caller left while waiting for its firm's share");
  }
  return std::move(*handoff->seat);
}

void FairShare::Dispatch(absl::Time now, Ready& ready) {
  size_t passed = 0;  // flows in a row that could not start a call
  while (free_seats_ > 0 && !turns_.empty() && passed < turns_.size()) {
    Flow* flow = turns_.front();
    auto end_turn = [this, flow]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      flow->turn_open = false;
      turns_.pop_front();
      turns_.push_back(flow);
    };
    while (!flow->queue.empty() && flow->queue.front().waiter.abandoned()) {
      ready.push_back(std::move(flow->queue.front().waiter.drop));
      flow->queued_cost -= flow->queue.front().cost;
      flow->queue.pop_front();
      --queued_;
    }
    if (flow->queue.empty()) {
      flow->in_turns = false;
      flow->turn_open = false;
      flow->deficit = 0;
      turns_.pop_front();
      continue;
    }
    Queued& next = flow->queue.front();
    const int width = WidthOf(next.cost);
    if (!Fits(*flow, width)) {
      end_turn();
      ++passed;
      continue;
    }
    if (!flow->turn_open) {
      flow->deficit += kQuantum;
      flow->turn_open = true;
    }
    passed = 0;
    if (flow->deficit < next.cost) {
      end_turn();
      continue;
    }
    flow->deficit -= next.cost;
    flow->running += width;
    free_seats_ -= width;
    flow->waits[flow->waits_seen++ % kWaitSamples] = now - next.since;
    auto seat = std::make_shared<Seat>(
        Seat(this, flow, width, next.cost, now, flow->queue.size() > 1 && !Alone()));
    ready.push_back(
        [start = std::move(next.waiter.start), seat]() { start(std::move(*seat)); });
    flow->queued_cost -= next.cost;
    flow->queue.pop_front();
    --queued_;
  }
}

void FairShare::Release(Flow* flow, int width, int64_t cost, absl::Time since) {
  const absl::Time now = clock_.Now();
  Ready ready;
  {
    absl::MutexLock lock(&mu_);
    flow->running -= width;
    free_seats_ += width;
    flow->last_seen = now;
    const double sample = absl::ToDoubleSeconds(now - since) / cost;
    seconds_per_unit_ += 0.05 * (sample - seconds_per_unit_);
    Dispatch(now, ready);
  }
  Run(ready);
}

void FairShare::Run(Ready& ready) {
  for (std::function<void()>& start : ready) executor_(std::move(start));
}

void FairShare::Prune(absl::Time now) {
  last_prune_ = now;
  absl::erase_if(flows_, [&](const auto& entry) {
    const Flow& flow = *entry.second;
    if (flow.running > 0 || !flow.queue.empty() ||
        now - flow.last_seen < options_.linger) {
      return false;
    }
    // A bucket not yet full again still holds what the flow may do.
    return options_.rate_limit <= 0 || TokensAt(flow, now) >= burst_;
  });
}

FairShare::Load FairShare::Report(size_t top) {
  absl::MutexLock lock(&mu_);
  Load load{.seats = options_.seats,
            .seats_in_use = options_.seats - free_seats_,
            .queued = queued_,
            .refused_over_capacity = refused_over_capacity_,
            .refused_rate_limited = refused_rate_limited_};
  std::vector<const Flow*> flows;
  for (const auto& [name, flow] : flows_) {
    if (flow->running > 0 || !flow->queue.empty() || flow->refused > 0) {
      flows.push_back(flow.get());
    }
  }
  auto weight = [](const Flow* f) {
    return std::make_pair(f->running + static_cast<int64_t>(f->queue.size()), f->refused);
  };
  const size_t shown = std::min(top, flows.size());
  std::partial_sort(flows.begin(), flows.begin() + shown, flows.end(),
                    [&](const Flow* a, const Flow* b) { return weight(a) > weight(b); });
  for (size_t i = 0; i < shown; ++i) {
    const Flow& flow = *flows[i];
    std::vector<absl::Duration> waits(
        flow.waits.begin(), flow.waits.begin() + std::min(flow.waits_seen, kWaitSamples));
    absl::Duration p99;
    if (!waits.empty()) {
      const size_t at = (waits.size() * 99) / 100;
      std::nth_element(waits.begin(), waits.begin() + at, waits.end());
      p99 = waits[at];
    }
    load.busiest.push_back(FlowLoad{.flow = flow.name,
                                    .running = flow.running,
                                    .queued = static_cast<int>(flow.queue.size()),
                                    .refused = flow.refused,
                                    .queue_wait_p99 = p99});
  }
  return load;
}

}  // namespace clientbook::server
