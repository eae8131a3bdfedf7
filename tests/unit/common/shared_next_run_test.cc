// Callers who each need a run that starts after they ask (a backup) share
// the next run while one is under way, and never get an earlier run's result;
// by key, only callers of the same key share.
#include "common/locks/shared_next_run.h"

#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clientbook::storage {
namespace {

using ::testing::Each;
using ::testing::Eq;

// A task whose runs are numbered and each of which waits to be let go
// before it ends.
class HeldTask {
 public:
  int operator()() {
    absl::MutexLock lock(&mu_);
    const int run = ++runs_;
    ++running_;
    auto released = [this, run]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return released_ >= run; };
    mu_.Await(absl::Condition(&released));
    --running_;
    return run;
  }
  void AwaitRunning(int runs) {
    absl::MutexLock lock(&mu_);
    auto started = [this, runs]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return runs_ == runs && running_ == 1;
    };
    mu_.Await(absl::Condition(&started));
  }
  void Release(int through_run) {
    absl::MutexLock lock(&mu_);
    released_ = through_run;
  }
  int runs() {
    absl::MutexLock lock(&mu_);
    return runs_;
  }

 private:
  absl::Mutex mu_;
  int runs_ ABSL_GUARDED_BY(mu_) = 0;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  int released_ ABSL_GUARDED_BY(mu_) = 0;
};

void AwaitWaiting(const SharedNextRun<int>& run, int callers) {
  while (run.waiting() < callers) std::this_thread::yield();
}

TEST(SharedNextRunTest, CallersArrivingDuringARunShareTheNextOneAndNeverTheRunUnderWay) {
  HeldTask task;
  SharedNextRun<int> next;
  auto run = [&task] { return task(); };
  int first = 0;
  std::thread leader([&] { first = next.Run(run); });
  task.AwaitRunning(1);

  // 16 callers arrive while run 1 is under way: it may hold none of what
  // they saw, so they wait for run 2, which they all share.
  std::vector<int> results(16);
  std::vector<std::thread> racers;
  for (int& result : results)
    racers.emplace_back([&next, &run, &result] { result = next.Run(run); });
  AwaitWaiting(next, 16);
  task.Release(1);
  task.AwaitRunning(2);
  leader.join();
  EXPECT_EQ(first, 1);

  // One more arrives during run 2 (beside the 15 waiting for it to end)
  // and gets run 3 to itself.
  int late = 0;
  std::thread latecomer([&] { late = next.Run(run); });
  AwaitWaiting(next, 16);
  task.Release(2);
  task.AwaitRunning(3);
  for (std::thread& t : racers) t.join();
  EXPECT_THAT(results, Each(Eq(2)));
  task.Release(3);
  latecomer.join();
  EXPECT_EQ(late, 3);
  EXPECT_EQ(task.runs(), 3);
}

TEST(SharedNextRunTest, ACallerWithNoRunUnderWayStartsItsOwnTaskAtOnce) {
  int runs = 0;
  SharedNextRun<int> next;
  EXPECT_EQ(next.Run([&runs] { return ++runs; }), 1);
  EXPECT_EQ(next.Run([] { return -1; }), -1);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(next.waiting(), 0);
}

TEST(SharedNextRunTest, ARunLastsUntilTheLatestDeadlineOfTheCallersSharingIt) {
  HeldTask task;
  SharedNextRun<int> next;
  const absl::Time now = absl::FromUnixSeconds(1'790'000'000);
  std::vector<absl::Time> run_deadlines;
  auto run = [&](absl::Time deadline) {
    run_deadlines.push_back(deadline);
    return task();
  };
  std::thread leader([&] { next.Run(now + absl::Seconds(1), run); });
  task.AwaitRunning(1);
  // During run 1, a caller with little time left and one with much arrive;
  // whichever starts run 2 runs it for the one with much.
  std::vector<std::thread> sharers;
  for (absl::Duration left : {absl::Seconds(2), absl::Seconds(60), absl::Seconds(5)}) {
    sharers.emplace_back([&, left] { next.Run(now + left, run); });
  }
  AwaitWaiting(next, 3);
  task.Release(1);
  task.AwaitRunning(2);
  leader.join();
  // Run 3 serves only the caller that arrived during run 2.
  std::thread late([&] { next.Run(now + absl::Seconds(3), run); });
  AwaitWaiting(next, 3);
  task.Release(3);
  for (std::thread& t : sharers) t.join();
  late.join();
  EXPECT_THAT(run_deadlines,
              ::testing::ElementsAre(now + absl::Seconds(1), now + absl::Seconds(60),
                                     now + absl::Seconds(3)));
}

TEST(SharedNextRunByKeyTest, CallersOfOneKeyShareItsRunsAndAnotherKeysCallerNeverWaits) {
  HeldTask task;
  SharedNextRunByKey<uint32_t, int> by_key;
  auto run = [&task] { return task(); };
  int first = 0;
  std::thread leader([&] { first = by_key.Run(1, run); });
  task.AwaitRunning(1);

  // Key 1's run is under way; key 2's caller runs its own at once.
  EXPECT_EQ(by_key.Run(2, [] { return -2; }), -2);

  std::vector<int> results(8);
  std::vector<std::thread> racers;
  for (int& result : results)
    racers.emplace_back([&by_key, &run, &result] { result = by_key.Run(1, run); });
  while (by_key.waiting(1) < 8) std::this_thread::yield();
  EXPECT_EQ(by_key.waiting(2), 0);
  task.Release(1);
  task.AwaitRunning(2);
  task.Release(2);
  leader.join();
  for (std::thread& t : racers) t.join();
  EXPECT_EQ(first, 1);
  EXPECT_THAT(results, Each(Eq(2)));
  EXPECT_EQ(task.runs(), 2);
  EXPECT_EQ(by_key.waiting(1), 0);
}

}  // namespace
}  // namespace clientbook::storage
