#include "common/server/stream_slots.h"

#include <vector>

#include "common/status/errors.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientbook::server {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;

TEST(StreamSlotsTest, ACallerPastItsBoundIsRefusedAndOthersAreNot) {
  StreamSlots slots({.per_process = 10, .per_caller = 3});
  std::vector<StreamSlots::Slot> mallorys;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<StreamSlots::Slot> slot = slots.Take("mallory");
    ASSERT_THAT(slot.status(), IsOk());
    mallorys.push_back(*std::move(slot));
  }
  const absl::Status refused = slots.Take("mallory").status();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(errors::ReasonOf(refused), "TOO_MANY_STREAMS_OF_CALLER");
  EXPECT_EQ(errors::QuotaSubjectsOf(refused), std::vector<std::string>{"users/mallory"});
  EXPECT_EQ(errors::RetryDelayOf(refused), absl::Seconds(1));
  EXPECT_THAT(slots.Take("alice").status(), IsOk());
  EXPECT_EQ(slots.open(), 3);  // alice's slot went with its StatusOr
  EXPECT_EQ(slots.refused().too_many_of_caller, 1);

  mallorys.pop_back();  // one of them ends
  EXPECT_THAT(slots.Take("mallory").status(), IsOk());
}

TEST(StreamSlotsTest, TheProcessPastItsBoundRefusesEveryone) {
  StreamSlots slots({.per_process = 4, .per_caller = 3});
  std::vector<StreamSlots::Slot> held;
  for (const char* caller : {"a", "b", "c", "d"}) {
    absl::StatusOr<StreamSlots::Slot> slot = slots.Take(caller);
    ASSERT_THAT(slot.status(), IsOk());
    held.push_back(*std::move(slot));
  }
  const absl::Status refused = slots.Take("e").status();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(errors::ReasonOf(refused), "TOO_MANY_STREAMS");
  EXPECT_EQ(slots.refused().too_many, 1);
  held.clear();
  EXPECT_EQ(slots.open(), 0);
  EXPECT_THAT(slots.Take("e").status(), IsOk());
}

TEST(StreamSlotsTest, AMovedSlotIsGivenBackOnce) {
  StreamSlots slots({.per_process = 1, .per_caller = 1});
  absl::StatusOr<StreamSlots::Slot> first = slots.Take("a");
  ASSERT_THAT(first.status(), IsOk());
  StreamSlots::Slot moved = *std::move(first);
  StreamSlots::Slot other;
  other = std::move(moved);
  EXPECT_EQ(slots.open(), 1);
  other = StreamSlots::Slot();
  EXPECT_EQ(slots.open(), 0);
  EXPECT_THAT(slots.Take("b").status(), IsOk());
}

}  // namespace
}  // namespace clientbook::server
