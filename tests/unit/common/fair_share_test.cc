#include "common/server/fair_share.h"

#include <atomic>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "clientbook/v1/directory.pb.h"
#include "common/server/call_share.h"
#include "common/server/fair_share_metrics.h"
#include "common/status/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientbook::server {
namespace {

using ::clientbook::testing::IsOk;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

// A fair share whose waiting calls start when the test says: the executor
// only collects them, so a test sees exactly which call a freed seat went to.
class FairShareTest : public ::testing::Test {
 protected:
  struct Call {
    std::string flow;
    int number = 0;
    FairShare::Seat seat;
    bool started = false;
    bool backlogged = false;  // its seat's, when it started
    bool dropped = false;
    bool gone = false;  // its caller left
  };

  void Make(FairShareOptions options) {
    share_ = std::make_unique<FairShare>(
        options,
        [this](std::function<void()> start) {
          if (!closing_) pending_.push_back(std::move(start));
        },
        clock_);
  }

  // Enters one call of `flow`; its seat, once it has one, is kept in the
  // returned Call until Finish().
  absl::StatusOr<Call*> Enter(const std::string& flow, int64_t cost = 1) {
    calls_.push_back(std::make_unique<Call>());
    Call* call = calls_.back().get();
    call->flow = flow;
    call->number = static_cast<int>(calls_.size());
    absl::StatusOr<std::optional<FairShare::Seat>> entered =
        share_->Enter(CallShare{.flow = flow, .cost = cost}, [this, call] {
          return FairShare::Waiter{.start =
                                       [this, call](FairShare::Seat seat) {
                                         call->seat = std::move(seat);
                                         call->started = true;
                                         call->backlogged = call->seat.backlogged();
                                         started_.push_back(call);
                                       },
                                   .abandoned = [call] { return call->gone; },
                                   .drop = [call] { call->dropped = true; }};
        });
    if (!entered.ok()) return entered.status();
    if (entered->has_value()) {
      call->seat = std::move(**entered);
      call->started = true;
      started_.push_back(call);
    }
    return call;
  }

  // Ends a running call (its seat goes back) and starts what that let in.
  void Finish(Call* call) {
    ASSERT_TRUE(call->started);
    call->seat = FairShare::Seat();
    RunPending();
  }
  void RunPending() {
    while (!pending_.empty()) {
      std::function<void()> start = std::move(pending_.front());
      pending_.erase(pending_.begin());
      start();
    }
  }
  // The flows of the calls started from index `from` on.
  std::vector<std::string> FlowsStartedFrom(size_t from) {
    std::vector<std::string> flows;
    for (size_t i = from; i < started_.size(); ++i) flows.push_back(started_[i]->flow);
    return flows;
  }
  // The calls holding seats, in the order they started.
  std::vector<Call*> Running() {
    std::vector<Call*> running;
    for (Call* c : started_) {
      if (c->seat) running.push_back(c);
    }
    return running;
  }

  // Seats held by calls and by starts not yet run go back to share_ as they
  // are destroyed, and may start others: the executor drops those. A seat
  // going back asks the waiting calls whether their callers left, so every
  // seat goes back while all the calls are still there to answer.
  ~FairShareTest() override {
    closing_ = true;
    pending_.clear();
    for (const std::unique_ptr<Call>& call : calls_) call->seat = FairShare::Seat();
    share_.reset();
    calls_.clear();
  }

  FakeClock clock_{kNow};
  bool closing_ = false;
  std::vector<std::function<void()>> pending_;
  std::vector<Call*> started_;
  std::unique_ptr<FairShare> share_;
  std::vector<std::unique_ptr<Call>> calls_;
};

TEST_F(FairShareTest, AFlowAloneTakesEverySeat) {
  Make({.seats = 8});
  for (int i = 0; i < 8; ++i) {
    absl::StatusOr<Call*> call = Enter("firms/1");
    ASSERT_THAT(call, IsOk());
    EXPECT_TRUE((*call)->started) << i;
  }
  ASSERT_THAT(Enter("firms/1"), IsOk());
  EXPECT_EQ(Running().size(), 8u);
  EXPECT_EQ(share_->Report(10).queued, 1);
}

TEST_F(FairShareTest, WhileAnotherFlowIsPresentOneFlowLeavesAQuarterOfTheSeats) {
  Make({.seats = 8});
  ASSERT_THAT(Enter("firms/2"), IsOk());  // a quiet firm, present
  for (int i = 0; i < 10; ++i) ASSERT_THAT(Enter("firms/1"), IsOk());
  int flooding = 0;
  for (Call* c : Running()) flooding += c->flow == "firms/1";
  EXPECT_EQ(flooding, 6);  // 8 seats less a headroom of 2
  // So the quiet firm's next call finds a seat at once.
  absl::StatusOr<Call*> quiet = Enter("firms/2");
  ASSERT_THAT(quiet, IsOk());
  EXPECT_TRUE((*quiet)->started);
}

TEST_F(FairShareTest, AWaitingFirmGoesAheadOfTheFloodsBacklog) {
  Make({.seats = 4});
  for (int i = 0; i < 40; ++i) ASSERT_THAT(Enter("firms/1"), IsOk());
  // The quiet firm comes after the flood's 37 waiting calls.
  ASSERT_THAT(Enter("firms/2"), IsOk());
  ASSERT_THAT(Enter("firms/2"), IsOk());
  const size_t from = started_.size();
  for (Call* c : Running()) Finish(c);
  std::vector<std::string> next = FlowsStartedFrom(from);
  ASSERT_GE(next.size(), 2u);
  EXPECT_THAT(next, ::testing::Contains("firms/2").Times(2));
  // Both of the quiet firm's calls start within the first seats freed.
  const auto last_quiet = std::find(next.rbegin(), next.rend(), "firms/2");
  EXPECT_LE(std::distance(last_quiet, next.rend()), 4);
}

TEST_F(FairShareTest, AFloodsCallIsBackloggedOnlyWhileAnotherFirmCalls) {
  Make({.seats = 4});
  for (int i = 0; i < 8; ++i) ASSERT_THAT(Enter("firms/1"), IsOk());
  for (Call* c : Running()) EXPECT_FALSE(c->backlogged);  // seated at once
  // Alone, a call started from its firm's queue holds up nobody.
  Finish(Running().front());
  ASSERT_EQ(started_.back()->flow, "firms/1");
  EXPECT_FALSE(started_.back()->backlogged);
  // Once another firm calls, the flood's calls with more behind them are.
  ASSERT_THAT(Enter("firms/2"), IsOk());
  const size_t from = started_.size();
  while (!Running().empty()) Finish(Running().front());
  int flood_backlogged = 0;
  for (size_t i = from; i < started_.size(); ++i) {
    const Call& c = *started_[i];
    if (c.flow == "firms/2") {
      EXPECT_FALSE(c.backlogged);  // its only call
    }
    if (c.flow == "firms/1") flood_backlogged += c.backlogged;
  }
  EXPECT_GT(flood_backlogged, 0);
}

TEST_F(FairShareTest, TwoBusyFlowsShareTheSeatsEqually) {
  Make({.seats = 4});
  for (int i = 0; i < 100; ++i) {
    ASSERT_THAT(Enter("firms/1"), IsOk());
    ASSERT_THAT(Enter("firms/2"), IsOk());
  }
  const size_t from = started_.size();
  for (int round = 0; round < 40; ++round) Finish(Running().front());
  std::map<std::string, int> counts;
  for (const std::string& f : FlowsStartedFrom(from)) ++counts[f];
  EXPECT_NEAR(counts["firms/1"], counts["firms/2"], 8);
}

TEST_F(FairShareTest, AThousandFlowsEachGetTheirTurnBeforeAnyGetsASecond) {
  Make({.seats = 1, .queue_total = 100000});
  ASSERT_THAT(Enter("firms/0"), IsOk());  // the seat taken
  for (int f = 1; f <= 1000; ++f) {
    for (int i = 0; i < 10; ++i) ASSERT_THAT(Enter(absl::StrCat("firms/", f)), IsOk());
  }
  // A turn is a quantum of 8 work units: eight reads.
  const size_t from = started_.size();
  while (started_.size() < from + 8000) Finish(Running().front());
  std::map<std::string, int> counts;
  for (const std::string& f : FlowsStartedFrom(from)) ++counts[f];
  EXPECT_EQ(counts.size(), 1000u);
  for (const auto& [flow, n] : counts) EXPECT_EQ(n, 8) << flow;
}

TEST_F(FairShareTest, BigPagesBuyNoMoreThanAFairShareOfWork) {
  // One seat: each call ended lets exactly the next one in turn start.
  Make({.seats = 1});
  // A firm of pages of 250 (cost 11) and a firm of reads (cost 1).
  for (int i = 0; i < 60; ++i) ASSERT_THAT(Enter("firms/pages", 11), IsOk());
  for (int i = 0; i < 250; ++i) ASSERT_THAT(Enter("firms/reads", 1), IsOk());
  const size_t from = started_.size();
  for (int round = 0; round < 200; ++round) Finish(Running().front());
  int64_t pages = 0, reads = 0;
  for (const std::string& f : FlowsStartedFrom(from)) {
    (f == "firms/pages" ? pages : reads) += 1;
  }
  // Equal work: eleven reads a page.
  const double ratio = static_cast<double>(reads) / (11.0 * pages);
  EXPECT_GT(ratio, 0.5);
  EXPECT_LT(ratio, 2.0);
}

// A weight no call could have is counted as the heaviest one: its turns
// are counted under the lock every call's admission takes, and 10^15 units
// at eight a turn would never end.
TEST_F(FairShareTest, AWeightPastAnyRealCallsWaitsAsTheHeaviestCall) {
  Make({.seats = 1});
  ASSERT_THAT(Enter("firms/1"), IsOk());
  absl::StatusOr<Call*> huge = Enter("firms/2", 1'000'000'000'000'000);
  ASSERT_THAT(huge, IsOk());
  absl::StatusOr<Call*> read = Enter("firms/3");
  ASSERT_THAT(read, IsOk());
  Finish(Running().front());
  // The huge call waits its 125 turns, firms/3 running eight reads a turn
  // meanwhile: it starts after about 1,000 of them.
  EXPECT_TRUE((*read)->started);
  for (int i = 0; i < 1100 && !(*huge)->started; ++i) {
    ASSERT_THAT(Enter("firms/3"), IsOk());
    Finish(Running().front());
  }
  EXPECT_TRUE((*huge)->started);
}

TEST_F(FairShareTest, WhileFirmsCompeteAHeavyCallTakesSeveralSeats) {
  Make({.seats = 16});  // widest call: 8 seats
  ASSERT_THAT(Enter("firms/2"), IsOk());
  ASSERT_THAT(Enter("firms/1", 41), IsOk());
  EXPECT_EQ(share_->Report(1).seats_in_use, 1 + 8);
}

TEST_F(FairShareTest, AFirmAloneTakesOneSeatACallHoweverHeavy) {
  Make({.seats = 16});
  for (int i = 0; i < 16; ++i) {
    absl::StatusOr<Call*> page = Enter("firms/1", 41);
    ASSERT_THAT(page, IsOk());
    EXPECT_TRUE((*page)->started) << i;
  }
}

TEST_F(FairShareTest, AFullQueueIsRefusedAtOnceWithWhenToRetry) {
  Make({.seats = 2, .queue_per_flow = 3});
  for (int i = 0; i < 5; ++i) ASSERT_THAT(Enter("firms/1"), IsOk());
  absl::StatusOr<Call*> refused = Enter("firms/1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(errors::ReasonOf(refused.status()), "FIRM_OVER_CAPACITY");
  EXPECT_THAT(errors::QuotaSubjectsOf(refused.status()),
              ::testing::ElementsAre("firms/1"));
  std::optional<absl::Duration> delay = errors::RetryDelayOf(refused.status());
  ASSERT_TRUE(delay.has_value());
  EXPECT_GE(*delay, absl::Milliseconds(10));
  EXPECT_LE(*delay, absl::Seconds(30));
  // Another firm is not refused for it.
  EXPECT_THAT(Enter("firms/2"), IsOk());
  EXPECT_EQ(share_->Report(10).refused_over_capacity, 1);
}

TEST_F(FairShareTest, EveryCallAdmittedRunsOnceAndOnlyOnce) {
  Make({.seats = 3});
  for (int i = 0; i < 50; ++i) {
    ASSERT_THAT(Enter(absl::StrCat("firms/", i % 7), 1 + i % 13), IsOk());
  }
  while (!Running().empty()) Finish(Running().front());
  std::map<int, int> runs;
  for (Call* c : started_) ++runs[c->number];
  EXPECT_EQ(runs.size(), 50u);
  for (const auto& [number, n] : runs) EXPECT_EQ(n, 1) << number;
  EXPECT_EQ(share_->Report(10).seats_in_use, 0);
  EXPECT_EQ(share_->Report(10).queued, 0);
}

TEST_F(FairShareTest, ACancelledCallLeavesItsQueueUnrun) {
  Make({.seats = 1});
  absl::StatusOr<Call*> running = Enter("firms/1");
  absl::StatusOr<Call*> left = Enter("firms/1");
  absl::StatusOr<Call*> stays = Enter("firms/1");
  ASSERT_THAT(running, IsOk());
  ASSERT_THAT(left, IsOk());
  ASSERT_THAT(stays, IsOk());
  (*left)->gone = true;
  Finish(*running);
  EXPECT_TRUE((*left)->dropped);
  EXPECT_FALSE((*left)->started);
  EXPECT_TRUE((*stays)->started);
  EXPECT_EQ(share_->Report(10).queued, 0);
}

TEST_F(FairShareTest, AStreamsBulkWorkWaitsForItsFirmsShareAndAnotherFirmsCallGoesFirst) {
  Make({.seats = 4});
  std::vector<Call*> flood;
  for (int i = 0; i < 3; ++i) flood.push_back(*Enter("firms/1"));
  ASSERT_THAT(Enter("firms/2"), IsOk());  // the fourth seat
  // A snapshot's batch of firms/1 (a page of 500's cost) waits on its own
  // thread; then a call of firms/2 comes.
  absl::StatusOr<FairShare::Seat> batch;
  std::thread stream([&] {
    batch = share_->AwaitSeat(CallShare{.flow = "firms/1", .cost = PageCost(500)},
                              [] { return false; });
  });
  while (share_->Report(10).queued < 1) std::this_thread::yield();
  absl::StatusOr<Call*> quiet = Enter("firms/2");
  ASSERT_THAT(quiet, IsOk());
  ASSERT_FALSE((*quiet)->started);

  // The first seat freed goes to the other firm's call; the batch, which
  // takes two while firms compete, starts once two are free.
  Finish(flood[0]);
  EXPECT_TRUE((*quiet)->started);
  EXPECT_EQ(share_->Report(10).queued, 1);
  Finish(flood[1]);
  Finish(flood[2]);
  stream.join();
  ASSERT_THAT(batch, IsOk());
  EXPECT_TRUE(*batch);
  *batch = FairShare::Seat();
  EXPECT_EQ(share_->Report(10).queued, 0);
}

TEST_F(FairShareTest, AStreamWhoseCallerLeftWhileItsBulkWorkWaitedIsCancelled) {
  Make({.seats = 1});
  absl::StatusOr<Call*> running = Enter("firms/1");
  ASSERT_THAT(running, IsOk());
  std::atomic<bool> left{false};
  absl::StatusOr<FairShare::Seat> batch;
  std::thread stream([&] {
    batch = share_->AwaitSeat(CallShare{.flow = "firms/2", .cost = PageCost(500)},
                              [&left] { return left.load(); });
  });
  while (share_->Report(10).queued < 1) std::this_thread::yield();
  left = true;
  Finish(*running);
  stream.join();
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(share_->Report(10).seats_in_use, 0);
}

TEST_F(FairShareTest, ARateLimitRefusesPastTheBurstAndRefillsWithTime) {
  Make({.seats = 100, .rate_limit = 10, .rate_burst = 5});
  for (int i = 0; i < 5; ++i) EXPECT_THAT(Enter("firms/1"), IsOk()) << i;
  absl::StatusOr<Call*> refused = Enter("firms/1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(errors::ReasonOf(refused.status()), "FIRM_RATE_LIMITED");
  EXPECT_EQ(errors::RetryDelayOf(refused.status()), absl::Milliseconds(100));
  EXPECT_THAT(Enter("firms/2"), IsOk());  // its own bucket
  // A stream let in before goes on: its chunks take no token.
  absl::StatusOr<FairShare::Seat> chunk =
      share_->AwaitSeat(CallShare{.flow = "firms/1"}, [] { return false; });
  EXPECT_THAT(chunk, IsOk());
  clock_.Advance(absl::Milliseconds(100));
  EXPECT_THAT(Enter("firms/1"), IsOk());
  EXPECT_FALSE(Enter("firms/1").ok());
}

TEST_F(FairShareTest, TheReportNamesTheBusiestFlowsFirst) {
  Make({.seats = 2});
  for (int i = 0; i < 30; ++i) ASSERT_THAT(Enter("firms/noisy"), IsOk());
  ASSERT_THAT(Enter("firms/quiet"), IsOk());
  FairShare::Load load = share_->Report(1);
  ASSERT_EQ(load.busiest.size(), 1u);
  EXPECT_EQ(load.busiest[0].flow, "firms/noisy");
  EXPECT_EQ(load.busiest[0].running + load.busiest[0].queued, 30);
}

TEST_F(FairShareTest, MetricsNameTheBusiestFirmsOnly) {
  Make({.seats = 2});
  for (int i = 0; i < 30; ++i) ASSERT_THAT(Enter("firms/noisy"), IsOk());
  for (int f = 0; f < 20; ++f) ASSERT_THAT(Enter(absl::StrCat("firms/", f)), IsOk());
  std::map<std::string, double> queued;
  const StreamSlots streams({});
  const UnsentResponses unsent({});
  for (const prometheus::MetricFamily& family :
       FairShareMetrics(*share_, streams, unsent).Collect()) {
    if (family.name != "clientbook_firm_calls_queued") continue;
    for (const auto& metric : family.metric)
      queued[metric.label[0].value] = metric.gauge.value;
  }
  EXPECT_EQ(queued.size(), FairShareMetrics::kBusiestFirms);
  EXPECT_EQ(queued["firms/noisy"], 28);
}

TEST(CallShareTest, TheFlowIsTheFirmOfTheResourceNamedAndTheCostFollowsThePage) {
  v1::GetClientRequest get;
  get.set_name("firms/1001/clients/7");
  EXPECT_EQ(ShareOf(get, "alice").flow, "firms/1001");
  EXPECT_EQ(ShareOf(get, "alice").cost, 1);

  v1::ListClientsRequest list;
  list.set_parent("firms/1001");
  list.set_page_size(1000);
  EXPECT_EQ(ShareOf(list, "alice").cost, 167);
  list.set_page_size(50);
  EXPECT_EQ(ShareOf(list, "alice").cost, 9);
  list.set_page_size(5);
  EXPECT_EQ(ShareOf(list, "alice").cost, 1);

  v1::UpdateClientRequest update;
  update.mutable_client()->set_name("firms/9/clients/7");
  EXPECT_EQ(ShareOf(update, "alice").flow, "firms/9");

  v1::ListMyFirmsRequest mine;
  EXPECT_EQ(ShareOf(mine, "alice").flow, "users/alice");

  // Served as a page of 1,000 (AIP-158), so weighed as one.
  list.set_page_size(std::numeric_limits<int32_t>::max());
  EXPECT_EQ(ShareOf(list, "alice").cost, 167);

  v1::BatchGetClientsRequest batch;
  batch.set_parent("firms/3");
  for (int i = 0; i < 250; ++i) batch.add_names("firms/3/clients/1");
  EXPECT_EQ(ShareOf(batch, "alice").cost, 42);
  for (int i = 250; i < 5000; ++i) batch.add_names("firms/3/clients/1");
  EXPECT_EQ(ShareOf(batch, "alice").cost, 167);
  EXPECT_EQ(UploadCost(100 * 1000), 167);
}

// The firm a call names, against the cell serving it: only an id in its one
// spelling, of a cell that exists and is not this one, is WRONG_CELL.
TEST(CallShareTest, AFirmOfAnotherCellIsWrongCellNamingItsCell) {
  constexpr names::Cell kCell{2};
  auto check = [&](const std::string& name) {
    v1::GetFirmRequest get;
    get.set_name(name);
    return CheckFirmInCell(ShareOf(get, "alice").flow, kCell);
  };
  EXPECT_THAT(check("firms/2000000000001"), IsOk());
  EXPECT_THAT(check("firms/2999999999999"), IsOk());
  for (const char* elsewhere : {"firms/1001", "firms/3000000000000",
                                "firms/999000000000001", "firms/1999999999999"}) {
    SCOPED_TRACE(elsewhere);
    const absl::Status refused = check(elsewhere);
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(errors::ReasonOf(refused), "WRONG_CELL");
  }
  EXPECT_EQ(errors::ReasonMetadataOf(check("firms/1001"))["cell"], "cells/0");
  EXPECT_EQ(errors::ReasonMetadataOf(check("firms/3000000000005"))["cell"], "cells/3");
  EXPECT_EQ(errors::ReasonMetadataOf(check("firms/1001"))["this_cell"], "cells/2");
  // Left to the handler: no id, not its one spelling, of no cell, no firm.
  for (const char* other :
       {"firms/-", "firms/01001", "firms/+1001", "firms/1000000000000000",
        "firms/99999999999999999999", "users/alice"}) {
    EXPECT_THAT(check(other), IsOk()) << other;
  }
  // The firm of the resource an update carries counts too.
  v1::UpdateClientRequest update;
  update.mutable_client()->set_name("firms/1001/clients/7");
  EXPECT_EQ(errors::ReasonOf(CheckFirmInCell(ShareOf(update, "alice").flow, kCell)),
            "WRONG_CELL");
  // A service in front of every cell (accounts) serves every cell's firms.
  EXPECT_THAT(CheckFirmInCell(ShareOf(update, "alice").flow, std::nullopt), IsOk());
}

}  // namespace
}  // namespace clientbook::server
