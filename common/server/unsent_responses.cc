#include "common/server/unsent_responses.h"

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
  if (unsent_ != nullptr) unsent_->Remove(caller_, bytes_);
  unsent_ = nullptr;
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
  absl::MutexLock lock(&mu_);
  bytes_.fetch_add(bytes, std::memory_order_relaxed);
  by_caller_[caller] += bytes;
  return Hold(this, caller, bytes);
}

void UnsentResponses::Remove(const std::string& caller, int64_t bytes) {
  absl::MutexLock lock(&mu_);
  bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  if (auto mine = by_caller_.find(caller); (mine->second -= bytes) == 0) {
    by_caller_.erase(mine);
  }
}

int64_t UnsentResponses::bytes() const { return bytes_.load(std::memory_order_relaxed); }

UnsentResponses::Refused UnsentResponses::refused() const {
  absl::MutexLock lock(&mu_);
  return refused_;
}

}  // namespace clientbook::server
