#include "common/server/blocking_pool.h"

#include <sys/resource.h>
#include <unistd.h>

namespace clientbook::server {

BlockingPool::BlockingPool(int threads, int nice) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, nice] {
      // Raising one's own niceness needs no privilege; failing changes nothing.
      if (nice > 0) setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice);
      Loop();
    });
  }
}

BlockingPool::~BlockingPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  work_or_stop_.SignalAll();
  for (std::thread& t : threads_) t.join();
}

void BlockingPool::Run(std::function<void()> work) {
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(work));
  }
  work_or_stop_.Signal();
}

void BlockingPool::Loop() {
  while (true) {
    std::function<void()> work;
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && queue_.empty()) work_or_stop_.Wait(&mu_);
      if (queue_.empty()) return;
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

}  // namespace clientbook::server
