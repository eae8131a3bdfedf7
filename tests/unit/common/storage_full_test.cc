// A service's disk fills up: writes are refused RESOURCE_EXHAUSTED
// (STORAGE_FULL) with nothing half-written, reads go on, RocksDB's own log
// is not on that disk, and the first write after space is freed goes in
// without a restart. A disk that breaks instead ends the process.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "common/storage/database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "tests/support/failing_file_system.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook::storage {
namespace {

using ::clientbook::testing::FailingFileSystem;
using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::clientbook::testing::ValueOrFail;
using ::testing::HasSubstr;
using ::testing::Not;

// On disk, not in memory: RocksDB's in-memory file system keeps its log
// apart from the files it writes.
class StorageFullTest : public ::testing::Test {
 protected:
  StorageFullTest()
      : disk_(std::make_shared<FailingFileSystem>(rocksdb::FileSystem::Default())),
        env_(rocksdb::NewCompositeEnv(disk_)),
        path_(dir_.Sub("directory")) {
    Reopen();
  }

  void Reopen() {
    db_.reset();
    db_ = ValueOrFail(Database::Open(
        path_,
        {.env = env_.get(), .on_unrecoverable = [this](const absl::Status& failure) {
           unrecoverable_.push_back(failure);
         }}));
  }

  absl::Status Put(const std::string& key) {
    rocksdb::WriteBatch batch;
    batch.Put(key, absl::StrCat("value of ", key));
    return db_->Write(batch);
  }

  bool Has(const std::string& key) { return ValueOrFail(db_->Get(key)).has_value(); }

  testing::TempDir dir_;
  std::shared_ptr<FailingFileSystem> disk_;
  std::unique_ptr<rocksdb::Env> env_;
  const std::string path_;
  // What the store could not resume from (a service would exit).
  std::vector<absl::Status> unrecoverable_;
  std::unique_ptr<Database> db_;
};

TEST_F(StorageFullTest, AWriteOnAFullDiskIsRefusedStorageFullAndReadsGoOn) {
  ASSERT_THAT(Put("before"), IsOk());
  disk_->Set(FailingFileSystem::Fault::kFull);

  // Many, as a busy service makes them: each is refused alike, and each
  // resume of the store fails alike while the disk is full.
  for (int i = 0; i < 200; ++i) {
    const absl::Status refused = Put(absl::StrCat("refused-", i));
    ASSERT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
    EXPECT_EQ(errors::ReasonOf(refused), "STORAGE_FULL");
    EXPECT_EQ(errors::RetryDelayOf(refused), kRetryAfterStorageFull);
    EXPECT_EQ(errors::QuotaSubjectsOf(refused), std::vector<std::string>{"service"});
    // Which file failed is the operator's business, not the caller's.
    EXPECT_THAT(refused.message(), Not(HasSubstr(path_)));
  }
  EXPECT_TRUE(Has("before"));
  EXPECT_FALSE(Has("refused-0"));
  EXPECT_THAT(unrecoverable_, ::testing::IsEmpty()) << "a full disk is waited out";
  rocksdb::WriteBatch id_block;
  id_block.Put("ids", "1000");
  EXPECT_THAT(db_->WriteDurably(id_block),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(StorageFullTest, TheFirstWriteAfterSpaceIsFreedGoesInWithoutARestart) {
  ASSERT_THAT(Put("before"), IsOk());
  disk_->Set(FailingFileSystem::Fault::kFull);
  ASSERT_THAT(Put("refused"), StatusIs(absl::StatusCode::kResourceExhausted));
  ASSERT_THAT(Put("refused again"), StatusIs(absl::StatusCode::kResourceExhausted));

  disk_->Set(FailingFileSystem::Fault::kNone);
  EXPECT_THAT(Put("after"), IsOk());
  EXPECT_THAT(Put("and after"), IsOk());

  Reopen();
  EXPECT_TRUE(Has("before"));
  EXPECT_TRUE(Has("after"));
  EXPECT_TRUE(Has("and after"));
  EXPECT_FALSE(Has("refused"));
  EXPECT_FALSE(Has("refused again"));
}

TEST_F(StorageFullTest, ABrokenDiskIsAnInternalErrorAndCannotBeResumed) {
  disk_->Set(FailingFileSystem::Fault::kBroken);
  const absl::Status failed = Put("never");
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(errors::ReasonOf(failed), std::nullopt);
  ASSERT_EQ(unrecoverable_.size(), 1u);
  EXPECT_THAT(unrecoverable_[0], StatusIs(absl::StatusCode::kInternal));
  // RocksDB would refuse writes from now on, the disk mended or not.
  disk_->Set(FailingFileSystem::Fault::kNone);
  EXPECT_THAT(Put("still never"), StatusIs(absl::StatusCode::kInternal));
}

// A service whose store cannot be written again exits, to be started again
// on it, rather than refusing every write while its health says SERVING.
TEST(StorageFailedTest, ByDefaultTheProcessExitsToReopenTheStore) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  testing::TempDir dir;
  auto disk = std::make_shared<FailingFileSystem>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(disk);
  EXPECT_EXIT(
      {
        auto db = ValueOrFail(Database::Open(dir.Sub("directory"), {.env = env.get()}));
        disk->Set(FailingFileSystem::Fault::kBroken);
        rocksdb::WriteBatch batch;
        batch.Put("a", "b");
        db->Write(batch).IgnoreError();
      },
      ::testing::ExitedWithCode(kExitStorageFailed), "");
}

// On a disk that filled, a failed line of RocksDB's log file made the next
// line abort the process (seen with a real full disk; this file system
// cannot fail that file): its log is the service's now.
TEST_F(StorageFullTest, RocksDbsOwnLogIsNotWrittenBesideTheData) {
  ASSERT_THAT(Put("a"), IsOk());
  Reopen();
  for (const auto& file : std::filesystem::directory_iterator(path_)) {
    EXPECT_THAT(file.path().filename().string(), Not(HasSubstr("LOG")));
  }
}

}  // namespace
}  // namespace clientbook::storage
