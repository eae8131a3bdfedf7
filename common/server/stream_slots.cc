#include "common/server/stream_slots.h"

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace clientbook::server {

// Streams end in seconds when their callers read: soon there is room.
constexpr absl::Duration kRetryDelay = absl::Seconds(1);

StreamSlots::Slot::Slot(Slot&& other) noexcept
    : slots_(other.slots_), caller_(std::move(other.caller_)) {
  other.slots_ = nullptr;
}

StreamSlots::Slot& StreamSlots::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Release();
    slots_ = other.slots_;
    caller_ = std::move(other.caller_);
    other.slots_ = nullptr;
  }
  return *this;
}

StreamSlots::Slot::~Slot() { Release(); }

void StreamSlots::Slot::Release() {
  if (slots_ != nullptr) slots_->Give(caller_);
  slots_ = nullptr;
}

absl::StatusOr<StreamSlots::Slot> StreamSlots::Take(const std::string& caller) {
  absl::MutexLock lock(&mu_);
  const auto mine = by_caller_.find(caller);
  const int held = mine == by_caller_.end() ? 0 : mine->second;
  if (open_ >= limits_.per_process) {
    ++refused_.too_many;
    return errors::QuotaExhausted(
        "TOO_MANY_STREAMS", "service",
        absl::StrCat("this server already has ", open_,
                     " exports, reports, job watches and uploads open (--max_streams)"),
        kRetryDelay);
  }
  if (held >= limits_.per_caller) {
    ++refused_.too_many_of_caller;
    return errors::QuotaExhausted(
        "TOO_MANY_STREAMS_OF_CALLER", absl::StrCat("users/", caller),
        absl::StrCat("this caller already has ", held,
                     " exports, reports, job watches and uploads open "
                     "(--max_streams_per_caller): finish or cancel one"),
        kRetryDelay);
  }
  ++open_;
  ++by_caller_[caller];
  return Slot(this, caller);
}

absl::Status StreamSlots::RefuseForWantOfThread() {
  absl::MutexLock lock(&mu_);
  ++refused_.too_many;
  return errors::QuotaExhausted(
      "TOO_MANY_STREAMS", "service",
      "this server cannot start another stream now: the system refused it a thread",
      kRetryDelay);
}

void StreamSlots::Give(const std::string& caller) {
  absl::MutexLock lock(&mu_);
  --open_;
  if (auto mine = by_caller_.find(caller); --mine->second == 0) by_caller_.erase(mine);
}

int StreamSlots::open() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

StreamSlots::Refused StreamSlots::refused() const {
  absl::MutexLock lock(&mu_);
  return refused_;
}

}  // namespace clientbook::server
