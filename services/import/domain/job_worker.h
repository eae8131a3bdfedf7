#ifndef CLIENTBOOK_SERVICES_IMPORT_DOMAIN_JOB_WORKER_H_
#define CLIENTBOOK_SERVICES_IMPORT_DOMAIN_JOB_WORKER_H_

#include <deque>
#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "services/import/domain/importer.h"

namespace clientbook::importer {

// Runs scheduled jobs one at a time on its own thread, so StartImport
// answers at once and jobs of one process never race each other. The
// destructor finishes the running job and drops the queue (unfinished jobs
// resume at the next start).
class JobWorker final : public JobScheduler {
 public:
  explicit JobWorker(std::function<void(names::ImportJobName)> run)
      : run_(std::move(run)), thread_([this] { Loop(); }) {}
  ~JobWorker() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
  }

  void Schedule(names::ImportJobName job) override {
    absl::MutexLock lock(&mu_);
    queue_.push_back(job);
  }

 private:
  void Loop() {
    while (true) {
      names::ImportJobName job;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](JobWorker* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
              return w->stopping_ || !w->queue_.empty();
            },
            this));
        if (stopping_) return;
        job = queue_.front();
        queue_.pop_front();
      }
      run_(job);
    }
  }

  std::function<void(names::ImportJobName)> run_;
  absl::Mutex mu_;
  std::deque<names::ImportJobName> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_DOMAIN_JOB_WORKER_H_
