#include "common/changes/change_log.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/changes/audit_index.h"
#include "common/changes/change_filter.h"
#include "common/changes/change_service.h"
#include "common/changes/change_token.h"
#include "common/keys/key_codec.h"
#include "common/status/errors.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "tests/support/change_records.h"
#include "tests/support/failing_file_system.h"
#include "tests/support/status_matchers.h"

namespace clientbook::changes {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::clientbook::testing::ValueOrFail;

constexpr char kTable = 'C';

using FailingFileSystem = ::clientbook::testing::FailingFileSystem;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

class ChangeLogTest : public ::testing::Test {
 protected:
  ChangeLogTest()
      : memory_(rocksdb::NewMemEnv(rocksdb::Env::Default())),
        file_system_(std::make_shared<FailingFileSystem>(memory_->GetFileSystem())),
        env_(rocksdb::NewCompositeEnv(file_system_)) {
    Reopen();
  }

  void Reopen() {
    log_.reset();
    db_.reset();
    db_ = ValueOrFail(storage::Database::Open(
        "/changes", {.env = env_.get(), .on_unrecoverable = [](const absl::Status&) {}}));
    log_ = ValueOrFail(ChangeLog::Open(*db_, kTable, clock_));
  }

  static ChangeRecord Change(const std::string& name) {
    ChangeRecord record;
    record.set_type("UPDATED");
    record.set_name(name);
    return record;
  }

  // Commits one data key and a record naming it.
  absl::Status Write(const std::string& name) {
    rocksdb::WriteBatch batch;
    batch.Put(absl::StrCat("data/", name), name);
    return log_->Commit(batch, {Change(name)});
  }

  std::vector<ChangeRecord> Read(uint64_t from, size_t limit) {
    return ValueOrFail(testing::ChangeRecords(*log_, from, limit));
  }
  std::vector<ChangeRecord> All() { return Read(1, 1'000'000); }

  std::unique_ptr<rocksdb::Env> memory_;
  std::shared_ptr<FailingFileSystem> file_system_;
  std::unique_ptr<rocksdb::Env> env_;
  FakeClock clock_{kStart};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ChangeLog> log_;
};

TEST_F(ChangeLogTest, RecordsCommitWithTheirDataNumberedFromOne) {
  EXPECT_EQ(log_->next_sequence(), 1u);
  EXPECT_EQ(log_->oldest_sequence(), 1u);
  ASSERT_THAT(Write("a"), IsOk());
  clock_.Advance(absl::Seconds(1));
  rocksdb::WriteBatch batch;
  batch.Put("data/b", "b");
  batch.Put("data/c", "c");
  ASSERT_THAT(log_->Commit(batch, {Change("b"), Change("c")}), IsOk());

  std::vector<ChangeRecord> records = All();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].sequence(), 1u);
  EXPECT_EQ(records[0].name(), "a");
  EXPECT_EQ(records[0].commit_time_us(), absl::ToUnixMicros(kStart));
  EXPECT_EQ(records[2].sequence(), 3u);
  EXPECT_EQ(records[2].commit_time_us(), absl::ToUnixMicros(kStart + absl::Seconds(1)));
  EXPECT_EQ(log_->next_sequence(), 4u);
  EXPECT_EQ(ValueOrFail(db_->Get("data/c")), "c");
  EXPECT_EQ(Read(2, 1).front().name(), "b");
}

TEST_F(ChangeLogTest, AReopenedLogKeepsItsEpochAndGoesOnFromItsLastRecord) {
  const std::string epoch = log_->epoch();
  EXPECT_EQ(epoch.size(), 32u);
  ASSERT_THAT(Write("a"), IsOk());
  ASSERT_THAT(Write("b"), IsOk());
  Reopen();
  EXPECT_EQ(log_->epoch(), epoch);
  EXPECT_EQ(log_->next_sequence(), 3u);
  ASSERT_THAT(Write("c"), IsOk());
  EXPECT_EQ(All().back().sequence(), 3u);

  // Another store (made anew, or restored elsewhere) is another history.
  auto other_env =
      std::unique_ptr<rocksdb::Env>(rocksdb::NewMemEnv(rocksdb::Env::Default()));
  auto other_db =
      ValueOrFail(storage::Database::Open("/other", {.env = other_env.get()}));
  auto other = ValueOrFail(ChangeLog::Open(*other_db, kTable, clock_));
  EXPECT_NE(other->epoch(), epoch);
}

TEST_F(ChangeLogTest, AFailedWriteTakesNoSequence) {
  ASSERT_THAT(Write("a"), IsOk());
  file_system_->Set(FailingFileSystem::Fault::kBroken);
  EXPECT_FALSE(Write("never").ok());
  EXPECT_EQ(log_->next_sequence(), 2u);
  file_system_->Set(FailingFileSystem::Fault::kNone);
  // A disk that failed (not one that filled) leaves RocksDB refusing writes
  // until reopened.
  Reopen();
  EXPECT_FALSE(ValueOrFail(db_->Get("data/never")).has_value());
  ASSERT_THAT(Write("b"), IsOk());
  std::vector<ChangeRecord> records = All();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].sequence(), 2u);
  EXPECT_EQ(records[1].name(), "b");
}

TEST_F(ChangeLogTest, SixtyFourRacingWritersLeaveNoGapAndEachBatchTogether) {
  std::vector<std::thread> writers;
  std::atomic<int> failed{0};
  for (int w = 0; w < 64; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 20; ++i) {
        rocksdb::WriteBatch batch;
        std::vector<ChangeRecord> records;
        for (int part = 0; part <= i % 3; ++part) {
          records.push_back(Change(absl::StrCat(w, "/", i)));
        }
        if (!log_->Commit(batch, std::move(records)).ok()) ++failed;
      }
    });
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(failed, 0);
  std::vector<ChangeRecord> records = All();
  ASSERT_EQ(records.size(), 64u * (7 * 1 + 7 * 2 + 6 * 3));
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_EQ(records[i].sequence(), i + 1) << "a gap or a repeat";
    if (i > 0) {
      EXPECT_GE(records[i].commit_time_us(), records[i - 1].commit_time_us());
    }
  }
  // A batch's records are consecutive: no other commit lands between them.
  for (size_t i = 1; i + 1 < records.size(); ++i) {
    if (records[i - 1].name() == records[i + 1].name()) {
      EXPECT_EQ(records[i].name(), records[i - 1].name());
    }
  }
  EXPECT_EQ(log_->next_sequence(), records.size() + 1);
}

TEST_F(ChangeLogTest, CommitTimesNeverGoBackWhenTheClockDoes) {
  clock_.Advance(absl::Hours(1));
  ASSERT_THAT(Write("a"), IsOk());
  clock_.Advance(-absl::Minutes(30));
  ASSERT_THAT(Write("b"), IsOk());
  std::vector<ChangeRecord> records = All();
  EXPECT_EQ(records[1].commit_time_us(), records[0].commit_time_us());
}

// Retention's edge: a record committed exactly at the cutoff is kept, one
// committed before it goes; the sweep takes at most `limit` a call.
TEST_F(ChangeLogTest, RecordsBeforeTheCutoffGoAndTheOneAtItStays) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(Write(absl::StrCat("r", i)), IsOk());
    clock_.Advance(absl::Hours(1));
  }
  const absl::Time cutoff = kStart + absl::Hours(3);  // r3's commit time
  EXPECT_EQ(ValueOrFail(log_->DeleteBefore(cutoff, 2)), 2u);
  EXPECT_EQ(log_->oldest_sequence(), 3u);
  EXPECT_EQ(ValueOrFail(log_->DeleteBefore(cutoff, 2)), 1u);
  EXPECT_EQ(ValueOrFail(log_->DeleteBefore(cutoff, 2)), 0u);
  EXPECT_EQ(log_->oldest_sequence(), 4u);
  std::vector<ChangeRecord> kept = Read(1, 100);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept.front().name(), "r3");
  EXPECT_EQ(kept.front().sequence(), 4u);

  Reopen();
  EXPECT_EQ(log_->oldest_sequence(), 4u);
  EXPECT_EQ(log_->next_sequence(), 6u);
}

// Everything expired: the newest record stays, so a restart goes on from it
// instead of numbering from 1 again.
TEST_F(ChangeLogTest, TheNewestRecordStaysSoSequencesNeverRestart) {
  ASSERT_THAT(Write("a"), IsOk());
  ASSERT_THAT(Write("b"), IsOk());
  clock_.Advance(absl::Hours(24));
  EXPECT_EQ(ValueOrFail(log_->DeleteBefore(clock_.Now(), 100)), 1u);
  Reopen();
  EXPECT_EQ(log_->oldest_sequence(), 2u);
  EXPECT_EQ(log_->next_sequence(), 3u);
}

TEST_F(ChangeLogTest, ReadsFromMemoryAndFromDiskAgree) {
  for (int i = 0; i < 5000; ++i) ASSERT_THAT(Write(absl::StrCat("c", i)), IsOk());
  // The first records are no longer in memory; the last ones are.
  const std::vector<ChangeRecord> old = Read(10, 3);
  const std::vector<ChangeRecord> recent = Read(4990, 100);
  ASSERT_EQ(old.size(), 3u);
  EXPECT_EQ(old[0].sequence(), 10u);
  EXPECT_EQ(old[0].name(), "c9");
  ASSERT_EQ(recent.size(), 11u);
  EXPECT_EQ(recent.back().sequence(), 5000u);
  EXPECT_TRUE(Read(5001, 10).empty());
  Reopen();  // memory is empty again: the same records from RocksDB
  const std::vector<ChangeRecord> reread = Read(4990, 100);
  ASSERT_EQ(reread.size(), 11u);
  EXPECT_EQ(reread.back().name(), "c4999");
}

TEST_F(ChangeLogTest, MemoryKeepsTheNewestRecordsUpTo16MiBAndReadsTheRestFromDisk) {
  // Records as big as a note's update (its 80 KB before and after): 4,096 of
  // them held 660 MB in memory.
  const std::string note(80'000, 'n');
  for (int i = 0; i < 300; ++i) {
    ChangeRecord record = Change(absl::StrCat("n", i));
    record.set_before(note);
    record.set_after(note);
    rocksdb::WriteBatch batch;
    ASSERT_THAT(log_->Commit(batch, {std::move(record)}), IsOk());
  }
  EXPECT_LE(log_->recent_bytes(), size_t{16} << 20);
  EXPECT_GT(log_->recent_bytes(), size_t{15} << 20);
  // The oldest come from RocksDB, the newest from memory, all of them; a
  // read from RocksDB stops past 1 MiB (500 of these were 80 MB a read).
  const std::vector<ChangeRecord> records = All();
  ASSERT_EQ(records.size(), 300u);
  EXPECT_EQ(records.front().name(), "n0");
  EXPECT_EQ(records.back().after().size(), note.size());
  EXPECT_EQ(ValueOrFail(log_->Read(1, 500)).size(), 7u) << "1 MiB of 160 KB records";
  // The newest record stays in memory however large.
  ChangeRecord huge = Change("huge");
  huge.set_after(std::string(size_t{20} << 20, 'h'));
  rocksdb::WriteBatch batch;
  ASSERT_THAT(log_->Commit(batch, {std::move(huge)}), IsOk());
  EXPECT_GT(log_->recent_bytes(), size_t{20} << 20);
  EXPECT_EQ(Read(301, 1).front().name(), "huge");
  ASSERT_THAT(Write("small"), IsOk());
  EXPECT_LT(log_->recent_bytes(), size_t{1} << 10);

  // Retention deletes them 1 MiB a batch, and every one of them.
  clock_.Advance(absl::Hours(48));
  EXPECT_EQ(ValueOrFail(log_->DeleteBefore(clock_.Now(), 1000)), 7u);
  EXPECT_EQ(ValueOrFail(SweepExpiredChanges(
                *log_, clock_, {.feed = absl::Hours(1), .audit = absl::Hours(24)})),
            301u - 7u);
  EXPECT_EQ(log_->oldest_sequence(), 302u);
}

TEST_F(ChangeLogTest, AwaitSequenceReturnsOnceTheRecordIsCommitted) {
  ASSERT_THAT(Write("a"), IsOk());
  std::thread writer([&] { ASSERT_THAT(Write("b"), IsOk()); });
  log_->AwaitSequence(2, absl::InfiniteDuration());
  writer.join();
  EXPECT_EQ(Read(2, 1).front().name(), "b");
}

// Many watchers wait at once: each one's deadline ends its own wait alone,
// and one commit wakes every waiter for it.
TEST_F(ChangeLogTest, AwaitSequenceWakesEveryWaiterOnOneCommitAndTimesEachOutAlone) {
  ASSERT_THAT(Write("a"), IsOk());
  std::atomic<int> woken = 0;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 64; ++i) {
    waiters.emplace_back([&] {
      log_->AwaitSequence(2, absl::InfiniteDuration());
      ++woken;
    });
  }
  for (int i = 0; i < 8; ++i) {
    const absl::Time begun = absl::Now();
    log_->AwaitSequence(2, absl::Milliseconds(5));
    EXPECT_GE(absl::Now() - begun, absl::Milliseconds(5));
  }
  EXPECT_EQ(woken, 0);
  ASSERT_THAT(Write("b"), IsOk());
  for (std::thread& waiter : waiters) waiter.join();
  EXPECT_EQ(woken, 64);
}

// Resources of the tests' snapshots: 'R' firm id -> a record naming itself
// (walked per firm), 'G' id -> the same (walked for every firm only).
class ResourceSnapshotTest : public ChangeLogTest {
 protected:
  ResourceSnapshotTest() {
    auto named = [](absl::string_view, const ChangeRecord& stored) {
      ChangeRecord record;
      record.set_name(stored.name());
      return std::optional<ChangeRecord>(record);
    };
    log_->SetResourceTables({FirmTable<ChangeRecord>('R', named),
                             FirmTable<ChangeRecord>('G', named, /*per_firm=*/false)});
  }

  absl::Status Put(char table, uint64_t firm, uint64_t id) {
    ChangeRecord stored;
    stored.set_name(absl::StrCat(std::string(1, table), firm, "/", id));
    rocksdb::WriteBatch batch;
    batch.Put(storage::KeyBuilder(table).Uint64(firm).Uint64(id).Release(),
              stored.SerializeAsString());
    return log_->Commit(batch, {Change(stored.name())});
  }

  static std::vector<std::string> Names(ResourceSnapshot& snapshot, size_t limit,
                                        size_t max_bytes, std::vector<size_t>* batches) {
    std::vector<std::string> names;
    while (true) {
      std::vector<ChangeRecord> batch = ValueOrFail(snapshot.Next(limit, max_bytes));
      if (batch.empty()) return names;
      if (batches != nullptr) batches->push_back(batch.size());
      for (const ChangeRecord& record : batch) {
        EXPECT_EQ(record.type(), kExists);
        EXPECT_EQ(record.sequence(), snapshot.next_sequence() - 1);
        names.push_back(record.name());
      }
    }
  }
};

TEST_F(ResourceSnapshotTest, OneFirmOrEveryFirmIsWalkedTableByTableInBatches) {
  ASSERT_THAT(Put('R', 1, 1), IsOk());
  ASSERT_THAT(Put('R', 2, 1), IsOk());
  ASSERT_THAT(Put('R', 1, 2), IsOk());
  ASSERT_THAT(Put('G', 1, 1), IsOk());
  ASSERT_THAT(Put('R', 1, 3), IsOk());
  std::vector<size_t> batches;
  std::unique_ptr<ResourceSnapshot> firm = log_->OpenSnapshot(1);
  EXPECT_EQ(firm->next_sequence(), 6u);
  EXPECT_THAT(Names(*firm, 2, 1 << 20, &batches),
              ::testing::ElementsAre("R1/1", "R1/2", "R1/3"));
  EXPECT_THAT(batches, ::testing::ElementsAre(2u, 1u));
  batches.clear();
  // A batch ends once its bytes reach the bound: one record each here.
  std::unique_ptr<ResourceSnapshot> every = log_->OpenSnapshot(0);
  EXPECT_THAT(Names(*every, 100, 1, &batches),
              ::testing::ElementsAre("R1/1", "R1/2", "R1/3", "R2/1", "G1/1"));
  EXPECT_THAT(batches, ::testing::Each(1u));
}

// Snapshots opened while 8 writers race each hold exactly the resources
// whose changes come before their next_sequence(): never a commit in part.
TEST_F(ResourceSnapshotTest, ASnapshotHoldsExactlyTheChangesBeforeItsSequence) {
  std::atomic<bool> stop = false;
  std::vector<std::thread> writers;
  for (uint64_t w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      for (uint64_t i = 0; !stop && i < 2'000; ++i) {
        ASSERT_THAT(Put('R', 1, w * 100'000 + i), IsOk());
      }
    });
  }
  std::vector<std::pair<uint64_t, std::vector<std::string>>> taken;
  for (int i = 0; i < 50; ++i) {
    std::unique_ptr<ResourceSnapshot> snapshot = log_->OpenSnapshot(1);
    std::vector<std::string> names = Names(*snapshot, 500, 1 << 20, nullptr);
    taken.emplace_back(snapshot->next_sequence(), std::move(names));
  }
  stop = true;
  for (std::thread& writer : writers) writer.join();
  std::map<std::string, uint64_t> sequence_of;
  for (const ChangeRecord& record : All()) sequence_of[record.name()] = record.sequence();
  for (auto& [next, names] : taken) {
    std::vector<std::string> expected;
    for (const auto& [name, sequence] : sequence_of) {
      if (sequence < next) expected.push_back(name);
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, expected) << "snapshot at " << next;
  }
}

class AuditIndexTest : public ChangeLogTest {
 protected:
  absl::Status Act(const std::string& name, uint64_t firm, const std::string& actor,
                   const std::string& client = "") {
    ChangeRecord record = Change(name);
    record.set_firm_id(firm);
    record.set_actor(actor);
    record.set_client(client);
    rocksdb::WriteBatch batch;
    return log_->Commit(batch, {record});
  }

  // Every entry under `prefix`, newest first, read a page of 2 at a time.
  std::vector<uint64_t> Walk(const std::string& prefix) {
    std::vector<uint64_t> sequences;
    std::string cursor;
    do {
      std::vector<uint64_t> page;
      cursor = ValueOrFail(
          log_->ReadAudit(prefix, cursor, 2, 1000,
                          [&](const ChangeRecord& record) -> absl::StatusOr<bool> {
                            page.push_back(record.sequence());
                            return true;
                          }));
      if (page.size() > 2) page.resize(2);
      sequences.insert(sequences.end(), page.begin(), page.end());
    } while (!cursor.empty());
    return sequences;
  }
};

TEST_F(AuditIndexTest,
       EachRecordIsFoundByItsResourceItsClientItsFirmAndItsActorNewestFirst) {
  ASSERT_THAT(Act("firms/1/clients/2", 1, "alice"), IsOk());                   // 1
  ASSERT_THAT(Act("firms/1/notes/3", 1, "bob", "firms/1/clients/2"), IsOk());  // 2
  ASSERT_THAT(Act("firms/2/clients/4", 2, "alice"), IsOk());                   // 3
  ASSERT_THAT(Act("firms/1/clients/2", 1, ""), IsOk());      // 4: a sweep
  ASSERT_THAT(Act("firms/1/clients/20", 1, "bob"), IsOk());  // 5
  const char t = kTable;
  EXPECT_THAT(Walk(audit_index::ResourcePrefix(t, "firms/1/clients/2")),
              ::testing::ElementsAre(4u, 2u, 1u));
  EXPECT_THAT(Walk(audit_index::ResourcePrefix(t, "firms/1/notes/3")),
              ::testing::ElementsAre(2u));
  EXPECT_THAT(Walk(audit_index::FirmPrefix(t, 1)),
              ::testing::ElementsAre(5u, 4u, 2u, 1u));
  EXPECT_THAT(Walk(audit_index::ActorPrefix(t, "alice")), ::testing::ElementsAre(3u, 1u));
}

TEST(RetentionTest, TheFeedKeeps1HourTo400DaysAndTheAudit1DayTo100YearsOrNothing) {
  const absl::Duration day = absl::Hours(24);
  auto ok = [](absl::Duration feed, absl::Duration audit) {
    return CheckRetention({.feed = feed, .audit = audit}).ok();
  };
  EXPECT_TRUE(ok(absl::Hours(1), day));
  EXPECT_FALSE(ok(absl::Hours(1) - absl::Seconds(1), day));
  EXPECT_TRUE(ok(400 * day, 400 * day));
  EXPECT_FALSE(ok(400 * day + absl::Seconds(1), 3653 * day));
  EXPECT_TRUE(ok(7 * day, absl::ZeroDuration())) << "0: the audit is off";
  EXPECT_FALSE(ok(absl::Hours(1), day - absl::Seconds(1)));
  EXPECT_FALSE(ok(7 * day, 7 * day - absl::Seconds(1))) << "shorter than the feed's";
  EXPECT_TRUE(ok(7 * day, 36525 * day));
  EXPECT_FALSE(ok(7 * day, 36525 * day + absl::Seconds(1)));
  EXPECT_THAT(
      CheckRetention({.feed = absl::Minutes(59), .audit = day}).status().message(),
      ::testing::HasSubstr("--change_retention must be from 1h to 400 days"));
}

// The feed's window closes after its retention; the audit keeps the record
// until its own ends, then the record and every index entry go together.
TEST_F(AuditIndexTest, TheFeedForgetsFirstAndTheAuditDeletesRecordAndIndexTogether) {
  ASSERT_THAT(Act("firms/1/clients/2", 1, "alice"), IsOk());
  clock_.Advance(absl::Hours(1));
  ASSERT_THAT(Act("firms/1/clients/2", 1, "alice"), IsOk());
  clock_.Advance(absl::Hours(1));
  ASSERT_THAT(Act("firms/1/clients/5", 1, "bob"), IsOk());
  const std::string client = audit_index::ResourcePrefix(kTable, "firms/1/clients/2");

  EXPECT_EQ(ValueOrFail(log_->ExpireFeedBefore(kStart + absl::Hours(1))), 2u);
  EXPECT_EQ(log_->oldest_sequence(), 2u);
  EXPECT_THAT(Walk(client), ::testing::ElementsAre(2u, 1u)) << "kept for the audit";
  // Never past the newest record, whatever the cutoff.
  EXPECT_EQ(ValueOrFail(log_->ExpireFeedBefore(kStart + absl::Hours(10))), 3u);

  EXPECT_EQ(ValueOrFail(log_->DeleteBefore(kStart + absl::Minutes(90), 1000)), 2u);
  EXPECT_THAT(Walk(client), ::testing::IsEmpty());
  EXPECT_THAT(Walk(audit_index::FirmPrefix(kTable, 1)), ::testing::ElementsAre(3u));
  size_t index_keys = 0;
  ASSERT_TRUE(db_->Scan(std::string(1, kTable), std::string(1, kTable + 1),
                        [&](absl::string_view key, absl::string_view) {
                          if (key.size() > 1 && key[1] != 's' && key[1] != 'e' &&
                              key[1] != 'k') {
                            ++index_keys;
                          }
                          return true;
                        })
                  .ok());
  EXPECT_EQ(index_keys, 3u) << "the newest record's resource, firm and actor entries";
}

// --audit_retention=0: the log keeps no index and no reads, and its records
// go with the feed's window.
TEST_F(AuditIndexTest, WithTheAuditOffNothingIsIndexedAndRecordsGoWithTheFeed) {
  ApplyRetention(*log_, clock_, {.feed = absl::Hours(1), .audit = absl::ZeroDuration()});
  ASSERT_FALSE(log_->audit_on());
  ASSERT_THAT(Act("firms/1/clients/2", 1, "alice"), IsOk());
  ASSERT_THAT(
      log_->RecordRead({.firm_id = 1, .name = "firms/1", .actor = "alice", .rows = 9},
                       ReadStage::kEnded),
      IsOk());
  EXPECT_EQ(log_->next_sequence(), 2u) << "a read is not recorded";
  EXPECT_THAT(Walk(audit_index::FirmPrefix(kTable, 1)), ::testing::IsEmpty());
  clock_.Advance(absl::Hours(2));
  ASSERT_THAT(Act("firms/1/clients/2", 1, "alice"), IsOk());
  EXPECT_EQ(ValueOrFail(SweepExpiredChanges(
                *log_, clock_, {.feed = absl::Hours(1), .audit = absl::ZeroDuration()})),
            1u)
      << "the first record, out of the feed's window, is gone";
}

class ResumeTokenTest : public ChangeLogTest {
 protected:
  const uint64_t hash_ = FilterHash("firms/1", "");
};

TEST_F(ResumeTokenTest, ATokenGivesBackItsSequence) {
  ASSERT_THAT(Write("a"), IsOk());
  const std::string token = MakeResumeToken(*log_, 2, hash_);
  EXPECT_EQ(ValueOrFail(ParseResumeToken(*log_, "resume_token", token, {hash_})), 2u);
}

TEST_F(ResumeTokenTest, AnEditedOrMalformedTokenIsRefusedNamingTheField) {
  ASSERT_THAT(Write("a"), IsOk());
  const std::string token = MakeResumeToken(*log_, 1, hash_);
  // Every character of the alphabet at every place: the last character's
  // spare bits included, which a lenient decoder would ignore.
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < token.size(); ++i) {
    for (const char c : alphabet) {
      if (c == token[i]) continue;
      std::string edited = token;
      edited[i] = c;
      absl::StatusOr<uint64_t> parsed =
          ParseResumeToken(*log_, "resume_token", edited, {hash_});
      // An edit of the epoch reads as another history; every other is refused.
      if (parsed.ok()) ADD_FAILURE() << "edit at " << i << " to " << c << " accepted";
      if (errors::ReasonOf(parsed.status()) == "STORE_EPOCH_CHANGED") continue;
      EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << i;
      ASSERT_EQ(errors::FieldViolationsOf(parsed.status()).size(), 1u);
      EXPECT_EQ(errors::FieldViolationsOf(parsed.status())[0].field, "resume_token");
    }
  }
  for (const char* bad : {"", "x", "!!!!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
    EXPECT_EQ(ParseResumeToken(*log_, "resume_token", bad, {hash_}).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(ResumeTokenTest, AnotherFiltersTokenIsRefused) {
  const std::string token =
      MakeResumeToken(*log_, 1, FilterHash("firms/1", "type = DELETED"));
  absl::StatusOr<uint64_t> parsed =
      ParseResumeToken(*log_, "resume_token", token, {hash_});
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(FilterHash("firms/1", ""), FilterHash("firms/2", ""));
}

TEST_F(ResumeTokenTest, ATokenAtTheOldestRecordWorksAndOneOlderHasExpired) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(Write(absl::StrCat("c", i)), IsOk());
    clock_.Advance(absl::Hours(1));
  }
  // Records 1 and 2 go; 3 is the oldest kept.
  ASSERT_EQ(ValueOrFail(log_->DeleteBefore(kStart + absl::Minutes(90), 100)), 2u);
  ASSERT_EQ(log_->oldest_sequence(), 3u);
  EXPECT_EQ(ValueOrFail(ParseResumeToken(*log_, "resume_token",
                                         MakeResumeToken(*log_, 3, hash_), {hash_})),
            3u);
  absl::StatusOr<uint64_t> expired =
      ParseResumeToken(*log_, "resume_token", MakeResumeToken(*log_, 2, hash_), {hash_});
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(errors::ReasonOf(expired.status()), "RESUME_TOKEN_EXPIRED");
  EXPECT_EQ(errors::ReasonMetadataOf(expired.status())["oldest_sequence"], "3");
}

TEST_F(ResumeTokenTest, ATokenOfAnotherStoreSaysTheEpochChanged) {
  const std::string token = MakeResumeToken(*log_, 1, hash_);
  // A store made anew: another epoch (and key).
  auto other_db = ValueOrFail(storage::Database::Open("/other", {.env = env_.get()}));
  auto other = ValueOrFail(ChangeLog::Open(*other_db, kTable, clock_));
  absl::StatusOr<uint64_t> parsed =
      ParseResumeToken(*other, "resume_token", token, {hash_});
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(errors::ReasonOf(parsed.status()), "STORE_EPOCH_CHANGED");
}

TEST(ChangeFilterTest, ReadsItsSubsetAndRefusesTheRest) {
  ChangeFilter f = ValueOrFail(ChangeFilter::Parse(
      "filter",
      "resource_type = \"clientbook.v1.Client\" AND name = \"firms/1/clients/*\" "
      "AND type = DELETED"));
  ChangeRecord r;
  r.set_resource_type("clientbook.v1.Client");
  r.set_name("firms/1/clients/7");
  r.set_type("DELETED");
  EXPECT_TRUE(f.Matches(r));
  r.set_type("UPDATED");
  EXPECT_FALSE(f.Matches(r));
  ChangeFilter one =
      ValueOrFail(ChangeFilter::Parse("filter", "name = \"firms/1/clients/7\""));
  EXPECT_TRUE(one.Matches(r));
  r.set_name("firms/1/clients/70");
  EXPECT_FALSE(one.Matches(r));
  EXPECT_TRUE(ValueOrFail(ChangeFilter::Parse("filter", "")).Matches(r));
  for (const char* bad :
       {"name", "color = red", "type = EXPLODED", "name = \"a\" AND name = \"b\"",
        "name = \"a\" OR type = CREATED", "name = a b"}) {
    absl::StatusOr<ChangeFilter> parsed = ChangeFilter::Parse("filter", bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  // Reads are never in the feed: a watch of them would wait for good.
  for (const char* read : {"type = EXPORTED", "type = EXPORT_STARTED"}) {
    EXPECT_THAT(ChangeFilter::Parse("filter", read),
                StatusIs(absl::StatusCode::kInvalidArgument, "ListAuditEntries"))
        << read;
  }
}

TEST(ChangeFilterTest, AFilterOfAtMost1024BytesIsRead) {
  // A name prefix padded to the bound, and one byte past it.
  auto name_filter = [](size_t bytes) {
    const std::string head = "name = \"firms/1/clients/";
    return absl::StrCat(head, std::string(bytes - head.size() - 2, '7'), "*\"");
  };
  ASSERT_EQ(name_filter(kMaxFilterBytes).size(), 1024u);
  EXPECT_THAT(ChangeFilter::Parse("filter", name_filter(1024)), IsOk());
  const absl::Status too_long = ChangeFilter::Parse("filter", name_filter(1025)).status();
  EXPECT_THAT(too_long, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(too_long.message()),
              ::testing::HasSubstr("at most 1024 bytes"));

  auto actor_filter = [](size_t bytes) {
    return absl::StrCat("actor = \"", std::string(bytes - 10, 'b'), "\"");
  };
  ASSERT_EQ(actor_filter(1024).size(), 1024u);
  EXPECT_THAT(AuditFilter::Parse("filter", actor_filter(1024)), IsOk());
  EXPECT_THAT(AuditFilter::Parse("filter", actor_filter(1025)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace clientbook::changes
