#ifndef CLIENTBOOK_TESTS_SUPPORT_AWAIT_STATUS_H_
#define CLIENTBOOK_TESTS_SUPPORT_AWAIT_STATUS_H_

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace clientbook::testing {

// Makes `call` until `done` holds for its status or `within` has passed,
// `pause` between tries (none: at once); its last status. For a state a
// process reaches in its own time: a service back up, a bound reached or
// let go, a peer given up.
inline grpc::Status AwaitStatus(const std::function<grpc::Status()>& call,
                                const std::function<bool(const grpc::Status&)>& done,
                                absl::Duration within,
                                absl::Duration pause = absl::ZeroDuration()) {
  grpc::Status status = call();
  for (const absl::Time give_up = absl::Now() + within;
       !done(status) && absl::Now() < give_up;) {
    absl::SleepFor(pause);
    status = call();
  }
  return status;
}

inline bool StatusOk(const grpc::Status& status) { return status.ok(); }

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_AWAIT_STATUS_H_
