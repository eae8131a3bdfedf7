#include "services/import/domain/job_worker.h"

#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace clientbook::importer {
namespace {

using names::ImportJobName;

// Records the jobs in the order run; the first one waits to be released, so
// a test can queue jobs behind it.
class Recorder {
 public:
  void Run(ImportJobName job) {
    if (!first_started_.HasBeenNotified()) {
      first_started_.Notify();
      release_.WaitForNotification();
    }
    absl::MutexLock lock(&mu_);
    ran_.push_back(job);
  }
  void AwaitFirst() { first_started_.WaitForNotification(); }
  void Release() { release_.Notify(); }
  std::vector<ImportJobName> AwaitRuns(size_t n) {
    absl::MutexLock lock(&mu_);
    auto done = [this, n]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ran_.size() >= n; };
    mu_.Await(absl::Condition(&done));
    return ran_;
  }

 private:
  absl::Notification first_started_;
  absl::Notification release_;
  absl::Mutex mu_;
  std::vector<ImportJobName> ran_ ABSL_GUARDED_BY(mu_);
};

TEST(JobWorkerTest, AFirmsOneJobWaitsForOneJobNotForAnotherFirmsFifty) {
  Recorder recorder;
  JobWorker worker([&recorder](ImportJobName job) { recorder.Run(job); });
  worker.Schedule({.firm_id = 1, .job_id = 1});
  recorder.AwaitFirst();
  for (uint64_t job = 2; job <= 50; ++job) worker.Schedule({.firm_id = 1, .job_id = job});
  worker.Schedule({.firm_id = 2, .job_id = 1});
  recorder.Release();
  const std::vector<ImportJobName> ran = recorder.AwaitRuns(51);
  EXPECT_EQ(ran[1], (ImportJobName{.firm_id = 2, .job_id = 1}));
  // The flooding firm's own jobs keep their order.
  for (uint64_t i = 2; i < ran.size(); ++i) EXPECT_EQ(ran[i].job_id, i);
}

TEST(JobWorkerTest, FirmsWithQueuedJobsTakeTurns) {
  Recorder recorder;
  JobWorker worker([&recorder](ImportJobName job) { recorder.Run(job); });
  worker.Schedule({.firm_id = 9, .job_id = 1});
  recorder.AwaitFirst();
  for (uint64_t job = 1; job <= 3; ++job) {
    worker.Schedule({.firm_id = 1, .job_id = job});
    worker.Schedule({.firm_id = 2, .job_id = job});
  }
  for (uint64_t job = 4; job <= 6; ++job) worker.Schedule({.firm_id = 1, .job_id = job});
  recorder.Release();
  const std::vector<ImportJobName> ran = recorder.AwaitRuns(10);
  std::vector<uint64_t> firms;
  for (size_t i = 1; i < ran.size(); ++i) firms.push_back(ran[i].firm_id);
  EXPECT_EQ(firms, (std::vector<uint64_t>{1, 2, 1, 2, 1, 2, 1, 1, 1}));
}

TEST(JobWorkerTest, AJobPutOffRunsWhenItsTimeComesAndOthersRunMeanwhile) {
  Recorder recorder;
  recorder.Release();
  JobWorker worker([&recorder](ImportJobName job) { recorder.Run(job); });
  const absl::Time put_off_at = absl::Now();
  worker.ScheduleAfter({.firm_id = 1, .job_id = 1}, absl::Milliseconds(50));
  worker.Schedule({.firm_id = 2, .job_id = 1});
  const std::vector<ImportJobName> ran = recorder.AwaitRuns(2);
  EXPECT_EQ(ran[0], (ImportJobName{.firm_id = 2, .job_id = 1}));
  EXPECT_EQ(ran[1], (ImportJobName{.firm_id = 1, .job_id = 1}));
  EXPECT_GE(absl::Now() - put_off_at, absl::Milliseconds(50));
}

TEST(JobWorkerTest, ItsReportCountsJobsQueuedAndPutOff) {
  Recorder recorder;
  JobWorker worker([&recorder](ImportJobName job) { recorder.Run(job); });
  worker.Schedule({.firm_id = 1, .job_id = 1});
  recorder.AwaitFirst();
  worker.Schedule({.firm_id = 1, .job_id = 2});
  worker.Schedule({.firm_id = 2, .job_id = 1});
  worker.ScheduleAfter({.firm_id = 3, .job_id = 1}, absl::Hours(1));
  const JobWorker::Load load = worker.Report();
  EXPECT_EQ(load.queued, 2u);
  EXPECT_EQ(load.put_off, 1u);
  recorder.Release();
  recorder.AwaitRuns(3);
}

}  // namespace
}  // namespace clientbook::importer
