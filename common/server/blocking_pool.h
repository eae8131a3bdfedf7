#ifndef CLIENTBOOK_COMMON_SERVER_BLOCKING_POOL_H_
#define CLIENTBOOK_COMMON_SERVER_BLOCKING_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace clientbook::server {

// A few threads for handler work that waits on another service. Callback-API
// handlers run on gRPC's own small pool; one that blocked there for a remote
// answer would hold up every other call, so it runs here instead.
class BlockingPool {
 public:
  // `nice` above 0 lowers the threads' priority (Linux sets it per thread):
  // while the cores are full, the kernel runs other threads first.
  explicit BlockingPool(int threads, int nice = 0);
  // Runs what was queued, then joins the threads.
  ~BlockingPool();

  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  void Run(std::function<void()> work);

 private:
  void Loop();

  absl::Mutex mu_;
  // Wakes one idle thread per queued item: a Mutex::Await would have every
  // unlock evaluate each idle thread's condition.
  absl::CondVar work_or_stop_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_BLOCKING_POOL_H_
