// SIGTERM under load, as Kubernetes sends it: health turns NOT_SERVING at
// once, every call keeps being served for --drain_delay, and then the server
// stops taking calls and exits cleanly. A call that reaches the server after
// that moment is refused by gRPC itself (UNAVAILABLE, or CANCELLED for one
// already on the wire); under Kubernetes none arrive by then, the endpoint
// having been withdrawn during the drain.
#include <signal.h>

#include <atomic>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/reliability/cluster.h"

namespace clientbook {
namespace {

using testing::As;

TEST(SigtermDrainTest, NotServingFirstThenEveryCallIsServedThroughTheDrain) {
  constexpr absl::Duration kDrainDelay = absl::Seconds(1);
  testing::TempDir dir;
  const std::string target = absl::StrCat("127.0.0.1:", testing::FreePort());
  testing::ServiceProcess directory(
      DIRECTORY_BINARY,
      {"--listen=" + target, "--data_dir=" + dir.Sub("data"), "--metrics_listen=",
       absl::StrCat("--drain_delay=", absl::FormatDuration(kDrainDelay)),
       "--shutdown_grace=10s"},
      dir.Sub("directory.log"));
  ASSERT_TRUE(directory.Start());
  ASSERT_TRUE(directory.WaitServing(target)) << directory.Log();

  auto stub = v1::DirectoryService::NewStub(testing::Channel(target));
  v1::CreateFirmRequest create;
  create.mutable_firm()->set_display_name("Studio");
  create.set_creator_email("alice@studio.example");
  v1::Firm firm;
  ASSERT_TRUE(stub->CreateFirm(As("alice").get(), create, &firm).ok());

  // 16 callers, each on its own channel, read until the server is gone.
  constexpr int kCallers = 16;
  std::atomic<bool> server_gone = false;
  std::atomic<int> ok_calls = 0;
  absl::Mutex mu;
  absl::Time signal_time = absl::InfiniteFuture();
  std::map<grpc::StatusCode, int> failures;
  int failed_while_draining = 0;
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&] {
      auto own = v1::DirectoryService::NewStub(testing::Channel(target));
      v1::GetFirmRequest req;
      req.set_name(firm.name());
      int unavailable_in_a_row = 0;
      while (!server_gone && unavailable_in_a_row < 20) {
        v1::Firm out;
        const absl::Time started = absl::Now();
        grpc::Status s = own->GetFirm(As("alice").get(), req, &out);
        if (s.ok()) {
          ++ok_calls;
          unavailable_in_a_row = 0;
          continue;
        }
        unavailable_in_a_row += s.error_code() == grpc::StatusCode::UNAVAILABLE;
        absl::MutexLock lock(&mu);
        ++failures[s.error_code()];
        // Margins for the signal's delivery and for calls still on the wire
        // when the drain ends.
        constexpr absl::Duration kMargin = absl::Milliseconds(100);
        if (started >= signal_time + kMargin &&
            started < signal_time + kDrainDelay - kMargin) {
          ++failed_while_draining;
        }
      }
    });
  }
  // Load first, then the signal.
  while (ok_calls < 500) std::this_thread::yield();

  auto health = grpc::health::v1::Health::NewStub(testing::Channel(target));
  {
    absl::MutexLock lock(&mu);
    signal_time = absl::Now();
  }
  kill(directory.pid(), SIGTERM);
  bool saw_not_serving = false;
  int served_while_draining = 0;
  for (int probe = 0; probe < 200 && !saw_not_serving; ++probe) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    if (health->Check(&ctx, req, &resp).ok() &&
        resp.status() == grpc::health::v1::HealthCheckResponse::NOT_SERVING) {
      saw_not_serving = true;
      served_while_draining = ok_calls;
    }
  }
  EXPECT_EQ(directory.Wait(), 0) << directory.Log();
  server_gone = true;
  for (std::thread& t : callers) t.join();

  EXPECT_TRUE(saw_not_serving);
  EXPECT_GT(ok_calls, served_while_draining) << "calls were still served while draining";
  EXPECT_EQ(failed_while_draining, 0);
  for (const auto& [code, count] : failures) {
    EXPECT_TRUE(code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::CANCELLED)
        << count << " calls ended " << code;
  }
  std::printf("SIGTERM under load: %d calls served, %d of them after NOT_SERVING; "
              "after the drain, refusals by code:",
              ok_calls.load(), ok_calls.load() - served_while_draining);
  for (const auto& [code, count] : failures) std::printf(" %d×%d", count, code);
  std::printf("\n");
}

}  // namespace
}  // namespace clientbook
