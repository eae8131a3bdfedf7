#ifndef CLIENTBOOK_COMMON_SERVER_CLOCK_FLAGS_H_
#define CLIENTBOOK_COMMON_SERVER_CLOCK_FLAGS_H_

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "common/time/clock.h"
#include "grpcpp/impl/codegen/service_type.h"

// --fake_clock=2026-01-15T09:00:00Z starts the binary on a FakeClock at that
// instant and serves clientbook.testing.v1.ClockService to move it, to
// callers with the operator role.
ABSL_DECLARE_FLAG(std::string, fake_clock);

namespace clientbook {
namespace server {
class Frame;
}  // namespace server

struct ServiceClock {
  std::unique_ptr<Clock> clock;
  // `clock` when it is fake; null otherwise.
  FakeClock* fake = nullptr;
  // The ClockService when the clock is fake (see ServeClockControl); null
  // otherwise.
  std::unique_ptr<grpc::Service> control;
};

// The system clock, or the fake one --fake_clock asks for (`control` unset).
absl::StatusOr<ServiceClock> ClockFromFlags();

// Sets `clock.control` when the clock is fake: the ClockService, open to
// operators only.
void ServeClockControl(ServiceClock& clock, server::Frame& frame);

}  // namespace clientbook

#endif  // CLIENTBOOK_COMMON_SERVER_CLOCK_FLAGS_H_
