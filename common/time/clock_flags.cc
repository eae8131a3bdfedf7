#include "common/time/clock_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "clientbook/testing/v1/clock.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, fake_clock, "",
          "start on a fake clock at this RFC 3339 instant and serve "
          "clientbook.testing.v1.ClockService (tests and rehearsals only)");

namespace clientbook {
namespace {

using google::protobuf::util::TimeUtil;

class ClockService final : public testing::v1::ClockService::Service {
 public:
  explicit ClockService(FakeClock& clock) : clock_(clock) {}

  grpc::Status Advance(grpc::ServerContext*, const testing::v1::AdvanceRequest* req,
                       google::protobuf::Timestamp* now) override {
    int64_t micros = TimeUtil::DurationToMicroseconds(req->by());
    if (micros < 0) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "by: the clock only moves forward");
    }
    clock_.Advance(absl::Microseconds(micros));
    spdlog::warn("fake clock advanced by {} to {}",
                 absl::FormatDuration(absl::Microseconds(micros)),
                 absl::FormatTime(clock_.Now()));
    *now = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    return grpc::Status::OK;
  }

  grpc::Status Now(grpc::ServerContext*, const testing::v1::NowRequest*,
                   google::protobuf::Timestamp* now) override {
    *now = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    return grpc::Status::OK;
  }

 private:
  FakeClock& clock_;
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
  out.control = std::make_unique<ClockService>(*fake);
  out.clock = std::move(fake);
  spdlog::warn("running on a FAKE clock starting at {}", absl::FormatTime(at));
  return out;
}

}  // namespace clientbook
