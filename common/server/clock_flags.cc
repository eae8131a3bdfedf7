#include "common/server/clock_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "clientbook/testing/v1/clock.grpc.pb.h"
#include "common/server/frame.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, fake_clock, "",
          "start on a fake clock at this RFC 3339 instant and serve "
          "clientbook.testing.v1.ClockService (tests and rehearsals only)");

namespace clientbook {
namespace {

using google::protobuf::util::TimeUtil;

class ClockService final : public testing::v1::ClockService::CallbackService {
 public:
  ClockService(FakeClock& clock, server::Frame& frame) : clock_(clock), frame_(frame) {}

  grpc::ServerUnaryReactor* Advance(grpc::CallbackServerContext* ctx,
                                    const testing::v1::AdvanceRequest* req,
                                    google::protobuf::Timestamp* now) override {
    return frame_.Unary(ctx, req, now, [this, req, now](const auth::Caller& caller) {
      if (absl::Status s = auth::RequireOperator(caller); !s.ok()) return s;
      int64_t micros = TimeUtil::DurationToMicroseconds(req->by());
      if (micros < 0)
        return absl::InvalidArgumentError("by: the clock only moves forward");
      clock_.Advance(absl::Microseconds(micros));
      spdlog::warn("fake clock advanced by {} to {} (by '{}')",
                   absl::FormatDuration(absl::Microseconds(micros)),
                   absl::FormatTime(clock_.Now()), caller.user_id);
      *now = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* Now(grpc::CallbackServerContext* ctx,
                                const testing::v1::NowRequest* req,
                                google::protobuf::Timestamp* now) override {
    return frame_.Unary(ctx, req, now, [this, now](const auth::Caller& caller) {
      if (absl::Status s = auth::RequireOperator(caller); !s.ok()) return s;
      *now = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
      return absl::OkStatus();
    });
  }

 private:
  FakeClock& clock_;
  server::Frame& frame_;
};

}  // namespace

absl::StatusOr<ServiceClock> ClockFromFlags() {
  const std::string start = absl::GetFlag(FLAGS_fake_clock);
  ServiceClock out;
  if (start.empty()) {
    out.clock = std::make_unique<SystemClock>();
    return out;
  }
  absl::Time at;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, start, &at, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--fake_clock: '", start, "' is not an RFC 3339 time: ", error));
  }
  auto fake = std::make_unique<FakeClock>(at);
  out.fake = fake.get();
  out.clock = std::move(fake);
  spdlog::warn("running on a FAKE clock starting at {}", absl::FormatTime(at));
  return out;
}

void ServeClockControl(ServiceClock& clock, server::Frame& frame) {
  if (clock.fake != nullptr) {
    clock.control = std::make_unique<ClockService>(*clock.fake, frame);
  }
}

}  // namespace clientbook
