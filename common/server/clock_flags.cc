#include "common/server/clock_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "clientbook/testing/v1/clock.grpc.pb.h"
#include "common/server/frame.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, fake_clock, "",
          "start on a fake clock at this RFC 3339 instant and serve "
          "clientbook.testing.v1.ClockService (tests and rehearsals only)");

namespace clientbook {
namespace {

using google::protobuf::util::TimeUtil;

// What a fake clock may read. The services derive times up to 400 days
// later (the change log's longest retention) and write each as a protobuf
// Timestamp, which holds years 1 to 9999: a clock advanced to year 22027
// ended the directory at its next call (protobuf's range CHECK). Stored
// times are microseconds since 1970.
constexpr absl::Time kEarliestFakeTime = absl::UnixEpoch();
constexpr absl::Time kLatestFakeTime =
    absl::FromUnixSeconds(221'845'392'000);  // 9000-01-01

class ClockService final : public testing::v1::ClockService::CallbackService {
 public:
  ClockService(FakeClock& clock, server::Frame& frame) : clock_(clock), frame_(frame) {}

  grpc::ServerUnaryReactor* Advance(grpc::CallbackServerContext* ctx,
                                    const testing::v1::AdvanceRequest* req,
                                    google::protobuf::Timestamp* now) override {
    return frame_.Unary(ctx, req, now, [this, req, now](const auth::Caller& caller) {
      if (absl::Status s = auth::RequireOperator(caller); !s.ok()) return s;
      const google::protobuf::Duration& by = req->by();
      if (by.seconds() < 0 || by.nanos() < 0) {
        return errors::InvalidField("by", "the clock only moves forward");
      }
      if (by.seconds() > TimeUtil::kDurationMaxSeconds || by.nanos() > 999'999'999) {
        return errors::InvalidField("by", "is not a valid duration");
      }
      const absl::Duration step =
          absl::Seconds(by.seconds()) + absl::Nanoseconds(by.nanos());
      const std::optional<absl::Time> moved =
          clock_.AdvanceNoLaterThan(step, kLatestFakeTime);
      if (!moved.has_value()) {
        return errors::InvalidField(
            "by", absl::StrCat("would take the clock past ",
                               absl::FormatTime(kLatestFakeTime, absl::UTCTimeZone()),
                               ", the latest a fake clock reads"));
      }
      spdlog::warn("fake clock advanced by {} to {} (by '{}')",
                   absl::FormatDuration(step), absl::FormatTime(*moved), caller.user_id);
      *now = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(*moved));
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
  if (at < kEarliestFakeTime || at > kLatestFakeTime) {
    return absl::InvalidArgumentError(
        absl::StrCat("--fake_clock: '", start, "' is not between ",
                     absl::FormatTime(kEarliestFakeTime, absl::UTCTimeZone()), " and ",
                     absl::FormatTime(kLatestFakeTime, absl::UTCTimeZone())));
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
