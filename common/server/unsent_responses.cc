#include "common/server/unsent_responses.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace clientbook::server {

// A caller that reads again takes its answers in moments.
constexpr absl::Duration kRetryDelay = absl::Seconds(1);

UnsentResponses::Hold::Hold(Hold&& other) noexcept
    : unsent_(other.unsent_), caller_(std::move(other.caller_)), bytes_(other.bytes_) {
  other.unsent_ = nullptr;
}

UnsentResponses::Hold& UnsentResponses::Hold::operator=(Hold&& other) noexcept {
  if (this != &other) {
    Release();
    unsent_ = other.unsent_;
    caller_ = std::move(other.caller_);
    bytes_ = other.bytes_;
    other.unsent_ = nullptr;
  }
  return *this;
}

UnsentResponses::Hold::~Hold() { Release(); }

void UnsentResponses::Hold::Release() {
  if (unsent_ != nullptr) unsent_->Count(caller_, -bytes_);
  unsent_ = nullptr;
}

void UnsentResponses::Hold::Resize(int64_t bytes) {
  if (unsent_ == nullptr) return;  // an empty hold counts nothing
  unsent_->Count(caller_, bytes - bytes_);
  bytes_ = bytes;
}

absl::Status UnsentResponses::Admit(const std::string& caller) {
  if (const int64_t held = bytes_.load(std::memory_order_relaxed);
      held < limits_.per_caller && held < limits_.per_process) {
    return absl::OkStatus();
  }
  absl::MutexLock lock(&mu_);
  if (const int64_t held = bytes_.load(std::memory_order_relaxed);
      held >= limits_.per_process) {
    ++refused_.process;
    return errors::QuotaExhausted(
        "UNSENT_RESPONSES", "service",
        absl::StrCat("this server holds ", held,
                     " bytes of answers their callers have not read "
                     "(--max_unsent_response_mib)"),
        kRetryDelay);
  }
  const auto mine = by_caller_.find(caller);
  if (mine != by_caller_.end() && mine->second >= limits_.per_caller) {
    ++refused_.caller;
    return errors::QuotaExhausted(
        "UNSENT_RESPONSES_OF_CALLER", absl::StrCat("users/", caller),
        absl::StrCat("this server holds ", mine->second,
                     " bytes of this caller's answers that it has not read "
                     "(--max_unsent_response_mib_per_caller): read them first"),
        kRetryDelay);
  }
  return absl::OkStatus();
}

UnsentResponses::Hold UnsentResponses::Add(const std::string& caller, int64_t bytes) {
  if (bytes <= 0) return Hold();
  Count(caller, bytes);
  return Hold(this, caller, bytes);
}

UnsentResponses::Hold UnsentResponses::Reserve(const std::string& caller,
                                               int64_t max_bytes) {
  absl::MutexLock lock(&mu_);
  const auto mine = by_caller_.find(caller);
  const int64_t of_caller = mine == by_caller_.end() ? 0 : mine->second;
  const int64_t room =
      std::clamp(std::min(limits_.per_caller - of_caller,
                          limits_.per_process - bytes_.load(std::memory_order_relaxed)),
                 int64_t{0}, max_bytes);
  if (room > 0) {
    bytes_.fetch_add(room, std::memory_order_relaxed);
    by_caller_[caller] += room;
  }
  return Hold(this, caller, room);
}

void UnsentResponses::Count(const std::string& caller, int64_t delta) {
  if (delta == 0) return;
  absl::MutexLock lock(&mu_);
  bytes_.fetch_add(delta, std::memory_order_relaxed);
  if (auto [mine, added] = by_caller_.try_emplace(caller, 0);
      (mine->second += delta) == 0) {
    by_caller_.erase(mine);
  }
}

int64_t UnsentResponses::bytes() const { return bytes_.load(std::memory_order_relaxed); }

UnsentResponses::Refused UnsentResponses::refused() const {
  absl::MutexLock lock(&mu_);
  return refused_;
}

}  // namespace clientbook::server
