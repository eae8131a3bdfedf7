#ifndef CLIENTBOOK_SERVICES_IMPORT_DOMAIN_JOB_WORKER_H_
#define CLIENTBOOK_SERVICES_IMPORT_DOMAIN_JOB_WORKER_H_

#include <deque>
#include <functional>
#include <map>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "services/import/domain/importer.h"

namespace clientbook::importer {

// Runs scheduled jobs one at a time on its own thread, so StartImport
// answers at once and jobs of one process never race each other. Firms take
// turns: the next job is the oldest of the firm after the last one served,
// so one firm's fifty queued jobs delay another firm's job by one job at
// most. A job put off (ScheduleAfter) joins its firm's queue when its time
// comes, leaving the thread to other firms' jobs meanwhile. The destructor
// finishes the running job and drops the queue (unfinished jobs resume at
// the next start).
class JobWorker final : public JobScheduler {
 public:
  explicit JobWorker(std::function<void(names::ImportJobName)> run)
      : run_(std::move(run)), thread_([this] { Loop(); }) {}
  ~JobWorker() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    wake_.Signal();
    thread_.join();
  }

  void Schedule(names::ImportJobName job) override {
    absl::MutexLock lock(&mu_);
    Enqueue(job);
    wake_.Signal();
  }

  // Pacing is in real time, as the RetryInfo delays that ask for it are.
  void ScheduleAfter(names::ImportJobName job, absl::Duration delay) override {
    absl::MutexLock lock(&mu_);
    put_off_.emplace(absl::Now() + delay, job);
    wake_.Signal();
  }

  // What an operator looks at: jobs waiting their turn, and jobs put off
  // until the directory takes them again.
  struct Load {
    size_t queued = 0;
    size_t put_off = 0;
  };
  Load Report() {
    absl::MutexLock lock(&mu_);
    Load load{.queued = 0, .put_off = put_off_.size()};
    for (const auto& [firm, queue] : queues_) load.queued += queue.size();
    return load;
  }

 private:
  void Loop() {
    while (true) {
      names::ImportJobName job;
      {
        absl::MutexLock lock(&mu_);
        while (!stopping_ && !EnqueueDue()) {
          wake_.WaitWithDeadline(
              &mu_, put_off_.empty() ? absl::InfiniteFuture() : put_off_.begin()->first);
        }
        if (stopping_) return;
        job = TakeNext();
      }
      run_(job);
    }
  }

  void Enqueue(names::ImportJobName job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::deque<names::ImportJobName>& queue = queues_[job.firm_id];
    if (queue.empty()) turns_.push_back(job.firm_id);
    queue.push_back(job);
  }

  // Queues the put-off jobs whose time has come; whether any job waits.
  bool EnqueueDue() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const absl::Time now = absl::Now();
    while (!put_off_.empty() && put_off_.begin()->first <= now) {
      Enqueue(put_off_.begin()->second);
      put_off_.erase(put_off_.begin());
    }
    return !turns_.empty();
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
  // Jobs put off, by when they may run again.
  std::multimap<absl::Time, names::ImportJobName> put_off_ ABSL_GUARDED_BY(mu_);
  absl::CondVar wake_;
  uint64_t last_firm_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_DOMAIN_JOB_WORKER_H_
