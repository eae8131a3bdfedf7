// Reading stored records back: a walk decodes each record in key order and
// ends at the first one it cannot read, saying so, never skipping it.
#include "common/storage/records.h"

#include <memory>
#include <string>
#include <vector>

#include "common/changes/change_record.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "tests/support/status_matchers.h"

namespace clientbook::storage {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::IsOkAndHolds;
using ::clientbook::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

class StoredRecordsTest : public ::testing::Test {
 protected:
  StoredRecordsTest()
      : env_(rocksdb::NewMemEnv(rocksdb::Env::Default())),
        db_(std::move(*Database::Open("/records", {.env = env_.get()}))) {}

  void Put(const std::string& key, const std::string& value) {
    rocksdb::WriteBatch batch;
    batch.Put(key, value);
    ASSERT_THAT(db_->Write(batch), IsOk());
  }
  void PutRecord(const std::string& key, uint64_t sequence) {
    changes::ChangeRecord record;
    record.set_sequence(sequence);
    Put(key, record.SerializeAsString());
  }

  // The sequences `ScanRecords` visits under "r", stopping after `stop_at`.
  absl::Status Walk(std::vector<uint64_t>& seen, uint64_t stop_at = 0) {
    return ScanRecords<changes::ChangeRecord>(
        *db_, "r", "s",
        [&](const changes::ChangeRecord& record,
            absl::string_view stored) -> absl::StatusOr<bool> {
          EXPECT_EQ(stored, record.SerializeAsString());
          seen.push_back(record.sequence());
          return record.sequence() != stop_at;
        });
  }

  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<Database> db_;
};

TEST_F(StoredRecordsTest, VisitsEachRecordInKeyOrderUntilTheVisitStops) {
  PutRecord("r3", 3);
  PutRecord("r1", 1);
  PutRecord("r2", 2);
  PutRecord("s1", 9);
  std::vector<uint64_t> seen;
  EXPECT_THAT(Walk(seen), IsOk());
  EXPECT_THAT(seen, ElementsAre(1, 2, 3));
  seen.clear();
  EXPECT_THAT(Walk(seen, /*stop_at=*/2), IsOk());
  EXPECT_THAT(seen, ElementsAre(1, 2));
}

TEST_F(StoredRecordsTest, AnUnreadableRecordEndsTheWalkWithDataLoss) {
  PutRecord("r1", 1);
  Put("r2", "\xff\xff\xff");
  PutRecord("r3", 3);
  std::vector<uint64_t> seen;
  absl::Status walked = Walk(seen);
  EXPECT_THAT(walked, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(walked.message(), HasSubstr("ChangeRecord"));
  EXPECT_THAT(seen, ElementsAre(1));
}

// The records skipped are passed over unread: one that could not be read
// among them stops nothing.
TEST_F(StoredRecordsTest, SkippedRecordsAreNotDecoded) {
  Put("r1", "\xff\xff\xff");
  PutRecord("r2", 2);
  PutRecord("r3", 3);
  std::vector<uint64_t> seen;
  EXPECT_THAT(ScanRecords<changes::ChangeRecord>(
                  *db_, "r", "s",
                  [&](const changes::ChangeRecord& record,
                      absl::string_view) -> absl::StatusOr<bool> {
                    seen.push_back(record.sequence());
                    return true;
                  },
                  /*skip=*/1),
              IsOk());
  EXPECT_THAT(seen, ElementsAre(2, 3));
  auto under =
      ReadRecordsUnder<changes::ChangeRecord>(*db_, "r", /*skip=*/1, /*limit=*/1);
  ASSERT_THAT(under, IsOk());
  ASSERT_EQ(under->size(), 1u);
  EXPECT_EQ((*under)[0].sequence(), 2u);
}

TEST_F(StoredRecordsTest, AVisitsErrorEndsTheWalkWithThatError) {
  PutRecord("r1", 1);
  PutRecord("r2", 2);
  int visits = 0;
  absl::Status walked = ScanRecords<changes::ChangeRecord>(
      *db_, "r", "s",
      [&](const changes::ChangeRecord&, absl::string_view) -> absl::StatusOr<bool> {
        ++visits;
        return absl::UnavailableError("the batch did not commit");
      });
  EXPECT_THAT(walked, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(visits, 1);
}

// An index whose keys end in growing ids: the n-th newest id, none past
// the oldest, and a key that ends in no id is data lost, not skipped.
TEST_F(StoredRecordsTest, TheNthNewestIdOfAnIndex) {
  for (uint64_t id : {7, 3, 12})
    Put(KeyBuilder('x').String("ann").Uint64(id).Release(), "");
  Put(KeyBuilder('x').String("bob").Uint64(99).Release(), "");
  const std::string ann = KeyBuilder('x').String("ann").Release();
  EXPECT_THAT(NthNewestIndexedId(*db_, ann, 1), IsOkAndHolds(Optional(12u)));
  EXPECT_THAT(NthNewestIndexedId(*db_, ann, 3), IsOkAndHolds(Optional(3u)));
  EXPECT_THAT(NthNewestIndexedId(*db_, ann, 4), IsOkAndHolds(std::nullopt));
  Put(ann + "z", "");
  EXPECT_THAT(NthNewestIndexedId(*db_, ann, 1), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace clientbook::storage
