#include "common/server/unsent_responses.h"

#include <vector>

#include "common/status/errors.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientbook::server {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;

TEST(UnsentResponsesTest, ACallerAtItsBoundIsRefusedUntilItReadsAndOthersAreNot) {
  UnsentResponses unsent({.per_process = 1000, .per_caller = 100});
  std::vector<UnsentResponses::Hold> mallorys;
  mallorys.push_back(unsent.Add("mallory", 60));
  EXPECT_THAT(unsent.Admit("mallory"), IsOk()) << "60 of 100 bytes";
  mallorys.push_back(unsent.Add("mallory", 40));

  const absl::Status refused = unsent.Admit("mallory");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(errors::ReasonOf(refused), "UNSENT_RESPONSES_OF_CALLER");
  EXPECT_EQ(errors::QuotaSubjectsOf(refused), std::vector<std::string>{"users/mallory"});
  EXPECT_EQ(errors::RetryDelayOf(refused), absl::Seconds(1));
  EXPECT_THAT(unsent.Admit("alice"), IsOk());
  EXPECT_EQ(unsent.refused().caller, 1);
  EXPECT_EQ(unsent.bytes(), 100);

  mallorys.pop_back();  // gRPC sent one answer
  EXPECT_THAT(unsent.Admit("mallory"), IsOk());
  EXPECT_EQ(unsent.bytes(), 60);
}

TEST(UnsentResponsesTest, TheProcessAtItsBoundRefusesEveryone) {
  UnsentResponses unsent({.per_process = 300, .per_caller = 100});
  std::vector<UnsentResponses::Hold> held;
  for (const char* caller : {"a", "b"}) held.push_back(unsent.Add(caller, 100));
  held.push_back(unsent.Add("c", 99));
  EXPECT_THAT(unsent.Admit("d"), IsOk()) << "299 of 300 bytes";
  held.push_back(unsent.Add("c", 1));

  const absl::Status refused = unsent.Admit("d");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(errors::ReasonOf(refused), "UNSENT_RESPONSES");
  EXPECT_EQ(errors::QuotaSubjectsOf(refused), std::vector<std::string>{"service"});
  EXPECT_EQ(unsent.refused().process, 1);
  held.clear();  // their connections closed
  EXPECT_EQ(unsent.bytes(), 0);
  EXPECT_THAT(unsent.Admit("d"), IsOk());
}

TEST(UnsentResponsesTest, ARoomReservedIsWhatTheCallerAndTheProcessHaveLeft) {
  UnsentResponses unsent({.per_process = 250, .per_caller = 100});
  UnsentResponses::Hold first = unsent.Reserve("watcher", 70);
  EXPECT_EQ(first.bytes(), 70);
  UnsentResponses::Hold second = unsent.Reserve("watcher", 70);
  EXPECT_EQ(second.bytes(), 30) << "the caller's 100 less the first 70";
  // Made to fit, the first came to 50 bytes: 20 go back to the caller.
  first.Resize(50);
  EXPECT_EQ(unsent.bytes(), 80);
  EXPECT_EQ(unsent.Reserve("watcher", 70).bytes(), 20);

  // A message is one item at least: a hold of no room counts what it made.
  std::vector<UnsentResponses::Hold> others;
  others.push_back(unsent.Reserve("a", 100));
  others.push_back(unsent.Reserve("b", 100));
  EXPECT_EQ(others.back().bytes(), 70) << "the process's 250 less 180";
  UnsentResponses::Hold none = unsent.Reserve("c", 100);
  EXPECT_EQ(none.bytes(), 0);
  none.Resize(40);
  EXPECT_EQ(unsent.bytes(), 290);
  others.clear();
  first = UnsentResponses::Hold();
  second = UnsentResponses::Hold();
  none = UnsentResponses::Hold();
  EXPECT_EQ(unsent.bytes(), 0);
  EXPECT_EQ(unsent.Reserve("c", 1000).bytes(), 100);
}

TEST(UnsentResponsesTest, AnEmptyAnswerHoldsNothingAndAMovedHoldGivesBackOnce) {
  UnsentResponses unsent({.per_process = 10, .per_caller = 10});
  {
    UnsentResponses::Hold none = unsent.Add("a", 0);
    UnsentResponses::Hold also_none = unsent.Add("a", 0);
    EXPECT_EQ(unsent.bytes(), 0);
  }
  UnsentResponses::Hold first = unsent.Add("a", 10);
  UnsentResponses::Hold moved = std::move(first);
  UnsentResponses::Hold other = unsent.Add("a", 5);
  other = std::move(moved);  // gives back the 5 it held
  EXPECT_EQ(unsent.bytes(), 10);
  EXPECT_THAT(unsent.Admit("b"), StatusIs(absl::StatusCode::kResourceExhausted));
  other = UnsentResponses::Hold();
  EXPECT_EQ(unsent.bytes(), 0);
  EXPECT_THAT(unsent.Admit("a"), IsOk());
}

}  // namespace
}  // namespace clientbook::server
