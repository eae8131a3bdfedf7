#ifndef CLIENTBOOK_COMMON_SERVER_UNSENT_RESPONSES_H_
#define CLIENTBOOK_COMMON_SERVER_UNSENT_RESPONSES_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace clientbook::server {

struct UnsentLimits {
  // Bytes of answers (as sent) waiting for their callers to read them, in a
  // process and for one caller. An answer held takes about five times its
  // bytes in memory: gRPC keeps the message it was made from too.
  int64_t per_process = int64_t{64} << 20;
  int64_t per_caller = int64_t{16} << 20;
};

// Bounds the bytes of unary answers a process holds because their callers
// do not read them. gRPC keeps an answer until HTTP/2's flow control lets it
// out, and takes the next call of that connection meanwhile: a caller that
// never reads (a frozen process, a hostile one) piled up pages of 1,000
// clients in the directory from one connection, 373 of them and 308 MB in a
// second, and more from more connections (its pod has 1 GiB). Past a
// caller's bound its calls are refused RESOURCE_EXHAUSTED
// (UNSENT_RESPONSES_OF_CALLER); past the process's, every call is
// (UNSENT_RESPONSES), to retry after a second, until those answers are read
// or their connections close.
class UnsentResponses {
 public:
  // The bytes of one answer handed to gRPC, counted until destroyed (when
  // the call is done: sent, or its caller gone). Empty by default.
  class Hold {
   public:
    Hold() = default;
    Hold(Hold&& other) noexcept;
    Hold& operator=(Hold&& other) noexcept;
    ~Hold();

    int64_t bytes() const { return bytes_; }
    // Counts `bytes` instead, past the bounds if need be (a message is at
    // least one item, whatever the room).
    void Resize(int64_t bytes);

   private:
    friend class UnsentResponses;
    Hold(UnsentResponses* unsent, std::string caller, int64_t bytes)
        : unsent_(unsent), caller_(std::move(caller)), bytes_(bytes) {}
    void Release();

    UnsentResponses* unsent_ = nullptr;
    std::string caller_;
    int64_t bytes_ = 0;
  };

  explicit UnsentResponses(UnsentLimits limits) : limits_(limits) {}

  const UnsentLimits& limits() const { return limits_; }

  // OK when `caller` (a user id) may be answered now; RESOURCE_EXHAUSTED
  // past a bound.
  absl::Status Admit(const std::string& caller);
  // Counts an answer of `bytes` to `caller` until the hold is destroyed
  // (none for an empty answer).
  Hold Add(const std::string& caller, int64_t bytes);
  // The room `caller` and the process have left under their bounds, at
  // most `max_bytes` (none when either is full), counted until the hold is
  // destroyed: for a message made to fit it, which then Resize()s it to
  // what the message came to.
  Hold Reserve(const std::string& caller, int64_t max_bytes);
  // Bytes held now.
  int64_t bytes() const;
  // Calls refused so far, past the process's bound and past a caller's.
  struct Refused {
    int64_t process = 0;
    int64_t caller = 0;
  };
  Refused refused() const;

 private:
  // Adds `delta` (negative: takes it away) to what `caller` holds.
  void Count(const std::string& caller, int64_t delta);

  const UnsentLimits limits_;
  // Written under mu_; read without it by Admit(), which needs no lock
  // while every caller together holds less than one's bound.
  std::atomic<int64_t> bytes_ = 0;
  mutable absl::Mutex mu_;
  Refused refused_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int64_t> by_caller_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_UNSENT_RESPONSES_H_
