// Through the real directory server (in this process, on an ephemeral port,
// with its RocksDB on disk): GetClient against grpc.health.v1 Check at 1, 16
// and 64 calls in flight (calls per second, p50 and p99, and GetClient's
// throughput as a share of Check's); then ListClients' shapes at 16 in
// flight against a firm of 2,000 clients and one of 100,000
// (CLIENTBOOK_BENCH_CLIENTS), p50 and p99 and the ratio of the p99s, as a
// caller sees them. Prints figures; asserts nothing.
// CLIENTBOOK_BENCH_SECONDS sets each run's length (default 1).
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "common/client/outgoing_call.h"
#include "common/server/bootstrap.h"
#include "common/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/bench/seeded_firm.h"
#include "tests/support/callers.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/in_process_directory.h"
#include "tests/support/temp_dir.h"

namespace clientbook {
namespace {

struct Run {
  double calls_per_second = 0;
  absl::Duration p50, p99;
  int failures = 0;
};

// `callers` threads each calling `call` until `length` has passed.
template <typename Call>
Run Measure(int callers, absl::Duration length, Call call) {
  std::vector<std::vector<absl::Duration>> latencies(callers);
  std::atomic<int> failures = 0;
  const absl::Time end = absl::Now() + length;
  std::vector<std::thread> threads;
  for (int t = 0; t < callers; ++t) {
    threads.emplace_back([&, t] {
      while (absl::Now() < end) {
        const absl::Time start = absl::Now();
        if (!call()) ++failures;
        latencies[t].push_back(absl::Now() - start);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<absl::Duration> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Run run;
  if (all.empty()) return run;
  run.calls_per_second = all.size() / absl::ToDoubleSeconds(length);
  run.p50 = all[all.size() / 2];
  run.p99 = all[all.size() * 99 / 100];
  run.failures = failures;
  return run;
}

// ListClients requests of one shape, built for a firm.
struct ListShape {
  const char* name;
  // Fills in a request to the firm named `firm`, of `clients` clients.
  std::function<void(v1::ListClientsRequest&, const std::string& firm, int clients)> set;
};

std::vector<ListShape> ListShapes() {
  return {
      {"first page of 50", [](auto&, auto&, int) {}},
      {"\"ferrari\" (50)", [](auto& r, auto&, int) { r.set_name_query("ferrari"); }},
      {"\"rossi srl\" (5 / 50)",
       [](auto& r, auto&, int) { r.set_name_query("rossi srl"); }},
      {"\"rossi s\" (35 / 50)", [](auto& r, auto&, int) { r.set_name_query("rossi s"); }},
      {"\"ferrari agricola societa\"",
       [](auto& r, auto&, int) { r.set_name_query("ferrari agricola societa"); }},
      {"\"rossi 1001\" (rare)",
       [](auto& r, auto&, int) { r.set_name_query("rossi 1001"); }},
      {"lead with 20 clients",
       [](auto& r, auto& firm, int) { r.set_lead_accountant(firm + "/members/lead-9"); }},
      {"individuals (50)",
       [](auto& r, auto&, int) { r.set_client_type(v1::INDIVIDUAL); }},
      {"number exact",
       [](auto& r, auto&, int clients) {
         r.set_client_number_query(absl::StrFormat("c-%07d", clients / 3));
       }},
  };
}

// Each shape against the small and the large firm at 16 calls in flight.
void MeasureListShapes(v1::DirectoryService::Stub& directory, absl::Duration length,
                       const std::vector<std::pair<std::string, int>>& firms) {
  absl::PrintF("\n%-30s %10s %10s %10s %10s %9s\n", "ListClients, 16 in flight (us)",
               "small p50", "small p99", "large p50", "large p99", "p99 ratio");
  for (const ListShape& shape : ListShapes()) {
    std::vector<Run> runs;
    for (const auto& [firm, clients] : firms) {
      v1::ListClientsRequest request;
      request.set_parent(firm);
      shape.set(request, firm, clients);
      runs.push_back(Measure(16, length, [&] {
        grpc::ClientContext ctx;
        ctx.AddMetadata("x-user-id", absl::StrCat("owner-", clients));
        v1::ListClientsResponse out;
        return directory.ListClients(&ctx, request, &out).ok();
      }));
    }
    absl::PrintF(
        "%-30s %10.0f %10.0f %10.0f %10.0f %8.2fx%s\n", shape.name,
        absl::ToDoubleMicroseconds(runs[0].p50), absl::ToDoubleMicroseconds(runs[0].p99),
        absl::ToDoubleMicroseconds(runs[1].p50), absl::ToDoubleMicroseconds(runs[1].p99),
        absl::FDivDuration(runs[1].p99, runs[0].p99),
        runs[0].failures + runs[1].failures > 0 ? " (failures)" : "");
  }
}

}  // namespace
}  // namespace clientbook

int main() {
  using namespace clientbook;
  // As the service binaries run (server::Bootstrap).
  server::TuneProcess();
  double seconds = 1;
  if (const char* env = std::getenv("CLIENTBOOK_BENCH_SECONDS")) seconds = std::atof(env);
  testing::TempDir dir;
  SystemClock clock;
  directory::FakeWholesaleCheck wholesale;
  testing::InProcessDirectory server(dir.Sub("directory"), clock, wholesale);
  const uint64_t firm =
      server.domain()
          .firms.CreateFirm(testing::As("alice"), "Studio", "alice@x.example", "", "")
          ->id();
  directory::ClientRecord draft;
  draft.set_client_type(v1::BUSINESS);
  draft.set_display_name("Rossi SRL");
  const uint64_t client =
      server.domain()
          .clients
          .CreateClient(testing::As("alice"), names::FirmName{firm}, draft, false, "")
          ->company_id();

  auto channel = client::Connect(server.target());
  auto directory = v1::DirectoryService::NewStub(channel);
  auto health = grpc::health::v1::Health::NewStub(channel);
  v1::GetClientRequest get;
  get.set_name(absl::StrCat("firms/", firm, "/clients/", client));
  auto get_client = [&] {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-user-id", "alice");
    v1::Client out;
    return directory->GetClient(&ctx, get, &out).ok();
  };
  auto check = [&] {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckResponse out;
    return health->Check(&ctx, {}, &out).ok();
  };

  absl::PrintF("%-10s %-9s %12s %10s %10s %9s\n", "call", "in flight", "calls/s", "p50",
               "p99", "failures");
  for (int callers : {1, 16, 64}) {
    const absl::Duration length = absl::Seconds(seconds);
    Run health_run = Measure(callers, length, check);
    Run get_run = Measure(callers, length, get_client);
    for (const auto& [name, run] :
         {std::pair{"Check", health_run}, {"GetClient", get_run}}) {
      absl::PrintF("%-10s %-9d %12.0f %10s %10s %9d\n", name, callers,
                   run.calls_per_second, absl::FormatDuration(run.p50),
                   absl::FormatDuration(run.p99), run.failures);
    }
    absl::PrintF("GetClient / Check throughput at %d in flight: %.2f\n", callers,
                 get_run.calls_per_second / health_run.calls_per_second);
  }

  int large = 100000;
  if (const char* env = std::getenv("CLIENTBOOK_BENCH_CLIENTS")) large = std::atoi(env);
  std::vector<std::pair<std::string, int>> firms;  // firm name, clients
  for (int clients : {2000, large}) {
    const bench::SeededFirm seeded =
        bench::SeedFirm(server.domain(), absl::StrCat("owner-", clients), clients);
    firms.emplace_back(absl::StrCat("firms/", seeded.id), clients);
  }
  MeasureListShapes(*directory, absl::Seconds(seconds), firms);
  return 0;
}
