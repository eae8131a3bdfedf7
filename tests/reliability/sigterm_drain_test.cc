// SIGTERM under load, as Kubernetes sends it: health turns NOT_SERVING at
// once, every call keeps being served for --drain_delay, and then the frame
// refuses new calls UNAVAILABLE (which clients retry elsewhere) while the
// calls already begun finish; the server exits cleanly. No call ever ends
// CANCELLED, which no retry policy retries.
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/cluster.h"
#include "tests/support/loopback.h"
#include "tests/support/status_matchers.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
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
  v1::Firm firm;
  ASSERT_THAT(testing::CreateFirmAs(*stub, "alice", &firm), IsOk());

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
    EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE) << count << " calls ended " << code;
  }
  std::printf(
      "SIGTERM under load: %d calls served, %d of them after NOT_SERVING; "
      "after the drain, refusals by code:",
      ok_calls.load(), ok_calls.load() - served_while_draining);
  for (const auto& [code, count] : failures) std::printf(" %d×%d", count, code);
  std::printf("\n");
}

// A connection whose client never reads again (a frozen process, a peer
// gone without a word) does not hold the stop: every call answered, the
// server closes it and exits, where gRPC alone would wait 20 s for the
// client to acknowledge its GOAWAY (and a C++ client with nothing in flight
// reads it only at its next backup poll, up to 5 s later).
TEST(SigtermDrainTest, AConnectionThatNeverReadsDoesNotHoldTheStop) {
  testing::TempDir dir;
  const int port = testing::FreePort();
  const std::string target = absl::StrCat("127.0.0.1:", port);
  testing::ServiceProcess directory(
      DIRECTORY_BINARY,
      {"--listen=" + target, "--data_dir=" + dir.Sub("data"),
       "--metrics_listen=", "--drain_delay=0s", "--shutdown_grace=60s"},
      dir.Sub("directory.log"));
  ASSERT_TRUE(directory.Start());
  ASSERT_TRUE(directory.WaitServing(target)) << directory.Log();

  // An HTTP/2 connection: the client's preface and SETTINGS, then the
  // server's SETTINGS read (so the server holds the connection), then
  // nothing read again.
  const int connection = testing::ConnectToLoopback(port);
  ASSERT_GE(connection, 0);
  std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  const char kEmptySettings[] = {0, 0, 0, 4, 0, 0, 0, 0, 0};
  preface.append(kEmptySettings, sizeof kEmptySettings);
  ASSERT_EQ(write(connection, preface.data(), preface.size()),
            static_cast<ssize_t>(preface.size()));
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char settings[9];
  ASSERT_EQ(recv(connection, settings, sizeof settings, MSG_WAITALL), 9);
  ASSERT_EQ(settings[3], 4) << "the server's first frame is its SETTINGS";
  // And a caller with a channel of its own, idle at the signal.
  v1::Firm firm;
  ASSERT_THAT(
      testing::CreateFirmAs(*v1::DirectoryService::NewStub(testing::Channel(target)),
                            "alice", &firm),
      IsOk());

  const absl::Time signalled = absl::Now();
  kill(directory.pid(), SIGTERM);
  EXPECT_EQ(directory.Wait(), 0) << directory.Log();
  const absl::Duration stopping = absl::Now() - signalled;
  close(connection);
  EXPECT_LT(stopping, absl::Seconds(10)) << "a connection without calls held the stop\n"
                                         << directory.Log();
  std::printf("stopped in %s with a connection that never reads\n",
              absl::FormatDuration(stopping).c_str());
}

// How the calls of `callers` threads ended while a service was stopped with
// SIGTERM under their load, `stops` times over the same storage.
std::map<grpc::StatusCode, int> StatusesOverStops(
    testing::ServiceProcess& service, const std::string& target, int stops,
    const std::function<grpc::Status(int caller, const std::shared_ptr<grpc::Channel>&)>&
        call) {
  constexpr int kCallers = 36;
  std::map<grpc::StatusCode, int> statuses;
  for (int stop = 0; stop < stops; ++stop) {
    if (!service.Start() || !service.WaitServing(target)) {
      ADD_FAILURE() << "stop " << stop << ": did not start\n" << service.Log();
      return statuses;
    }
    std::atomic<bool> server_gone = false;
    std::atomic<int> ok_calls = 0;
    absl::Mutex mu;
    std::map<grpc::StatusCode, int> these;
    std::vector<std::thread> callers;
    for (int i = 0; i < kCallers; ++i) {
      callers.emplace_back([&, i] {
        auto channel = testing::Channel(target);
        while (!server_gone) {
          grpc::Status s = call(i, channel);
          if (s.ok()) ++ok_calls;
          absl::MutexLock lock(&mu);
          ++these[s.error_code()];
        }
      });
    }
    while (ok_calls < 300) std::this_thread::yield();
    kill(service.pid(), SIGTERM);
    EXPECT_EQ(service.Wait(), 0) << service.Log();
    server_gone = true;
    for (std::thread& t : callers) t.join();
    std::printf("stop %d:", stop + 1);
    for (const auto& [code, count] : these) {
      std::printf(" %d×%d", count, code);
      statuses[code] += count;
    }
    std::printf("\n");
  }
  return statuses;
}

void ExpectOnlyOkOrUnavailable(const std::map<grpc::StatusCode, int>& statuses) {
  for (const auto& [code, count] : statuses) {
    EXPECT_TRUE(code == grpc::StatusCode::OK || code == grpc::StatusCode::UNAVAILABLE)
        << count << " calls ended " << code;
  }
  EXPECT_GT(statuses.count(grpc::StatusCode::OK), 0u);
}

std::vector<std::string> QuickDrain() {
  return {"--metrics_listen=", "--drain_delay=0.2s", "--shutdown_grace=10s"};
}

std::vector<std::string> With(std::vector<std::string> args,
                              const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Reads on gRPC's threads and writes on the frame's pool, ten stops over.
TEST(SigtermDrainTest, TenDirectoryStopsUnderLoadEndNoCallCancelled) {
  testing::TempDir dir;
  const std::string target = absl::StrCat("127.0.0.1:", testing::FreePort());
  testing::ServiceProcess directory(
      DIRECTORY_BINARY,
      With(QuickDrain(), {"--listen=" + target, "--data_dir=" + dir.Sub("data")}),
      dir.Sub("directory.log"));
  ASSERT_TRUE(directory.Start());
  ASSERT_TRUE(directory.WaitServing(target)) << directory.Log();
  v1::Firm firm;
  ASSERT_THAT(
      testing::CreateFirmAs(*v1::DirectoryService::NewStub(testing::Channel(target)),
                            "alice", &firm),
      IsOk());
  directory.Stop(SIGTERM);

  const auto statuses =
      StatusesOverStops(directory, target, 10,
                        [&](int caller, const std::shared_ptr<grpc::Channel>& channel) {
                          v1::DirectoryService::Stub stub(channel);
                          if (caller % 2 == 0) {
                            v1::GetFirmRequest req;
                            req.set_name(firm.name());
                            v1::Firm out;
                            return stub.GetFirm(As("alice").get(), req, &out);
                          }
                          v1::CreateClientRequest req;
                          req.set_parent(firm.name());
                          req.mutable_client()->set_display_name("Rossi SRL");
                          req.mutable_client()->set_client_type(v1::BUSINESS);
                          req.set_allow_duplicate_name(true);
                          v1::Client out;
                          return stub.CreateClient(As("alice").get(), req, &out);
                        });
  ExpectOnlyOkOrUnavailable(statuses);
}

// Billing and import serve every call from the frame's blocking pool, each
// asking the directory (which stays up) who the caller is.
TEST(SigtermDrainTest, TenBillingAndImportStopsUnderLoadEndNoCallCancelled) {
  testing::TempDir dir;
  const std::string directory_target = absl::StrCat("127.0.0.1:", testing::FreePort());
  testing::ServiceProcess directory(
      DIRECTORY_BINARY,
      With(QuickDrain(), {"--listen=" + directory_target, "--data_dir=" + dir.Sub("d")}),
      dir.Sub("directory.log"));
  ASSERT_TRUE(directory.Start());
  ASSERT_TRUE(directory.WaitServing(directory_target)) << directory.Log();
  v1::Firm firm;
  ASSERT_THAT(testing::CreateFirmAs(
                  *v1::DirectoryService::NewStub(testing::Channel(directory_target)),
                  "alice", &firm),
              IsOk());

  const std::string billing_target = absl::StrCat("127.0.0.1:", testing::FreePort());
  testing::ServiceProcess billing(
      BILLING_BINARY,
      With(QuickDrain(),
           {"--listen=" + billing_target, "--data_dir=" + dir.Sub("b"),
            "--operator_listen=", "--directory_target=" + directory_target}),
      dir.Sub("billing.log"));
  ExpectOnlyOkOrUnavailable(
      StatusesOverStops(billing, billing_target, 10,
                        [&](int, const std::shared_ptr<grpc::Channel>& channel) {
                          v1::BillingService::Stub stub(channel);
                          v1::ListSubscriptionsRequest req;
                          req.set_parent(firm.name());
                          v1::ListSubscriptionsResponse out;
                          return stub.ListSubscriptions(As("alice").get(), req, &out);
                        }));

  const std::string import_target = absl::StrCat("127.0.0.1:", testing::FreePort());
  testing::ServiceProcess import(
      IMPORT_BINARY,
      With(QuickDrain(), {"--listen=" + import_target, "--data_dir=" + dir.Sub("i"),
                          "--directory_target=" + directory_target}),
      dir.Sub("import.log"));
  ExpectOnlyOkOrUnavailable(StatusesOverStops(
      import, import_target, 10, [&](int, const std::shared_ptr<grpc::Channel>& channel) {
        v1::ImportService::Stub stub(channel);
        v1::ListImportJobsRequest req;
        req.set_parent(firm.name());
        v1::ListImportJobsResponse out;
        return stub.ListImportJobs(As("alice").get(), req, &out);
      }));
}

}  // namespace
}  // namespace clientbook
