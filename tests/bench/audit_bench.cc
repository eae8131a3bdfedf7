// What the audit costs, on RocksDB on disk, through the change log every
// service writes with:
// - reading one client's last 50 entries of a firm of 10,000 entries and of
//   one of CLIENTBOOK_BENCH_AUDIT_ENTRIES (default 1,000,000; the issue's
//   figure is 10,000,000 over 1,000,000 clients, CLIENTBOOK_BENCH_AUDIT_CLIENTS):
//   the small firm in a database of its own (all of it in memory), then
//   beside the large firm in one database (the firm's size alone); p50, p99
//   and the large/small p99 ratio of each pair;
// - the directory's UpdateClient through its real store with the audit on
//   and off (--audit_retention=0): writes/s and the index keys' bytes.
// Asserts nothing.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "common/changes/audit_index.h"
#include "common/changes/change_log.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "rocksdb/write_batch.h"
#include "services/directory/domain/directory.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "tests/bench/latency.h"
#include "tests/support/callers.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/temp_dir.h"

namespace clientbook::changes {
namespace {

constexpr char kLogTable = 'L';
// A client's stored record, before and after, about as big as the
// directory's (name, number, email, products, lead, etag): a window of
// random bytes, so that RocksDB cannot compress the log to nothing.
constexpr size_t kPayloadBytes = 220;

std::string Payload(uint64_t seed) {
  static const std::string* const kRandom = [] {
    std::mt19937_64 random(42);
    auto* bytes = new std::string(1 << 20, '\0');
    for (char& c : *bytes) c = static_cast<char>(random());
    return bytes;
  }();
  return kRandom->substr((seed * 7919) % (kRandom->size() - kPayloadBytes),
                         kPayloadBytes);
}
// The clients whose history the reads ask for: as many in every firm, so
// that the reads of a small and of a large firm go over as much data, each
// with at least 60 entries spread over the whole log.
constexpr int kReadClients = 64;
constexpr int64_t kBusyEntries = 60;

ChangeRecord ClientChange(int firm, const std::string& name, bool created,
                          uint64_t seed) {
  ChangeRecord record;
  record.set_type(created ? "CREATED" : "UPDATED");
  record.set_resource_type("clientbook.example/Client");
  record.set_name(name);
  record.set_etag("W/\"1234567890\"");
  if (!created) record.set_before(Payload(seed));
  record.set_after(Payload(seed + 1));
  record.set_firm_id(firm);
  record.set_actor(absl::StrCat("member-", seed % 40));
  record.set_method("/clientbook.v1.DirectoryService/UpdateClient");
  record.set_source("api");
  return record;
}

// One firm's history as the seeding writes it: each of its clients
// created, then updates at random, its busy clients' spread evenly among
// them.
class FirmHistory {
 public:
  FirmHistory(int firm, int clients, int64_t entries)
      : firm_(firm),
        clients_(clients),
        entries_(entries),
        random_(clients),
        busy_every_((entries - clients) / (kReadClients * kBusyEntries)) {}

  int64_t entries() const { return entries_; }
  int64_t written() const { return written_; }

  ChangeRecord Next() {
    const int64_t n = written_++;
    if (n < clients_)
      return ClientChange(firm_, ClientName(static_cast<int>(n)), true, n);
    const int64_t u = n - clients_;
    const int client = u % busy_every_ == 0
                           ? static_cast<int>((u / busy_every_) % kReadClients)
                           : static_cast<int>(random_() % clients_);
    return ClientChange(firm_, ClientName(client), false, u);
  }

  // Client `client` (below kReadClients) of those the reads ask for.
  std::string BusyClient(int client) const { return ClientName(client); }

 private:
  std::string ClientName(int client) const {
    return absl::StrCat("firms/", firm_, "/clients/", client);
  }

  const int firm_;
  const int clients_;
  const int64_t entries_;
  std::mt19937_64 random_;
  const int64_t busy_every_;
  int64_t written_ = 0;
};

// The block cache: a service's --block_cache_mb (64 by default), or
// CLIENTBOOK_BENCH_AUDIT_CACHE_MB.
size_t CacheMb() {
  const char* env = std::getenv("CLIENTBOOK_BENCH_AUDIT_CACHE_MB");
  return env != nullptr ? static_cast<size_t>(std::atoi(env)) : 64;
}

// A log holding the histories of `firms`, written together: each firm's
// entries spread over the whole seeding in proportion to its size, as in a
// store many firms write at once.
class SeededLog {
 public:
  explicit SeededLog(std::vector<FirmHistory> firms) : firms_(std::move(firms)) {
    db_ = std::move(
        *storage::Database::Open(dir_.Sub("db"), {.block_cache_mb = CacheMb()}));
    log_ = std::move(*ChangeLog::Open(*db_, kLogTable, clock_));
    const absl::Time start = absl::Now();
    std::vector<ChangeRecord> records;
    auto flush = [&] {
      rocksdb::WriteBatch batch;
      if (!log_->Commit(batch, std::move(records)).ok()) std::abort();
      records.clear();
    };
    int64_t total = 0;
    for (const FirmHistory& firm : firms_) total += firm.entries();
    for (int64_t n = 0; n < total; ++n) {
      // The firm furthest behind its share writes next.
      FirmHistory* next = nullptr;
      for (FirmHistory& firm : firms_) {
        if (firm.written() == firm.entries()) continue;
        if (next == nullptr ||
            firm.written() * next->entries() < next->written() * firm.entries()) {
          next = &firm;
        }
      }
      records.push_back(next->Next());
      if (records.size() == 1000) flush();
    }
    flush();
    absl::PrintF("seeded %d firms, %d audit entries in %.1f s", firms_.size(), total,
                 absl::ToDoubleSeconds(absl::Now() - start));
    // Read at rest, as a service's store is after a burst of writes: the
    // compactions the seeding left would take the cores the reads need.
    while (!db_->Settled()) absl::SleepFor(absl::Milliseconds(100));
    absl::PrintF(", settled after %.1f s\n", absl::ToDoubleSeconds(absl::Now() - start));
  }

  // The newest 50 entries of firm `firm`'s busy client `client`.
  absl::Status ReadHistory(size_t firm, int client) const {
    size_t seen = 0;
    absl::StatusOr<std::string> next = log_->ReadAudit(
        audit_index::ResourcePrefix(kLogTable, firms_[firm].BusyClient(client)), "", 50,
        1000, [&](const ChangeRecord&) -> absl::StatusOr<bool> {
          ++seen;
          return true;
        });
    if (!next.ok()) return next.status();
    // A page reads one entry past its end, to know whether another follows.
    if (seen < 50) return absl::InternalError(absl::StrCat("read ", seen, " entries"));
    return absl::OkStatus();
  }

 private:
  std::vector<FirmHistory> firms_;
  testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ChangeLog> log_;
};

// The directory's UpdateClient through its real store, with the audit on
// or off (--audit_retention=0): writes/s, and the bytes the audit adds to
// each.
void Write(benchmark::State& state, bool with_audit) {
  testing::TempDir dir;
  SystemClock clock;
  directory::FakeWholesaleCheck wholesale;
  directory::FakeImportActivity imports;
  auto db = std::move(*storage::Database::Open(dir.Sub("db"), {}));
  auto store = std::move(*directory::RocksDirectoryStore::Create(db.get(), clock));
  if (!with_audit) store->change_log().TurnAuditOff();
  directory::Directory d(*store, clock, wholesale, imports);
  const uint64_t firm =
      d.firms.CreateFirm(testing::As("owner"), "owner", "owner@x.example", "", "")->id();
  std::vector<directory::ClientRecord> clients;
  for (int i = 0; i < 1000; ++i) {
    directory::ClientRecord c;
    c.set_client_type(v1::BUSINESS);
    c.set_display_name(absl::StrCat("Rossi SRL ", i));
    c.set_client_number(absl::StrCat("C-", i));
    clients.push_back(*d.clients.CreateClient(testing::As("owner"), names::FirmName{firm},
                                              c, false, ""));
  }
  int64_t n = 0;
  for (auto _ : state) {
    directory::ClientRecord& client = clients[n % clients.size()];
    directory::ClientRecord patch;
    patch.set_client_number(absl::StrCat("N-", n++));
    absl::StatusOr<directory::ClientRecord> updated = d.clients.UpdateClient(
        testing::As("owner"), names::ClientName{firm, client.company_id()}, patch,
        {"client_number"}, directory::EtagOf(client));
    if (!updated.ok()) {
      state.SkipWithError(std::string(updated.status().message()).c_str());
      return;
    }
    client = *std::move(updated);
  }
  state.counters["writes_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  ChangeLog& log = store->change_log();
  const ChangeRecord last = *log.Read(log.next_sequence() - 1, 1)->front();
  // What the audit adds to the write's batch: its keys, and the record's
  // copy under the resource's.
  int64_t index_bytes = 0;
  if (with_audit) {
    for (const std::string& key : audit_index::KeysOf(log.table(), last)) {
      index_bytes += static_cast<int64_t>(key.size());
      if (audit_index::HoldsRecord(key)) index_bytes += last.ByteSizeLong();
    }
  }
  state.counters["audit_bytes"] = static_cast<double>(index_bytes);
}

}  // namespace
}  // namespace clientbook::changes

int main(int argc, char** argv) {
  using namespace clientbook::changes;
  benchmark::Initialize(&argc, argv);
  int clients = 100000;
  int64_t entries = 1000000;
  if (const char* env = std::getenv("CLIENTBOOK_BENCH_AUDIT_CLIENTS")) {
    clients = std::atoi(env);
  }
  if (const char* env = std::getenv("CLIENTBOOK_BENCH_AUDIT_ENTRIES")) {
    entries = std::atoll(env);
  }
  constexpr int kSmallClients = 1000;
  constexpr int64_t kSmallEntries = 10000;
  // A small firm in a store of its own (all of it in the memtable), and the
  // same small firm beside the large one in one store: the log's size
  // against the firm's.
  const SeededLog alone({FirmHistory(1, kSmallClients, kSmallEntries)});
  const SeededLog shared(
      {FirmHistory(1, clients, entries), FirmHistory(2, kSmallClients, kSmallEntries)});
  struct Read {
    const char* shape;
    const SeededLog* log;
    size_t firm;
    int64_t size;
  };
  for (const Read& read :
       {Read{"ClientLast50Entries/size:", &alone, 0, kSmallEntries},
        Read{"ClientLast50Entries/size:", &shared, 0, entries},
        Read{"ClientLast50EntriesSameStore/size:", &shared, 1, kSmallEntries},
        Read{"ClientLast50EntriesSameStore/size:", &shared, 0, entries}}) {
    benchmark::RegisterBenchmark(
        absl::StrCat(read.shape, read.size).c_str(), [read](benchmark::State& state) {
          // Steady state: each client read once before the timed reads.
          for (int c = 0; c < kReadClients; ++c) {
            if (!read.log->ReadHistory(read.firm, c).ok()) std::abort();
          }
          std::mt19937_64 random(7);
          clientbook::bench::TimeEachCall(state, [&] {
            return read.log->ReadHistory(read.firm,
                                         static_cast<int>(random() % kReadClients));
          });
        });
  }
  benchmark::RegisterBenchmark("WriteWithoutAudit", [](benchmark::State& state) {
    Write(state, /*with_audit=*/false);
  });
  benchmark::RegisterBenchmark("WriteWithAudit", [](benchmark::State& state) {
    Write(state, /*with_audit=*/true);
  });
  clientbook::bench::ScaleReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
