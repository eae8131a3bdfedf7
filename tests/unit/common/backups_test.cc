// Backups of a store while writers run, on disk as a service keeps them:
// each holds exactly the changes up to its sequence, a second one copies
// only what changed, a damaged one is caught before anything is written,
// and a restored store has a new epoch.
#include "common/storage/backups.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/changes/change_log.h"
#include "common/changes/store_backups.h"
#include "common/status/errors.h"
#include "common/storage/database.h"
#include "common/storage/id_allocator.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "tests/support/failing_file_system.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook::changes {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::clientbook::testing::ValueOrFail;

constexpr char kTable = 'L';

uint64_t DiskBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  return bytes;
}

class BackupsTest : public ::testing::Test {
 protected:
  BackupsTest()
      // A small memtable, so most of the store is in table files, as in a
      // service that has run a while.
      : db_(ValueOrFail(
            storage::Database::Open(dir_.Sub("data"), {.write_buffer_mb = 1}))),
        log_(ValueOrFail(ChangeLog::Open(*db_, kTable, clock_))),
        engine_(ValueOrFail(storage::Backups::Open(dir_.Sub("backups")))),
        backups_(*log_, *engine_, "directory", dir_.Sub("data") + "/backup-checkpoint") {}

  // One data key and its change record, in one batch.
  absl::Status Write(int i) {
    rocksdb::WriteBatch batch;
    const std::string name = absl::StrCat("firms/1/clients/", i);
    batch.Put(absl::StrCat("d", name), std::string(200, static_cast<char>('a' + i % 26)));
    ChangeRecord record;
    record.set_type("UPDATED");
    record.set_name(name);
    record.set_firm_id(1);
    record.set_actor("alice");
    return log_->Commit(batch, {record});
  }

  // Backup `id` restored into a directory of its own, opened.
  struct Restored {
    std::unique_ptr<storage::Database> db;
    std::unique_ptr<ChangeLog> log;
  };
  Restored Restore(uint32_t id) {
    const std::string into = dir_.Sub(absl::StrCat("restored-", id));
    EXPECT_THAT(RestoreBackup(*engine_, id, into, clock_), IsOk());
    Restored restored;
    restored.db = ValueOrFail(storage::Database::Open(into, {}));
    restored.log = ValueOrFail(ChangeLog::Open(*restored.db, kTable, clock_));
    return restored;
  }

  // Backups on a volume of their own, whose faults the test sets, of a
  // store of 100 writes.
  struct FaultyVolume {
    std::shared_ptr<testing::FailingFileSystem> volume =
        std::make_shared<testing::FailingFileSystem>(rocksdb::FileSystem::Default());
    std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(volume);
    std::unique_ptr<storage::Backups> engine;
    std::unique_ptr<StoreBackups> backups;
  };
  std::unique_ptr<FaultyVolume> OnFaultyVolume() {
    auto faulty = std::make_unique<FaultyVolume>();
    faulty->engine = ValueOrFail(storage::Backups::Open(
        dir_.Sub("faulty-volume"), /*read_only=*/false, faulty->env.get()));
    faulty->backups = std::make_unique<StoreBackups>(*log_, *faulty->engine, "directory",
                                                     dir_.Sub("data") + "/checkpoint-2");
    for (int i = 0; i < 100; ++i) EXPECT_THAT(Write(i), IsOk());
    return faulty;
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ChangeLog> log_;
  std::unique_ptr<storage::Backups> engine_;
  StoreBackups backups_;
};

TEST_F(BackupsTest, EachBackupHoldsExactlyTheChangesUpToItsSequenceWhileWritersRun) {
  std::atomic<bool> stop = false;
  std::atomic<int> next = 0;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&] {
      while (!stop) ASSERT_THAT(Write(next++), IsOk());
    });
  }
  std::vector<StoreBackup> made;
  for (int b = 0; b < 3; ++b) {
    // At least (b + 1) * 300 changes committed, with more coming.
    while (log_->next_sequence() <= static_cast<uint64_t>(b + 1) * 300) {
      std::this_thread::yield();
    }
    made.push_back(ValueOrFail(backups_.Create()));
  }
  stop = true;
  for (std::thread& writer : writers) writer.join();

  for (const StoreBackup& backup : made) {
    SCOPED_TRACE(absl::StrCat("backup ", backup.info.id));
    EXPECT_EQ(backup.metadata.service(), "directory");
    EXPECT_EQ(backup.metadata.store_epoch(), log_->epoch());
    EXPECT_GE(backup.metadata.change_sequence(), 300u);
    Restored restored = Restore(backup.info.id);
    EXPECT_EQ(restored.log->next_sequence(), backup.metadata.change_sequence() + 1)
        << "the backup holds every change up to its sequence and none after";
    EXPECT_NE(restored.log->epoch(), log_->epoch()) << "a restored store has a new epoch";
    // Each record's data came with it, and nothing else did.
    for (const SharedRecord& record : ValueOrFail(restored.log->Read(1, 100'000))) {
      EXPECT_TRUE(ValueOrFail(restored.db->Get("d" + record->name())).has_value());
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("data") + "/backup-checkpoint"));
  ASSERT_EQ(ValueOrFail(backups_.List({})).items.size(), 3u);
  EXPECT_EQ(ValueOrFail(backups_.List({})).items.front().info.id, made.back().info.id)
      << "newest first";
}

TEST_F(BackupsTest, BackupsAreListedNewestFirstAPageAtATime) {
  for (int b = 0; b < 5; ++b) {
    ASSERT_THAT(Write(b), IsOk());
    ValueOrFail(backups_.Create());
  }
  auto ids_of = [](const storage::Page<StoreBackup>& page) {
    std::vector<uint32_t> ids;
    for (const StoreBackup& backup : page.items) ids.push_back(backup.info.id);
    return ids;
  };
  const storage::Page<StoreBackup> first = ValueOrFail(backups_.List({.page_size = 2}));
  EXPECT_THAT(ids_of(first), ::testing::ElementsAre(5, 4));
  ASSERT_THAT(backups_.Delete(3), IsOk()) << "removed between two pages";
  const storage::Page<StoreBackup> second =
      ValueOrFail(backups_.List({.page_size = 2, .page_token = first.next_page_token}));
  EXPECT_THAT(ids_of(second), ::testing::ElementsAre(2, 1));
  EXPECT_EQ(second.next_page_token, "") << "a full last page has no token";
  EXPECT_THAT(ids_of(ValueOrFail(backups_.List({}))), ::testing::ElementsAre(5, 4, 2, 1));

  EXPECT_THAT(backups_.List({.page_size = -1}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(backups_.List({.page_token = "bm90IGEgdG9rZW4"}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string another_querys = storage::EncodePageToken("clients", "x");
  EXPECT_THAT(backups_.List({.page_token = another_querys}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string not_an_id = storage::EncodePageToken(StoreBackups::kPageQuery, "x");
  EXPECT_THAT(backups_.List({.page_token = not_an_id}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A backup made for a CreateBackup's request id is found by it, its
// caller's only, for as long as it is kept: the id is in the backup's own
// metadata, so an engine opened again (a restarted service) finds it too.
TEST_F(BackupsTest, ABackupMadeForARequestIdIsFoundByItWhileKept) {
  ASSERT_THAT(Write(1), IsOk());
  const BackupRequest nightly{.caller = "ops", .request_id = "nightly-1"};
  const StoreBackup made = ValueOrFail(backups_.Create(nightly));
  ValueOrFail(backups_.Create());
  EXPECT_EQ(ValueOrFail(backups_.MadeFor(nightly))->info.id, made.info.id);
  EXPECT_EQ(ValueOrFail(backups_.MadeFor({.caller = "ops2", .request_id = "nightly-1"})),
            std::nullopt)
      << "another caller's id is its own";
  EXPECT_EQ(ValueOrFail(backups_.MadeFor({.caller = "ops", .request_id = ""})),
            std::nullopt);
  {
    std::unique_ptr<storage::Backups> reopened =
        ValueOrFail(storage::Backups::Open(dir_.Sub("backups"), /*read_only=*/true));
    StoreBackups after_restart(*log_, *reopened, "directory", dir_.Sub("checkpoint-3"));
    EXPECT_EQ(ValueOrFail(after_restart.MadeFor(nightly))->info.id, made.info.id);
  }
  ASSERT_THAT(backups_.Delete(made.info.id), IsOk());
  EXPECT_EQ(ValueOrFail(backups_.MadeFor(nightly)), std::nullopt);
}

TEST_F(BackupsTest, ASecondBackupCopiesOnlyWhatChanged) {
  for (int i = 0; i < 60'000; ++i) ASSERT_THAT(Write(i), IsOk());
  // Settled first: a compaction running between the two backups would
  // rewrite files the first one holds, and the second would copy them.
  ASSERT_THAT(db_->CompactAll(), IsOk());
  ValueOrFail(backups_.Create());
  const uint64_t tables = DiskBytes(dir_.Sub("backups") + "/shared_checksum");
  ASSERT_GT(tables, 0u);
  for (int i = 0; i < 100; ++i) ASSERT_THAT(Write(i), IsOk());
  const StoreBackup second = ValueOrFail(backups_.Create());
  // The table files are shared with the first backup: the second copies
  // the 100 writes' table and what compactions wrote since, a few percent.
  const uint64_t copied = DiskBytes(dir_.Sub("backups") + "/shared_checksum") - tables;
  EXPECT_LT(copied * 4, tables)
      << "tables " << tables << " bytes, copied again " << copied;
  Restored restored = Restore(second.info.id);
  EXPECT_EQ(restored.log->next_sequence(), log_->next_sequence());
}

TEST_F(BackupsTest, AFullBackupVolumeIsSaidSoAndTheNextBackupOnceFreedIsWhole) {
  const std::unique_ptr<FaultyVolume> faulty = OnFaultyVolume();
  testing::FailingFileSystem* volume = faulty->volume.get();
  storage::Backups* engine = faulty->engine.get();
  StoreBackups& backups = *faulty->backups;

  volume->Set(testing::FailingFileSystem::Fault::kFull);
  const absl::Status full = backups.Create().status();
  EXPECT_THAT(full, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(errors::ReasonOf(full), "BACKUP_VOLUME_FULL") << full;
  EXPECT_THAT(ValueOrFail(backups.List({})).items, ::testing::IsEmpty());
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("data") + "/checkpoint-2"));
  ASSERT_THAT(Write(100), IsOk()) << "the service's own disk is not the full one";

  volume->Set(testing::FailingFileSystem::Fault::kNone);
  const StoreBackup backup = ValueOrFail(backups.Create());
  ASSERT_EQ(ValueOrFail(backups.List({})).items.size(), 1u);
  EXPECT_THAT(backups.Verify(backup.info.id), IsOk());
  const std::string into = dir_.Sub("restored");
  ValueOrFail(RestoreBackup(*engine, backup.info.id, into, clock_));
  auto db = ValueOrFail(storage::Database::Open(into, {}));
  EXPECT_EQ(ValueOrFail(ChangeLog::Open(*db, kTable, clock_))->next_sequence(), 102u);
}

TEST_F(BackupsTest, BackupsAreListedAndReadWhileAnotherIsBeingMade) {
  const std::unique_ptr<FaultyVolume> faulty = OnFaultyVolume();
  testing::FailingFileSystem* volume = faulty->volume.get();
  storage::Backups* engine = faulty->engine.get();
  StoreBackups& backups = *faulty->backups;
  const StoreBackup first = ValueOrFail(backups.Create());
  ASSERT_THAT(Write(100), IsOk());

  // The second backup hangs on its volume half way.
  volume->Set(testing::FailingFileSystem::Fault::kStalled);
  absl::StatusOr<StoreBackup> second;
  std::thread maker([&] { second = backups.Create(); });
  volume->AwaitStalled(1);
  auto listed = std::async(std::launch::async, [&] {
    return std::make_pair(backups.List({}), engine->Get(first.info.id));
  });
  const bool answered =
      listed.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  volume->Set(testing::FailingFileSystem::Fault::kNone);
  maker.join();
  ASSERT_TRUE(answered) << "ListBackups waited for the backup being made";
  auto [list, got] = listed.get();
  ASSERT_EQ(ValueOrFail(std::move(list)).items.size(), 1u) << "the second not yet listed";
  EXPECT_EQ(ValueOrFail(std::move(got)).id, first.info.id);

  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(ValueOrFail(backups.List({})).items.size(), 2u) << "listed once made";
  ASSERT_THAT(backups.Delete(first.info.id), IsOk());
  EXPECT_EQ(ValueOrFail(backups.List({})).items.size(), 1u) << "unlisted once deleted";
  EXPECT_THAT(engine->Get(first.info.id).status(), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(BackupsTest, RacingVerifiesOfOneBackupShareItsReads) {
  const std::unique_ptr<FaultyVolume> faulty = OnFaultyVolume();
  testing::FailingFileSystem* volume = faulty->volume.get();
  storage::Backups* engine = faulty->engine.get();
  StoreBackups& backups = *faulty->backups;
  const uint32_t id = ValueOrFail(backups.Create()).info.id;
  const int before = volume->files_read();
  ASSERT_THAT(engine->Verify(id), IsOk());
  const int files_a_verify_reads = volume->files_read() - before;
  ASSERT_GT(files_a_verify_reads, 0);

  // A verify hangs on its first read; 16 callers arrive meanwhile and
  // share the next, which starts after they asked.
  volume->Set(testing::FailingFileSystem::Fault::kStalled);
  std::vector<absl::Status> verified(17);
  std::vector<std::thread> callers;
  callers.emplace_back([&] { verified[0] = engine->Verify(id); });
  volume->AwaitStalled(1);
  for (int c = 1; c <= 16; ++c)
    callers.emplace_back([&, c] { verified[c] = engine->Verify(id); });
  // (Verifies that did not wait would each hang on a read instead.)
  while (engine->VerifiesWaiting(id) + volume->stalled() < 17) std::this_thread::yield();
  volume->Set(testing::FailingFileSystem::Fault::kNone);
  for (std::thread& caller : callers) caller.join();
  EXPECT_THAT(verified, ::testing::Each(IsOk()));
  EXPECT_EQ(volume->files_read() - before, 3 * files_a_verify_reads)
      << "the first verify, the run the leader started and the one the 16 shared";
  EXPECT_EQ(engine->VerifiesWaiting(id), 0);
}

TEST_F(BackupsTest, ADamagedBackupIsCaughtByVerifyAndRestoreWritesNothing) {
  for (int i = 0; i < 1000; ++i) ASSERT_THAT(Write(i), IsOk());
  const StoreBackup backup = ValueOrFail(backups_.Create());
  EXPECT_THAT(backups_.Verify(backup.info.id), IsOk());
  // One byte of a table file flipped, its size unchanged.
  bool damaged = false;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir_.Sub("backups"))) {
    if (damaged || entry.path().extension() != ".sst") continue;
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(100);
    const char byte = static_cast<char>(file.get());
    file.seekp(100);
    file.put(static_cast<char>(~byte));
    damaged = true;
  }
  ASSERT_TRUE(damaged);
  // A fresh reader, as clientbook-admin opens the directory.
  auto reader =
      ValueOrFail(storage::Backups::Open(dir_.Sub("backups"), /*read_only=*/true));
  EXPECT_THAT(reader->Verify(backup.info.id), StatusIs(absl::StatusCode::kDataLoss));
  const std::string into = dir_.Sub("restored");
  EXPECT_THAT(RestoreBackup(*reader, backup.info.id, into, clock_).status(),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_FALSE(std::filesystem::exists(into) && !std::filesystem::is_empty(into));
  // Asked to replace a store, it verifies before it removes anything.
  EXPECT_THAT(
      RestoreBackup(*reader, backup.info.id, dir_.Sub("data"), clock_, /*replace=*/true)
          .status(),
      StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_TRUE(ValueOrFail(db_->Get("dfirms/1/clients/1")).has_value());
}

TEST_F(BackupsTest, ARestoreWritesOnlyIntoAnEmptyDirectoryAndUnknownIdsAreNotFound) {
  ASSERT_THAT(Write(1), IsOk());
  const StoreBackup backup = ValueOrFail(backups_.Create());
  EXPECT_THAT(RestoreBackup(*engine_, backup.info.id, dir_.Sub("data"), clock_).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(
      RestoreBackup(*engine_, backup.info.id + 1, dir_.Sub("other"), clock_).status(),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(backups_.Verify(backup.info.id + 1).status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(backups_.Delete(backup.info.id + 1), StatusIs(absl::StatusCode::kNotFound));
  // Asked to, it replaces a store: the one there is gone, the backup's is in.
  ASSERT_THAT(Write(2), IsOk());
  const std::string other = dir_.Sub("other-store");
  {
    auto db = ValueOrFail(storage::Database::Open(other, {}));
    auto log = ValueOrFail(ChangeLog::Open(*db, kTable, clock_));
  }
  ValueOrFail(RestoreBackup(*engine_, backup.info.id, other, clock_, /*replace=*/true));
  {
    auto db = ValueOrFail(storage::Database::Open(other, {}));
    EXPECT_EQ(ValueOrFail(ChangeLog::Open(*db, kTable, clock_))->next_sequence(),
              backup.metadata.change_sequence() + 1);
  }
  // Made beside it and moved in: nothing is left there.
  EXPECT_FALSE(std::filesystem::exists(other + ".restoring"));
  EXPECT_FALSE(std::filesystem::exists(other + ".replaced"));
  // The newest when no id is given; into directories not made yet.
  EXPECT_EQ(
      ValueOrFail(RestoreBackup(*engine_, 0, dir_.Sub("not/made/yet"), clock_)).info.id,
      backup.info.id);
  // A volume's mount point cannot be moved into.
  EXPECT_THAT(RestoreBackup(*engine_, 0, "/proc", clock_, /*replace=*/true).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "mount point"));
  // Nor a file, nor a path through one: refused with nothing written.
  const std::string file = dir_.Sub("a-file");
  std::ofstream(file) << "";
  for (const std::string& into : {file, file + "/data"}) {
    for (bool replace : {false, true}) {
      EXPECT_THAT(
          RestoreBackup(*engine_, 0, into, clock_, replace).status(),
          StatusIs(absl::StatusCode::kFailedPrecondition, file + " is not a directory"))
          << into;
      EXPECT_FALSE(std::filesystem::exists(into + ".restoring")) << into;
    }
  }
  EXPECT_TRUE(std::filesystem::is_regular_file(file));
}

TEST_F(BackupsTest, ARestoredStoreNeverHandsOutAnIdAgain) {
  EXPECT_EQ(log_->ids_to_skip(), 0u) << "a store never restored skips nothing";
  constexpr char kIds[] = "ids";
  constexpr names::Cell kCell{3};
  auto ids = ValueOrFail(log_->OpenIdAllocator(kIds, 1001, kCell));
  ASSERT_THAT(Write(1), IsOk());
  EXPECT_EQ(ValueOrFail(ids->Next()), kCell.first_id()) << "ids in the cell's range";
  const StoreBackup backup = ValueOrFail(backups_.Create());
  // Ids the restore forgets: handed out after the backup, across blocks.
  uint64_t last_before_loss = 0;
  for (int i = 0; i < 3000; ++i) last_before_loss = ValueOrFail(ids->Next());

  // Restored an hour after the backup (whose time is the engine's, real),
  // and opened twice: it skips once.
  clock_.Advance(backup.info.create_time - clock_.Now() + absl::Hours(1));
  uint64_t first_after_restore = 0;
  uint64_t last_after_restore = 0;
  {
    Restored restored = Restore(backup.info.id);
    EXPECT_GT(restored.log->ids_to_skip(), 0u);
    auto again = ValueOrFail(restored.log->OpenIdAllocator(kIds, 1001, kCell));
    first_after_restore = ValueOrFail(again->Next());
    for (int i = 0; i < 3000; ++i) last_after_restore = ValueOrFail(again->Next());
    EXPECT_EQ(restored.log->ids_to_skip(), 0u);
  }
  EXPECT_GT(first_after_restore, last_before_loss);
  EXPECT_TRUE(kCell.Holds(last_after_restore))
      << "an hour's skip stays in the cell's range";
  {
    auto db = ValueOrFail(
        storage::Database::Open(dir_.Sub(absl::StrCat("restored-", backup.info.id)), {}));
    auto log = ValueOrFail(ChangeLog::Open(*db, kTable, clock_));
    EXPECT_EQ(log->ids_to_skip(), 0u) << "skipped once, durably";
    auto reopened = ValueOrFail(log->OpenIdAllocator(kIds, 1001, kCell));
    const uint64_t next = ValueOrFail(reopened->Next());
    EXPECT_GT(next, last_after_restore);
    EXPECT_LT(next, last_after_restore + 2048) << "a reopen skips no more than a block";
  }

  // The same backup restored again later: above the first restore's ids too.
  clock_.Advance(absl::Seconds(1));
  const std::string into = dir_.Sub("restored-again");
  ValueOrFail(RestoreBackup(*engine_, backup.info.id, into, clock_));
  auto db = ValueOrFail(storage::Database::Open(into, {}));
  auto log = ValueOrFail(ChangeLog::Open(*db, kTable, clock_));
  auto ids_again = ValueOrFail(log->OpenIdAllocator(kIds, 1001, kCell));
  EXPECT_GT(ValueOrFail(ids_again->Next()), last_after_restore);
}

TEST_F(BackupsTest, ACellsIdsEndAtItsRange) {
  constexpr names::Cell kLast{names::Cell::kCells - 1};
  auto ids = ValueOrFail(storage::IdAllocator::Open(db_.get(), "ids", kLast.end_id() - 2,
                                                    kLast.end_id(), /*skip=*/0));
  EXPECT_EQ(ValueOrFail(ids->Next()), kLast.end_id() - 2);
  EXPECT_EQ(ValueOrFail(ids->Next()), kLast.end_id() - 1);
  EXPECT_THAT(ids->Next().status(), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(names::Cell::Holding(kLast.end_id() - 1).id, kLast.id);
}

}  // namespace
}  // namespace clientbook::changes
