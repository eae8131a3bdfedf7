// How the directory's reads scale with firm size: the same List, search and
// lookup calls against a firm of 2,000 clients and one of 100,000 (set
// CLIENTBOOK_BENCH_CLIENTS to change the large one), on RocksDB on disk.
// Prints p50 and p99 per shape and the large/small p99 ratio; asserts
// nothing.
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "services/directory/domain/directory.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "tests/bench/latency.h"
#include "tests/bench/seeded_firm.h"
#include "tests/support/callers.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/temp_dir.h"

namespace clientbook::directory {
namespace {

using bench::SeededFirm;

class Fixture {
 public:
  Fixture() {
    // CLIENTBOOK_BENCH_DB_DIR keeps the seeded database there, e.g. to time
    // a directory binary's start over it.
    const char* keep = std::getenv("CLIENTBOOK_BENCH_DB_DIR");
    db_ =
        std::move(*storage::Database::Open(keep != nullptr ? keep : dir_.Sub("db"), {}));
    store_ = std::move(*RocksDirectoryStore::Create(db_.get(), clock_));
    directory_ = std::make_unique<Directory>(*store_, clock_, wholesale_, imports_);
    // Records the index layout as a service's start does, so a directory
    // binary opens the kept database without reindexing it.
    if (!directory_->core.ReindexIfOutdated().ok()) std::abort();
  }

  Directory& directory() { return *directory_; }

 private:
  testing::TempDir dir_;
  SystemClock clock_;
  FakeWholesaleCheck wholesale_;
  FakeImportActivity imports_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<RocksDirectoryStore> store_;
  std::unique_ptr<Directory> directory_;
};

void ListOrFail(benchmark::State& state, Directory& d, const std::string& owner,
                const ClientListQuery& q) {
  bench::TimeEachListCall(state,
                          [&] { return d.listing.ListClients(testing::As(owner), q); });
}

void Register(Fixture& f, const std::string& owner, const SeededFirm& firm) {
  Directory& d = f.directory();
  const std::string size = absl::StrCat("/size:", firm.clients);
  benchmark::RegisterBenchmark(
      ("ListFirstPage50" + size).c_str(),
      [&d, owner, firm](auto& s) { ListOrFail(s, d, owner, {.firm_id = firm.id}); });
  benchmark::RegisterBenchmark(
      ("ListMiddlePage50" + size).c_str(), [&d, owner, firm](auto& s) {
        ListOrFail(s, d, owner,
                   {.firm_id = firm.id,
                    .page = {.page_size = 0, .page_token = firm.middle_token}});
      });
  benchmark::RegisterBenchmark(
      ("ListByNumberPage1000" + size).c_str(), [&d, owner, firm](auto& s) {
        ListOrFail(s, d, owner,
                   {.firm_id = firm.id,
                    .page = {.page_size = 1000, .page_token = ""},
                    .order_by = "client_number"});
      });
  benchmark::RegisterBenchmark(
      ("SearchNameFerrari" + size).c_str(), [&d, owner, firm](auto& s) {
        ListOrFail(s, d, owner, {.firm_id = firm.id, .name_query = "ferrari"});
      });
  // Inside a word: "errar" is in "ferrari" alone.
  benchmark::RegisterBenchmark(
      ("SearchNameInsideAWordErrar" + size).c_str(), [&d, owner, firm](auto& s) {
        ListOrFail(s, d, owner, {.firm_id = firm.id, .name_query = "errar"});
      });
  benchmark::RegisterBenchmark(
      ("SearchNameAccentsLefevreSarl" + size).c_str(), [&d, owner, firm](auto& s) {
        ListOrFail(s, d, owner, {.firm_id = firm.id, .name_query = "lefevre sarl"});
      });
  benchmark::RegisterBenchmark(
      ("SearchNameCommonCommonRossiSrl" + size).c_str(), [&d, owner, firm](auto& s) {
        ListOrFail(s, d, owner, {.firm_id = firm.id, .name_query = "rossi srl"});
      });
  // Both firms fill (most of) a page: "s" starts 7 of the 10 kinds.
  benchmark::RegisterBenchmark(
      ("SearchNameCommonCommonFullPageRossiS" + size).c_str(),
      [&d, owner, firm](auto& s) {
        ListOrFail(s, d, owner, {.firm_id = firm.id, .name_query = "rossi s"});
      });
  benchmark::RegisterBenchmark(
      ("SearchNameCommonRareRossi1001" + size).c_str(), [&d, owner, firm](auto& s) {
        ListOrFail(s, d, owner, {.firm_id = firm.id, .name_query = "rossi 1001"});
      });
  benchmark::RegisterBenchmark(
      ("SearchNameThreeWords" + size).c_str(), [&d, owner, firm](auto& s) {
        ListOrFail(s, d, owner,
                   {.firm_id = firm.id, .name_query = "ferrari agricola societa"});
      });
  benchmark::RegisterBenchmark(
      ("FilterLeadWith20Clients" + size).c_str(), [&d, owner, firm](auto& s) {
        ListOrFail(s, d, owner, {.firm_id = firm.id, .lead_accountant = "lead-9"});
      });
  benchmark::RegisterBenchmark(("FilterLeadOrderByNumber" + size).c_str(),
                               [&d, owner, firm](auto& s) {
                                 ListOrFail(s, d, owner,
                                            {.firm_id = firm.id,
                                             .lead_accountant = "lead-3",
                                             .order_by = "client_number"});
                               });
  benchmark::RegisterBenchmark(
      ("FilterIndividuals" + size).c_str(), [&d, owner, firm](auto& s) {
        ListOrFail(s, d, owner, {.firm_id = firm.id, .client_type = v1::INDIVIDUAL});
      });
  benchmark::RegisterBenchmark(
      ("SearchNumberExact" + size).c_str(), [&d, owner, firm](auto& s) {
        ListOrFail(s, d, owner,
                   {.firm_id = firm.id,
                    .client_number_query = absl::StrFormat("c-%07d", firm.clients / 3)});
      });
}

}  // namespace
}  // namespace clientbook::directory

int main(int argc, char** argv) {
  using namespace clientbook::directory;
  benchmark::Initialize(&argc, argv);
  int large = 100000;
  if (const char* env = std::getenv("CLIENTBOOK_BENCH_CLIENTS")) large = std::atoi(env);
  Fixture fixture;
  const clientbook::bench::SeededFirm small_firm =
      clientbook::bench::SeedFirm(fixture.directory(), "small-owner", 2000);
  const clientbook::bench::SeededFirm large_firm =
      clientbook::bench::SeedFirm(fixture.directory(), "large-owner", large);
  Register(fixture, "small-owner", small_firm);
  Register(fixture, "large-owner", large_firm);
  clientbook::bench::ScaleReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
