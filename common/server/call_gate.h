#ifndef CLIENTBOOK_COMMON_SERVER_CALL_GATE_H_
#define CLIENTBOOK_COMMON_SERVER_CALL_GATE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace clientbook::server {

// Counts the calls a service has begun and not ended, and closes at the end
// of a drain. A call that comes after it closed is held, then refused once
// the gRPC server has begun its own shutdown (RefuseHeld): by then the
// server has sent its GOAWAY, so the caller's next call goes to another
// connection instead of reaching a server that has stopped taking calls,
// which ends it CANCELLED (gRPC issue 41785). UNAVAILABLE is retried by
// every retry policy; CANCELLED by none.
class CallGate {
 public:
  // One admitted call; ends it when destroyed. Empty when the gate refused.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket();
    explicit operator bool() const { return gate_ != nullptr; }

   private:
    friend class CallGate;
    explicit Ticket(CallGate* gate) : gate_(gate) {}
    CallGate* gate_ = nullptr;
  };

  // A ticket for a new call, or an empty one once Close() was called.
  Ticket Enter();
  // For a call Enter() refused: runs `refuse` once RefuseHeld() has been
  // called (at once if it has).
  void HoldOrRefuse(std::function<void()> refuse);
  // From now on Enter() refuses.
  void Close();
  // Runs the held refusals, and every later one at once.
  void RefuseHeld();
  // Waits until every admitted call has ended or `deadline` passes; returns
  // how many were still running.
  int64_t AwaitIdle(absl::Time deadline);
  // Waits until no call has come for `quiet`, or `deadline` passes: calls
  // the gRPC server has received but not yet handed to a handler, which its
  // shutdown would end CANCELLED, reach the gate and are held.
  void AwaitQuiet(absl::Duration quiet, absl::Time deadline);
  // Calls admitted and not yet ended.
  int64_t InFlight();
  // Whether Close() was called: long calls (a watch) end themselves.
  bool Closed();

 private:
  void Leave();

  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool refusing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_arrival_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::vector<std::function<void()>> held_ ABSL_GUARDED_BY(mu_);
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_CALL_GATE_H_
