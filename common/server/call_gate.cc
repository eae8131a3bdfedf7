#include "common/server/call_gate.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace clientbook::server {

CallGate::Ticket& CallGate::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    if (gate_ != nullptr) gate_->Leave();
    gate_ = other.gate_;
    other.gate_ = nullptr;
  }
  return *this;
}

CallGate::Ticket::~Ticket() {
  if (gate_ != nullptr) gate_->Leave();
}

CallGate::Ticket CallGate::Enter() {
  absl::MutexLock lock(&mu_);
  last_arrival_ = absl::Now();
  if (closed_) return Ticket();
  ++in_flight_;
  return Ticket(this);
}

void CallGate::HoldOrRefuse(std::function<void()> refuse) {
  {
    absl::MutexLock lock(&mu_);
    if (!refusing_) {
      held_.push_back(std::move(refuse));
      return;
    }
  }
  refuse();
}

void CallGate::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

void CallGate::RefuseHeld() {
  std::vector<std::function<void()>> held;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    refusing_ = true;
    held.swap(held_);
  }
  for (auto& refuse : held) refuse();
}

int64_t CallGate::AwaitIdle(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
  mu_.AwaitWithDeadline(absl::Condition(&idle), deadline);
  return in_flight_;
}

void CallGate::AwaitQuiet(absl::Duration quiet, absl::Time deadline) {
  while (true) {
    absl::Time quiet_from;
    {
      absl::MutexLock lock(&mu_);
      quiet_from = last_arrival_ + quiet;
    }
    const absl::Time until = std::min(quiet_from, deadline);
    if (until <= absl::Now()) return;
    absl::SleepFor(until - absl::Now());
  }
}

int64_t CallGate::InFlight() {
  absl::MutexLock lock(&mu_);
  return in_flight_;
}

bool CallGate::Closed() {
  absl::MutexLock lock(&mu_);
  return closed_;
}

void CallGate::Leave() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

}  // namespace clientbook::server
