#include "common/changes/watch_batch.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/changes/shared_batches.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientbook::changes {
namespace {

using ::clientbook::testing::IsOkAndHolds;
using ::clientbook::testing::StatusIs;
using ::testing::Field;
using ::testing::Pointee;

std::shared_ptr<const EncodedEvent> Event(uint64_t sequence, std::string name) {
  v1::ChangeEvent event;
  event.set_sequence(sequence);
  event.set_name(std::move(name));
  event.set_type(v1::ChangeEvent::UPDATED);
  event.mutable_resource()->mutable_client()->set_display_name("Rossi SpA");
  return std::make_shared<const EncodedEvent>(std::move(event));
}

v1::WatchChangesResponse Parsed(grpc::ByteBuffer bytes) {
  v1::WatchChangesResponse response;
  EXPECT_TRUE(
      grpc::SerializationTraits<v1::WatchChangesResponse>::Deserialize(&bytes, &response)
          .ok());
  return response;
}

// What a watcher's client parses is the response a typed server would have
// sent: the events in order, then the token and the oldest sequence.
TEST(WatchBatchTest, ItsBytesParseAsTheTypedResponse) {
  WatchBatch batch(1 << 20);
  ASSERT_TRUE(batch.Add(Event(7, "firms/1/clients/2")));
  ASSERT_TRUE(batch.Add(Event(9, "firms/1/clients/3")));
  v1::WatchChangesResponse rest;
  rest.set_resume_token("token");
  rest.set_oldest_sequence(3);

  v1::WatchChangesResponse expected = rest;
  *expected.add_events() = Event(7, "firms/1/clients/2")->event();
  *expected.add_events() = Event(9, "firms/1/clients/3")->event();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      Parsed(batch.Encode(rest)), expected))
      << Parsed(batch.Encode(rest)).DebugString();
  EXPECT_EQ(batch.size(), 2);
}

TEST(WatchBatchTest, AMessageWithoutEventsIsItsFieldsAlone) {
  v1::WatchChangesResponse progress;
  progress.set_resume_token("token");
  progress.set_snapshot_complete(true);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(Parsed(Encode(progress)),
                                                                 progress));
}

// The byte limit holds but never leaves an event out for good: a batch
// takes one event of any size.
TEST(WatchBatchTest, StopsAtItsByteLimitButAlwaysTakesOneEvent) {
  const auto event = Event(1, "firms/1/clients/2");
  const size_t size = event->bytes().size();
  WatchBatch two(2 * size);
  EXPECT_TRUE(two.Add(event));
  EXPECT_TRUE(two.Add(event));
  EXPECT_FALSE(two.Add(event));
  EXPECT_EQ(two.size(), 2);

  WatchBatch tiny(1);
  EXPECT_TRUE(tiny.Add(event));
  EXPECT_FALSE(tiny.Add(event));
  EXPECT_EQ(tiny.size(), 1);
}

// A batch made once is sent to each watcher with that watcher's own
// fields after it; a field set in both is the watcher's.
TEST(WatchBatchTest, ASharedResponseTakesEachWatchersFields) {
  WatchBatch batch(1 << 20);
  ASSERT_TRUE(batch.Add(Event(7, "firms/1/clients/2")));
  v1::WatchChangesResponse shared;
  shared.set_resume_token("token");
  shared.set_oldest_sequence(1);
  const grpc::Slice response = batch.EncodeSlice(shared);
  v1::WatchChangesResponse own;
  own.set_oldest_sequence(5);

  v1::WatchChangesResponse expected = shared;
  *expected.add_events() = Event(7, "firms/1/clients/2")->event();
  expected.set_oldest_sequence(5);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      Parsed(Encode(response, own)), expected))
      << Parsed(Encode(response, own)).DebugString();
  EXPECT_EQ(Parsed(Encode(response, {})).oldest_sequence(), 1)
      << "the slice is unchanged";
}

// A batch's bytes stay counted for its caller while any copy of them lives:
// kept for other watches of its view, or in gRPC until its watcher reads
// them.
TEST(WatchBatchTest, ItsBytesAreCountedUntilTheirLastCopyGoes) {
  server::UnsentResponses unsent({.per_process = 1 << 20, .per_caller = 1 << 20});
  WatchBatch batch(1 << 20);
  ASSERT_TRUE(batch.Add(Event(7, "firms/1/clients/2")));
  v1::WatchChangesResponse rest;
  rest.set_resume_token("token");
  std::optional<grpc::Slice> kept =
      batch.EncodeSlice(rest, unsent.Reserve("alice", 1 << 20));
  EXPECT_EQ(unsent.bytes(), static_cast<int64_t>(kept->size()))
      << "the room reserved, resized to the batch";
  std::optional<grpc::ByteBuffer> sending = Encode(*kept, v1::WatchChangesResponse());
  kept.reset();
  EXPECT_GT(unsent.bytes(), 0) << "still being sent";
  sending.reset();
  EXPECT_EQ(unsent.bytes(), 0);

  std::optional<grpc::ByteBuffer> snapshot =
      Encode(rest, unsent.Reserve("alice", 1 << 20));
  EXPECT_EQ(unsent.bytes(), static_cast<int64_t>(rest.ByteSizeLong()));
  EXPECT_EQ(Parsed(*snapshot).resume_token(), "token");
  snapshot.reset();
  EXPECT_EQ(unsent.bytes(), 0);
}

auth::Caller CallerOf(std::string user, std::vector<std::string> roles = {},
                      std::string email = "") {
  auth::Caller caller;
  caller.user_id = std::move(user);
  caller.roles = std::move(roles);
  caller.verified_email = std::move(email);
  return caller;
}

std::shared_ptr<const SharedBatch> BatchOf(size_t bytes, uint64_t next) {
  auto batch = std::make_shared<SharedBatch>();
  batch->response = grpc::Slice(std::string(bytes, 'x'));
  batch->events = 1;
  batch->next = next;
  return batch;
}

// What a reader may see depends on who reads, what and how filtered: two
// views alike in all of that but one field never share a key, however
// their text runs together.
TEST(SharedBatchesTest, AViewIsTheCallerItsParentAndItsFilter) {
  const std::string owner = WatchView(CallerOf("owner"), "firms/1", "");
  EXPECT_EQ(WatchView(CallerOf("owner"), "firms/1", ""), owner);
  EXPECT_NE(WatchView(CallerOf("bob"), "firms/1", ""), owner);
  EXPECT_NE(WatchView(CallerOf("owner", {"platform"}), "firms/1", ""), owner);
  EXPECT_NE(WatchView(CallerOf("owner", {}, "o@studio.example"), "firms/1", ""), owner);
  EXPECT_NE(WatchView(CallerOf("owner"), "firms/2", ""), owner);
  EXPECT_NE(WatchView(CallerOf("owner"), "firms/1", "type = DELETED"), owner);
  EXPECT_NE(WatchView(CallerOf("ab"), "firms/1", ""),
            WatchView(CallerOf("a", {"b"}), "firms/1", ""));
  EXPECT_NE(WatchView(CallerOf("owner"), "firms/1", "x"),
            WatchView(CallerOf("owner"), "firms/1x", ""));
  EXPECT_NE(WatchView(CallerOf("owner", {"a", "b"}), "firms/1", ""),
            WatchView(CallerOf("owner", {"ab"}), "firms/1", ""));
}

// A batch that goes on from `next`.
auto IsOkAndHoldsBatchTo(uint64_t next) {
  return IsOkAndHolds(Pointee(Field(&SharedBatch::next, next)));
}

// A make that hands out `batch` and counts its calls.
std::function<absl::StatusOr<SharedBatches::Batch>()> Making(SharedBatches::Batch batch,
                                                             int& calls) {
  return [batch, &calls]() -> absl::StatusOr<SharedBatches::Batch> {
    ++calls;
    return batch;
  };
}

TEST(SharedBatchesTest, AWatchGetsTheBatchItsViewMadeAtItsPlace) {
  SharedBatches batches(1 << 20);
  const std::string owner = WatchView(CallerOf("owner"), "firms/1", "");
  const std::string bob = WatchView(CallerOf("bob"), "firms/1", "");
  int calls = 0;
  const SharedBatches::Batch made = BatchOf(100, 20);
  ASSERT_THAT(batches.Get(owner, 10, Making(made, calls)), IsOkAndHolds(made));
  EXPECT_THAT(batches.Get(owner, 10, Making(BatchOf(100, 15), calls)), IsOkAndHolds(made))
      << "the first made at a place is what every follower sends";
  EXPECT_EQ(calls, 1);
  EXPECT_THAT(batches.Get(owner, 11, Making(BatchOf(100, 21), calls)),
              IsOkAndHoldsBatchTo(21));
  EXPECT_THAT(batches.Get(bob, 10, Making(BatchOf(100, 19), calls)),
              IsOkAndHoldsBatchTo(19));
  EXPECT_EQ(calls, 3);
}

TEST(SharedBatchesTest, NothingIsKeptOfAMakeThatFailsOrFindsNothing) {
  SharedBatches batches(1 << 20);
  const std::string view = WatchView(CallerOf("owner"), "firms/1", "");
  auto failing = []() -> absl::StatusOr<SharedBatches::Batch> {
    return absl::DataLossError("unreadable");
  };
  EXPECT_THAT(batches.Get(view, 1, failing), StatusIs(absl::StatusCode::kDataLoss));
  int calls = 0;
  EXPECT_THAT(batches.Get(view, 1, Making(nullptr, calls)), IsOkAndHolds(nullptr));
  EXPECT_THAT(batches.Get(view, 1, Making(BatchOf(10, 2), calls)),
              IsOkAndHoldsBatchTo(2));
  EXPECT_EQ(calls, 2);
}

// Watches that reach a place together wait for the one making its batch
// instead of each making it.
TEST(SharedBatchesTest, WatchesArrivingTogetherMakeOneBatch) {
  SharedBatches batches(1 << 20);
  const std::string view = WatchView(CallerOf("owner"), "firms/1", "");
  constexpr int kWatches = 8;
  absl::Mutex mu;
  int arrived = 0;
  std::atomic<int> calls{0};
  auto make = [&]() -> absl::StatusOr<SharedBatches::Batch> {
    ++calls;
    // Made only once every watch has come for it.
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n == kWatches; }, &arrived));
    return BatchOf(100, 20);
  };
  std::vector<SharedBatches::Batch> got(kWatches);
  std::vector<std::thread> watches;
  for (int w = 0; w < kWatches; ++w) {
    watches.emplace_back([&, w] {
      {
        absl::MutexLock lock(&mu);
        ++arrived;
      }
      got[w] = *batches.Get(view, 7, make);
    });
  }
  for (std::thread& watch : watches) watch.join();
  EXPECT_EQ(calls.load(), 1);
  for (const SharedBatches::Batch& batch : got) EXPECT_EQ(batch, got.front());
}

TEST(SharedBatchesTest, KeepsTheNewestWithinItsBytes) {
  const std::string view = WatchView(CallerOf("owner"), "firms/1", "");
  SharedBatches batches(4 * 1024);
  int calls = 0;
  for (uint64_t from = 1; from <= 10; ++from) {
    ASSERT_TRUE(batches.Get(view, from, Making(BatchOf(1000, from), calls)).ok());
  }
  auto kept = [&](uint64_t from) {
    int made = 0;
    (void)batches.Get(view, from, Making(BatchOf(1000, from), made));
    return made == 0;
  };
  EXPECT_TRUE(kept(10));
  EXPECT_TRUE(kept(9));
  EXPECT_FALSE(kept(1)) << "the oldest went first";

  SharedBatches small(4 * 1024);
  EXPECT_THAT(small.Get(view, 11, Making(BatchOf(8 * 1024, 12), calls)),
              IsOkAndHoldsBatchTo(12))
      << "more than all its bytes: handed out, not kept";
  int made = 0;
  (void)small.Get(view, 11, Making(BatchOf(8 * 1024, 12), made));
  EXPECT_EQ(made, 1);
}

}  // namespace
}  // namespace clientbook::changes
