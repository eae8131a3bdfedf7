#ifndef CLIENTBOOK_COMMON_SERVER_PERIODIC_TASK_H_
#define CLIENTBOOK_COMMON_SERVER_PERIODIC_TASK_H_

#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace clientbook::server {

// Runs `task` every `interval` on its own thread until destroyed; the
// destructor wakes the thread and joins it, so shutdown never waits out an
// interval.
class PeriodicTask {
 public:
  PeriodicTask(absl::Duration interval, std::function<void()> task)
      : thread_([this, interval, task = std::move(task)] {
          while (!stop_.WaitForNotificationWithTimeout(interval)) task();
        }) {}
  ~PeriodicTask() {
    stop_.Notify();
    thread_.join();
  }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_PERIODIC_TASK_H_
