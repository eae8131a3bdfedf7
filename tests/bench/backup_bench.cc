// What backups cost, on the directory's real store on disk: a firm of
// CLIENTBOOK_BENCH_BACKUP_CLIENTS clients (default 20,000; the issue's
// figure is 1,000,000) is backed up in full, changed 10,000 times and backed
// up again, and restored; and UpdateClient runs for a while alone and then
// while backups are taken back to back. Prints the figures; asserts nothing.
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/changes/store_backups.h"
#include "common/storage/backups.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "services/directory/domain/directory.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "tests/support/callers.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/temp_dir.h"

namespace clientbook::directory {
namespace {

uint64_t DiskBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  return bytes;
}

double Seconds(absl::Time since) { return absl::ToDoubleSeconds(absl::Now() - since); }

template <typename T>
T OrDie(absl::StatusOr<T> result) {
  if (!result.ok()) {
    absl::FPrintF(stderr, "%s\n", result.status().ToString());
    std::abort();
  }
  return *std::move(result);
}

class Bench {
 public:
  explicit Bench(int clients)
      : db_(OrDie(storage::Database::Open(dir_.Sub("data"), {}))),
        store_(OrDie(RocksDirectoryStore::Create(db_.get(), clock_))),
        directory_(*store_, clock_, wholesale_, imports_),
        engine_(OrDie(storage::Backups::Open(dir_.Sub("backups")))),
        backups_(store_->change_log(), *engine_, "directory",
                 dir_.Sub("data") + "/backup-checkpoint") {
    const absl::Time start = absl::Now();
    firm_ = directory_.firms
                .CreateFirm(testing::As("owner"), "owner", "owner@x.example", "", "")
                ->id();
    for (int i = 0; i < clients; ++i) {
      ClientRecord c;
      c.set_client_type(v1::BUSINESS);
      c.set_display_name(absl::StrCat("Rossi SRL ", i));
      c.set_client_number(absl::StrFormat("C-%07d", i));
      c.set_email(absl::StrCat("client", i, "@rossi.example"));
      ClientRecord made = OrDie(directory_.clients.CreateClient(
          testing::As("owner"), names::FirmName{firm_}, c, false, ""));
      if (i < 10'000) clients_.push_back(made);
    }
    absl::PrintF("seeded %d clients in %.1f s; store %.1f MB\n", clients, Seconds(start),
                 DiskBytes(dir_.Sub("data")) / 1e6);
  }

  // One UpdateClient of the next of the first 10,000 clients.
  void Update() {
    ClientRecord& client = clients_[next_++ % clients_.size()];
    ClientRecord patch;
    patch.set_client_number(absl::StrCat("N-", next_));
    client = OrDie(directory_.clients.UpdateClient(
        testing::As("owner"), names::ClientName{firm_, client.company_id()}, patch,
        {"client_number"}, EtagOf(client)));
  }

  // UpdateClient calls a second for `how_long`, with `during` running
  // beside them until they end.
  double WritesPerSecond(absl::Duration how_long, const std::function<void()>& during) {
    std::atomic<bool> stop = false;
    std::thread beside([&] {
      while (!stop) during();
    });
    const absl::Time start = absl::Now();
    int64_t writes = 0;
    while (absl::Now() - start < how_long) {
      Update();
      ++writes;
    }
    const double rate = writes / Seconds(start);
    stop = true;
    beside.join();
    return rate;
  }

  void Run() {
    absl::Time start = absl::Now();
    changes::StoreBackup full = OrDie(backups_.Create());
    absl::PrintF("full backup: %.2f s, %.1f MB in %u files (changes up to %d)\n",
                 Seconds(start), full.info.size_bytes / 1e6, full.info.file_count,
                 full.metadata.change_sequence());
    for (int i = 0; i < 10'000; ++i) Update();
    const uint64_t before = DiskBytes(dir_.Sub("backups"));
    start = absl::Now();
    OrDie(backups_.Create());
    absl::PrintF("incremental backup after 10,000 changes: %.2f s, %.1f MB copied\n",
                 Seconds(start), (DiskBytes(dir_.Sub("backups")) - before) / 1e6);
    start = absl::Now();
    OrDie(changes::RestoreBackup(*engine_, full.info.id, dir_.Sub("restored"), clock_));
    absl::PrintF("restore of the full backup: %.2f s\n", Seconds(start));

    const absl::Duration window = absl::Seconds(5);
    const double alone =
        WritesPerSecond(window, [] { absl::SleepFor(absl::Milliseconds(10)); });
    int backups = 0;
    const double during = WritesPerSecond(window, [&] {
      OrDie(backups_.Create());
      ++backups;
    });
    absl::PrintF(
        "UpdateClient alone: %.0f/s; while %d backups ran back to back: %.0f/s (%.2fx)\n",
        alone, backups, during, during / alone);
  }

 private:
  testing::TempDir dir_;
  SystemClock clock_;
  FakeWholesaleCheck wholesale_;
  FakeImportActivity imports_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<RocksDirectoryStore> store_;
  Directory directory_;
  std::unique_ptr<storage::Backups> engine_;
  changes::StoreBackups backups_;
  uint64_t firm_ = 0;
  std::vector<ClientRecord> clients_;
  uint64_t next_ = 0;
};

}  // namespace
}  // namespace clientbook::directory

int main() {
  int clients = 20'000;
  if (const char* env = std::getenv("CLIENTBOOK_BENCH_BACKUP_CLIENTS")) {
    clients = std::atoi(env);
  }
  clientbook::directory::Bench bench(clients);
  bench.Run();
  return 0;
}
