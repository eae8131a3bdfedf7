#ifndef CLIENTBOOK_COMMON_LOCKS_SHARED_NEXT_RUN_H_
#define CLIENTBOOK_COMMON_LOCKS_SHARED_NEXT_RUN_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/node_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace clientbook::storage {

// Runs a task for callers who each need a run that starts after they ask,
// such as a backup holding every change they saw acknowledged. One run at a
// time; the callers who arrive while one runs share the next, so any number
// of racing callers cost two runs, where taking turns cost one each.
template <typename Result>
class SharedNextRun {
 public:
  // The result of a run that started after this call did: `task`'s, when
  // this caller is the one to start it, or the run's it shares.
  Result Run(absl::FunctionRef<Result()> task) {
    return Run(absl::InfiniteFuture(), [&task](absl::Time) { return task(); });
  }

  // As Run(task), for callers with a deadline: `task` is given the latest
  // deadline of the callers who share its run (those waiting when it
  // starts), so a run one caller starts is never cut short by its own
  // deadline while another caller sharing it still waits.
  Result Run(absl::Time deadline, absl::FunctionRef<Result(absl::Time)> task) {
    absl::MutexLock lock(&mu_);
    ++waiting_;
    next_deadline_ = std::max(next_deadline_, deadline);
    const uint64_t wanted = started_ + 1;
    auto done_or_free = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return finished_ >= wanted || !running_;
    };
    mu_.Await(absl::Condition(&done_or_free));
    --waiting_;
    if (finished_ >= wanted) return *last_;
    running_ = true;
    const uint64_t run = ++started_;
    // Everyone waiting now shares this run; later callers the next.
    const absl::Time run_deadline = std::exchange(next_deadline_, absl::InfinitePast());
    mu_.Unlock();
    Result result = task(run_deadline);
    mu_.Lock();
    running_ = false;
    finished_ = run;
    last_ = result;
    return result;
  }

  // Callers waiting for a run (for tests, which let a run end only once
  // they know who shares the next).
  int waiting() const {
    absl::MutexLock lock(&mu_);
    return waiting_;
  }

 private:
  mutable absl::Mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t started_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t finished_ ABSL_GUARDED_BY(mu_) = 0;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  // The latest deadline of the callers the next run will serve.
  absl::Time next_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // The last run's result, which its sharers copy.
  std::optional<Result> last_ ABSL_GUARDED_BY(mu_);
};

// A SharedNextRun for each key (a backup's id, say): callers of one key
// share runs, callers of different keys never wait for each other. A key
// is forgotten once nobody runs or waits for it.
template <typename Key, typename Result>
class SharedNextRunByKey {
 public:
  Result Run(const Key& key, absl::FunctionRef<Result()> task) {
    SharedNextRun<Result>& runs = Enter(key);
    Result result = runs.Run(task);
    Leave(key);
    return result;
  }

  // Callers waiting for a run of `key` (for tests, as SharedNextRun's).
  int waiting(const Key& key) const {
    absl::MutexLock lock(&mu_);
    auto it = by_key_.find(key);
    return it == by_key_.end() ? 0 : it->second.runs.waiting();
  }

 private:
  struct Users {
    SharedNextRun<Result> runs;
    int count = 0;
  };

  SharedNextRun<Result>& Enter(const Key& key) {
    absl::MutexLock lock(&mu_);
    Users& users = by_key_[key];
    ++users.count;
    return users.runs;
  }
  void Leave(const Key& key) {
    absl::MutexLock lock(&mu_);
    auto it = by_key_.find(key);
    if (--it->second.count == 0) by_key_.erase(it);
  }

  mutable absl::Mutex mu_;
  // A node map: a caller holds its key's runs while others come and go.
  absl::node_hash_map<Key, Users> by_key_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::storage

#endif  // CLIENTBOOK_COMMON_LOCKS_SHARED_NEXT_RUN_H_
