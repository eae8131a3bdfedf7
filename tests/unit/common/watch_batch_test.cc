#include "common/changes/watch_batch.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "gtest/gtest.h"

namespace clientbook::changes {
namespace {

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

}  // namespace
}  // namespace clientbook::changes
