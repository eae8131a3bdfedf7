#ifndef CLIENTBOOK_SERVICES_IMPORT_DOMAIN_JOB_WORKER_H_
#define CLIENTBOOK_SERVICES_IMPORT_DOMAIN_JOB_WORKER_H_

#include <deque>
#include <functional>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "services/import/domain/importer.h"

namespace clientbook::importer {

// Runs scheduled jobs one at a time on its own thread, so StartImport
// answers at once and jobs of one process never race each other. Firms take
// turns: the next job is the oldest of the firm after the last one served,
// so one firm's fifty queued jobs delay another firm's job by one job at
// most. The destructor finishes the running job and drops the queue
// (unfinished jobs resume at the next start).
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
    std::deque<names::ImportJobName>& queue = queues_[job.firm_id];
    if (queue.empty()) turns_.push_back(job.firm_id);
    queue.push_back(job);
  }

 private:
  void Loop() {
    while (true) {
      names::ImportJobName job;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](JobWorker* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
              return w->stopping_ || !w->turns_.empty();
            },
            this));
        if (stopping_) return;
        job = TakeNext();
      }
      run_(job);
    }
  }

  // The oldest job of the firm whose turn it is; that firm goes to the back.
  // The firm whose job ran last waits for the others, though its jobs came
  // while that job ran, before theirs.
  names::ImportJobName TakeNext() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (turns_.size() > 1 && turns_.front() == last_firm_) {
      turns_.push_back(turns_.front());
      turns_.pop_front();
    }
    const uint64_t firm = turns_.front();
    turns_.pop_front();
    last_firm_ = firm;
    auto queue = queues_.find(firm);
    names::ImportJobName job = queue->second.front();
    queue->second.pop_front();
    if (queue->second.empty()) {
      queues_.erase(queue);
    } else {
      turns_.push_back(firm);
    }
    return job;
  }

  std::function<void(names::ImportJobName)> run_;
  absl::Mutex mu_;
  // Each firm's jobs in the order scheduled; the firms with jobs, in turn.
  absl::flat_hash_map<uint64_t, std::deque<names::ImportJobName>> queues_
      ABSL_GUARDED_BY(mu_);
  std::deque<uint64_t> turns_ ABSL_GUARDED_BY(mu_);
  uint64_t last_firm_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_DOMAIN_JOB_WORKER_H_
