// One firm floods a directory run with few seats while another firm reads:
// the other firm's calls all succeed; the flood's overflow is refused at once
// with when to retry; after the flood the flooding firm is served normally.
// An import job turned away by its firm's rate limit waits and finishes.
#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cluster.h"
#include "tests/support/status_matchers.h"

namespace clientbook::testing {
namespace {

using ::clientbook::testing::IsOk;

TEST(FairShareTest, AFloodingFirmIsRefusedWithRetryInfoWhileAnotherFirmIsServed) {
  TempDir dir;
  const std::string target = absl::StrCat("127.0.0.1:", FreePort());
  ServiceProcess directory(DIRECTORY_BINARY,
                           {"--listen=" + target, "--data_dir=" + dir.Sub("data"),
                            "--metrics_listen=", "--drain_delay=0s",
                            "--concurrent_calls=2", "--firm_queue_limit=4"},
                           dir.Sub("directory.log"));
  ASSERT_TRUE(directory.Start());
  ASSERT_TRUE(directory.WaitServing(target)) << directory.Log();
  auto setup = v1::DirectoryService::NewStub(Channel(target));
  v1::Firm flooding;
  v1::Firm quiet;
  ASSERT_THAT(CreateFirmAs(*setup, "alice", &flooding), IsOk());
  ASSERT_THAT(CreateFirmAs(*setup, "bob", &quiet), IsOk());
  for (int i = 0; i < 200; ++i) {
    v1::Client out;
    ASSERT_THAT(CreateClientAs(*setup, "alice", flooding.name(),
                               absl::StrCat("Client ", i), &out),
                IsOk());
  }

  std::atomic<bool> flooding_on{true};
  absl::Mutex mu;
  std::map<grpc::StatusCode, int> flood_codes;
  int refusals_without_retry_info = 0;
  std::vector<std::thread> flood;
  for (int t = 0; t < 48; ++t) {
    flood.emplace_back([&] {
      auto stub = v1::DirectoryService::NewStub(Channel(target));
      while (flooding_on) {
        v1::ListClientsRequest req;
        req.set_parent(flooding.name());
        req.set_page_size(1000);
        v1::ListClientsResponse out;
        const grpc::Status s = stub->ListClients(As("alice").get(), req, &out);
        absl::MutexLock lock(&mu);
        ++flood_codes[s.error_code()];
        if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
          const absl::Status status = FromGrpcStatus(s);
          if (!errors::RetryDelayOf(status).has_value() ||
              errors::ReasonOf(status) != "FIRM_OVER_CAPACITY" ||
              errors::QuotaSubjectsOf(status) !=
                  std::vector<std::string>{flooding.name()}) {
            ++refusals_without_retry_info;
          }
        }
      }
    });
  }

  auto reader = v1::DirectoryService::NewStub(Channel(target));
  int quiet_failures = 0;
  for (int i = 0; i < 300; ++i) {
    v1::GetFirmRequest req;
    req.set_name(quiet.name());
    v1::Firm out;
    if (!reader->GetFirm(As("bob").get(), req, &out).ok()) ++quiet_failures;
  }
  flooding_on = false;
  for (std::thread& t : flood) t.join();

  EXPECT_EQ(quiet_failures, 0);
  EXPECT_GT(flood_codes[grpc::StatusCode::OK], 0);
  EXPECT_GT(flood_codes[grpc::StatusCode::RESOURCE_EXHAUSTED], 0);
  EXPECT_EQ(refusals_without_retry_info, 0);
  for (const auto& [code, n] : flood_codes) {
    EXPECT_TRUE(code == grpc::StatusCode::OK ||
                code == grpc::StatusCode::RESOURCE_EXHAUSTED)
        << code << " x" << n;
  }
  // The flood over, its queue has drained: the flooding firm is served.
  v1::ListClientsRequest again;
  again.set_parent(flooding.name());
  again.set_page_size(1000);
  v1::ListClientsResponse page;
  ASSERT_THAT(setup->ListClients(As("alice").get(), again, &page), IsOk());
  EXPECT_EQ(page.clients_size(), 200);
}

// An import job is background work: when its firm's rate limit turns the
// job's calls away, it waits as RetryInfo asks (its waits growing) and
// finishes, where it used to fail. Its firm's bucket holds 2 calls; starting
// the import and running it takes 4 within milliseconds.
TEST(FairShareTest, AnImportJobWaitsOutItsFirmsRateLimitInsteadOfFailing) {
  TempDir dir;
  const std::string directory_target = absl::StrCat("127.0.0.1:", FreePort());
  const std::string import_target = absl::StrCat("127.0.0.1:", FreePort());
  ServiceProcess directory(
      DIRECTORY_BINARY,
      {"--listen=" + directory_target, "--data_dir=" + dir.Sub("directory"),
       "--metrics_listen=", "--drain_delay=0s", "--firm_rate_limit=4",
       "--firm_rate_burst=2"},
      dir.Sub("directory.log"));
  ServiceProcess import(
      IMPORT_BINARY,
      {"--listen=" + import_target, "--data_dir=" + dir.Sub("import"),
       "--metrics_listen=", "--drain_delay=0s", "--directory_target=" + directory_target},
      dir.Sub("import.log"));
  ASSERT_TRUE(directory.Start());
  ASSERT_TRUE(import.Start());
  ASSERT_TRUE(directory.WaitServing(directory_target)) << directory.Log();
  ASSERT_TRUE(import.WaitServing(import_target)) << import.Log();
  auto directory_stub = v1::DirectoryService::NewStub(Channel(directory_target));
  auto import_stub = v1::ImportService::NewStub(Channel(import_target));
  v1::Firm firm;
  ASSERT_THAT(CreateFirmAs(*directory_stub, "alice", &firm), IsOk());
  v1::Client client;
  ASSERT_THAT(CreateClientAs(*directory_stub, "alice", firm.name(), "Rossi SRL", &client),
              IsOk());

  v1::StartImportRequest start;
  start.set_parent(firm.name());
  start.set_csv(absl::StrCat("Company ID,Display Name,Client Number\r\n",
                             client.company_id(), ",Rossi SRL,R-1\r\n"));
  v1::ImportJob job;
  ASSERT_THAT(import_stub->StartImport(As("alice").get(), start, &job), IsOk());
  // Watching is a call of the firm too: it waits its turn as a caller should.
  std::vector<v1::ImportJob::State> states;
  for (int attempt = 0; attempt < 100; ++attempt) {
    v1::WatchImportJobRequest watch;
    watch.set_name(job.name());
    auto context = As("alice");
    auto reader = import_stub->WatchImportJob(context.get(), watch);
    while (reader->Read(&job)) states.push_back(job.state());
    const absl::Status status = FromGrpcStatus(reader->Finish());
    if (status.code() != absl::StatusCode::kResourceExhausted) {
      ASSERT_THAT(status, IsOk());
      break;
    }
    absl::SleepFor(errors::RetryDelayOf(status).value_or(absl::Seconds(1)));
  }
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
  EXPECT_THAT(states, ::testing::Not(::testing::Contains(v1::ImportJob::FAILED)));
  v1::GetClientRequest get;
  get.set_name(client.name());
  for (int attempt = 0; attempt < 100; ++attempt) {
    grpc::Status s = directory_stub->GetClient(As("alice").get(), get, &client);
    if (s.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    absl::SleepFor(errors::RetryDelayOf(FromGrpcStatus(s)).value_or(absl::Seconds(1)));
  }
  EXPECT_EQ(client.client_number(), "R-1");
}

}  // namespace
}  // namespace clientbook::testing
