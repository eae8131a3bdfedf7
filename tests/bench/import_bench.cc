// How long a 1,000-row client-number import takes from upload to the end of
// the job: the real Importer with its RocksDB on disk, talking gRPC to the
// real directory service (in this process, on an ephemeral port). Prints
// figures; asserts nothing.
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "common/csv/csv.h"
#include "common/time/clock.h"
#include "services/import/domain/importer.h"
#include "tests/support/callers.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/in_process_directory.h"
#include "tests/support/in_process_import.h"
#include "tests/support/temp_dir.h"

namespace clientbook {
namespace {

constexpr int kRows = 1000;

// Runs each job right away, on the caller's thread.
class InlineScheduler final : public importer::JobScheduler {
 public:
  void Schedule(names::ImportJobName job) override { pending = job; }
  void ScheduleAfter(names::ImportJobName job, absl::Duration) override { pending = job; }
  names::ImportJobName pending;
};

class Fixture {
 public:
  Fixture() {
    directory_ = std::make_unique<testing::InProcessDirectory>(tmp_.Sub("directory"),
                                                               clock_, wholesale_);
    import_ = std::make_unique<testing::InProcessImport>(
        tmp_.Sub("import"), directory_->target(), clock_, &scheduler_);

    firm_ =
        directory_->domain()
            .firms.CreateFirm(testing::As("alice"), "Studio", "alice@x.example", "", "")
            ->id();
    for (int i = 0; i < kRows; ++i) {
      directory::ClientRecord c;
      c.set_client_type(v1::BUSINESS);
      c.set_display_name(absl::StrCat("Client ", i));
      auto created = directory_->domain().clients.CreateClient(
          testing::As("alice"), names::FirmName{firm_}, c, false, "");
      rows_.push_back({absl::StrCat(created->company_id()), c.display_name()});
    }
  }

  // A file giving every client a number; `round` makes them new each time.
  std::string File(int round) const {
    std::string out = csv::Line({"Company ID", "Display Name", "Client Number"});
    for (size_t i = 0; i < rows_.size(); ++i) {
      out +=
          csv::Line({rows_[i].first, rows_[i].second, absl::StrCat("R", round, "-", i)});
    }
    return out;
  }

  // A second firm of `clients` for the export figure, made through the
  // directory's domain.
  void SeedExportFirm(int clients) {
    export_firm_ =
        directory_->domain()
            .firms.CreateFirm(testing::As("alice"), "Big", "alice@x.example", "", "")
            ->id();
    for (int i = 0; i < clients; ++i) {
      directory::ClientRecord c;
      c.set_client_type(v1::BUSINESS);
      c.set_display_name(absl::StrCat("Società Cliente ", i));
      c.set_client_number(absl::StrCat("E-", i));
      if (!directory_->domain()
               .clients
               .CreateClient(testing::As("alice"), names::FirmName{export_firm_}, c,
                             false, "")
               .ok()) {
        std::abort();
      }
    }
  }

  // Bytes of CSV the export of the second firm produced.
  size_t Export() {
    size_t bytes = 0;
    if (!import_->importer()
             .Export(
                 testing::As("alice"), export_firm_, v1::ENGLISH, ',', false,
                 [](int64_t bytes) { return bytes; },
                 [&](std::string piece) {
                   bytes += piece.size();
                   return true;
                 })
             .ok()) {
      std::abort();
    }
    return bytes;
  }

  importer::JobRecord Import(const std::string& file) {
    importer::Importer& importer = import_->importer();
    auto job = importer.Start(testing::As("alice"), firm_, file, "bench.csv", "");
    if (!job.ok() || !importer.RunJob(scheduler_.pending).ok()) std::abort();
    return *importer.Get(testing::As("alice"), scheduler_.pending);
  }

 private:
  testing::TempDir tmp_;
  SystemClock clock_;
  directory::FakeWholesaleCheck wholesale_;
  std::unique_ptr<testing::InProcessDirectory> directory_;
  InlineScheduler scheduler_;
  std::unique_ptr<testing::InProcessImport> import_;
  uint64_t firm_ = 0;
  uint64_t export_firm_ = 0;
  std::vector<std::pair<std::string, std::string>> rows_;
};

}  // namespace
}  // namespace clientbook

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  clientbook::Fixture fixture;
  int round = 0;
  benchmark::RegisterBenchmark("Import1000RowsEndToEnd",
                               [&](benchmark::State& state) {
                                 for (auto _ : state) {
                                   state.PauseTiming();
                                   const std::string file = fixture.File(++round);
                                   state.ResumeTiming();
                                   auto job = fixture.Import(file);
                                   if (job.applied_rows() != clientbook::kRows)
                                     state.SkipWithError("not all rows applied");
                                 }
                                 state.counters["rows_per_s"] = benchmark::Counter(
                                     clientbook::kRows,
                                     benchmark::Counter::kIsIterationInvariantRate);
                               })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  // CLIENTBOOK_BENCH_EXPORT_CLIENTS sets the exported firm's size.
  int export_clients = 20000;
  if (const char* env = std::getenv("CLIENTBOOK_BENCH_EXPORT_CLIENTS")) {
    export_clients = std::atoi(env);
  }
  fixture.SeedExportFirm(export_clients);
  benchmark::RegisterBenchmark("ExportFirm",
                               [&](benchmark::State& state) {
                                 for (auto _ : state) {
                                   benchmark::DoNotOptimize(fixture.Export());
                                 }
                                 state.counters["rows_per_s"] = benchmark::Counter(
                                     export_clients,
                                     benchmark::Counter::kIsIterationInvariantRate);
                               })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
