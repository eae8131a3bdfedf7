#ifndef CLIENTBOOK_SERVICES_IMPORT_DOMAIN_IMPORTER_H_
#define CLIENTBOOK_SERVICES_IMPORT_DOMAIN_IMPORTER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/locks/striped_locks.h"
#include "common/paging/paging.h"
#include "common/rules/shared_limits.h"
#include "common/rules/text_fields.h"
#include "common/time/clock.h"
#include "services/import/domain/directory_port.h"
#include "services/import/domain/model.h"
#include "services/import/domain/store_port.h"

namespace clientbook::importer {

using storage::Page;
using storage::PageRequest;

// Where jobs run: a worker thread in the service, by hand in tests.
class JobScheduler {
 public:
  virtual ~JobScheduler() = default;
  virtual void Schedule(names::ImportJobName job) = 0;
  // The same once `delay` has passed.
  virtual void ScheduleAfter(names::ImportJobName job, absl::Duration delay) = 0;
};

// How a job resends a batch whose outcome it did not hear: resending is
// safe (the batch carries the job's request id), so it tries a few times
// before it ends the job saying the outcome is unknown.
// Jobs whose firm the directory no longer has, as
// Importer::FindJobsWithoutFirm finds them.
struct JobReconciliation {
  // The first kMaxListed found, oldest first; the counts are of all.
  static constexpr size_t kMaxListed = 1000;
  std::vector<JobRecord> jobs_without_firm;
  int64_t mismatch_count = 0;
  int64_t checked_count = 0;
  int64_t directory_firm_count = 0;
};

// The most one client's export row can take: a 20-digit company id, a
// display name and a client number of 4-byte characters (a quote, written
// twice, takes 2) inside quotes, two commas and CRLF: 1,228 bytes. (The
// apostrophe csv::TextCell writes before a formula character fits in the
// 3 bytes that 1-byte character leaves.)
inline constexpr int64_t kMaxExportRowBytes =
    20 + (4 * rules::kMaxDisplayNameCharacters + 2) +
    (4 * limits::kMaxClientNumberCharacters + 2) + 2 + 2;

// A firm's jobs waiting or running at once; more are refused
// RESOURCE_EXHAUSTED (TOO_MANY_IMPORT_JOBS): each holds its file until it
// ends, and a firm's queue, like every queue, is bounded.
inline constexpr size_t kMaxUnfinishedJobsPerFirm = 100;

// A firm keeps its newest 1,000 jobs: starting one deletes the finished
// jobs past them, with their error logs (up to about a megabyte each). Kept
// until --job_retention alone, one member posting rejected files from 4
// callers grew the store every firm's imports share by 11 MB a second.
inline constexpr size_t kMaxJobsKeptPerFirm = 1000;
// At most this many a start, in its one write: a firm found with many more
// (kept before this bound) is brought down to it over its next starts.
inline constexpr size_t kMaxJobsDeletedPerStart = 64;

// Holds up to `bytes` of the room the exports in flight share, giving back
// what its previous call held; returns the bytes it holds (0: none left).
// The room is held until the export ends or asks again.
using ExportRoom = std::function<int64_t(int64_t bytes)>;

struct ImporterOptions {
  int apply_attempts = 4;
  // Waits apply_backoff before the second try, twice that before the third…
  absl::Duration apply_backoff = absl::Milliseconds(500);
  std::function<void(absl::Duration)> wait = [](absl::Duration d) { absl::SleepFor(d); };
};

// Client-number imports and exports. A job checks every row (its own rules,
// then the directory's), keeps every rejected row in the error log, and
// writes the valid rows to the directory in one atomic batch. Every state
// change is stored durably before the next step, so a job killed at any
// moment resumes from its last state and never writes twice.
class Importer {
 public:
  Importer(ImportStore& store, const Clock& clock, DirectoryPort& directory,
           JobScheduler& scheduler, ImporterOptions options = {})
      : store_(store),
        clock_(clock),
        directory_(directory),
        scheduler_(scheduler),
        options_(std::move(options)) {}

  // Checks limits and headers, stores the job and its rows, schedules it.
  // The same request id returns the same job (INVALID_ARGUMENT for another
  // file or firm); a job that failed for want of the directory resumes: from
  // validation when nothing was applied, else by resending its batch.
  absl::StatusOr<JobRecord> Start(const auth::Caller& caller, uint64_t firm_id,
                                  absl::string_view csv, absl::string_view file_name,
                                  absl::string_view request_id);

  // Runs a job from its stored state to the end. Safe to call again.
  absl::Status RunJob(names::ImportJobName ref);
  // Schedules every job a previous process left unfinished.
  absl::Status ResumeUnfinished();
  // Deletes finished jobs (and their logs) created more than `retention`
  // ago; returns how many. A firm's jobs past its newest kMaxJobsKeptPerFirm
  // go sooner, as the firm starts new ones.
  absl::StatusOr<size_t> DeleteJobsOlderThan(absl::Duration retention);

  // After a restore of the directory's store, jobs of firms it no longer has
  // (created after its backup). `directory_firms` reads the ids of every
  // firm it has, in a snapshot begun after this call notes the time; a job
  // created since is left alone. Nothing is repaired: nobody can read such a
  // job, and only a person knows whether the firm comes back.
  absl::StatusOr<JobReconciliation> FindJobsWithoutFirm(
      const std::function<absl::StatusOr<absl::flat_hash_set<uint64_t>>()>&
          directory_firms);

  absl::StatusOr<JobRecord> Get(const auth::Caller& caller, names::ImportJobName ref);
  absl::StatusOr<Page<JobRecord>> List(const auth::Caller& caller, uint64_t firm_id,
                                       const PageRequest& page);
  // The firm's jobs not yet in a final state, all at once.
  absl::StatusOr<std::vector<JobRecord>> ListUnfinished(const auth::Caller& caller,
                                                        uint64_t firm_id);
  absl::StatusOr<Page<ErrorRecord>> ListErrors(const auth::Caller& caller,
                                               names::ImportJobName ref,
                                               const PageRequest& page);
  // The rejected rows as CSV: the job's headers and separator plus an error column,
  // handed to `sink` a few dozen rows at a time; a sink that returns false
  // stops it (the caller went away).
  absl::Status ErrorReport(const auth::Caller& caller, names::ImportJobName ref,
                           const std::function<bool(std::string piece)>& sink);
  // The firm's client list as CSV, handed to `sink` one directory page (up
  // to 1,000 clients) at a time, so memory stays bounded whatever the firm's
  // size; a sink that returns false stops the export (the caller went away).
  // Each page holds `room` for its rows at kMaxExportRowBytes each, and
  // has fewer rows (one at least) when the room has less.
  absl::Status Export(const auth::Caller& caller, uint64_t firm_id,
                      v1::HeaderLanguage language, char separator, bool include_inactive,
                      const ExportRoom& room,
                      const std::function<bool(std::string piece)>& sink);

  // For watchers: a counter that moves on every job change, and a wait for
  // it to move past `seen` (or `timeout`).
  uint64_t ChangeCount();
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout);

 private:
  // A retry of the request that made job `ref`.
  absl::StatusOr<JobRecord> Resume(const auth::Caller& caller, names::ImportJobName ref,
                                   absl::string_view fingerprint);
  // Deletes the firm's finished jobs past its newest kMaxJobsKeptPerFirm - 1,
  // with the firm's lock held, before a new job is stored.
  absl::Status MakeRoomForJob(uint64_t firm_id);
  absl::Status Validate(JobRecord& job);
  absl::Status Apply(JobRecord& job);
  absl::Status Save(JobRecord& job,
                    const std::optional<std::vector<ErrorRecord>>& errors);
  absl::Status Fail(JobRecord& job, Retry retry, absl::string_view reason);
  // Runs the job again when the busy directory asked (kept in its state,
  // nothing done), or fails it as `retry` once it has waited too long.
  absl::Status PutOff(JobRecord& job, const absl::Status& busy, Retry retry);
  // Replaces a job record that cannot be read with a FAILED one.
  absl::Status FailUnreadable(names::ImportJobName ref, const absl::Status& why);
  absl::Status Finish(JobRecord& job, int32_t applied);

  ImportStore& store_;
  const Clock& clock_;
  DirectoryPort& directory_;
  JobScheduler& scheduler_;
  const ImporterOptions options_;
  storage::StripedLocks locks_;
  absl::Mutex changes_mu_;
  uint64_t changes_ ABSL_GUARDED_BY(changes_mu_) = 0;
};

// The request id under which the job's current plan is written to the
// directory: one per job and plan.
std::string ApplyRequestId(const JobRecord& job);

// The user who started the job, with the credentials the job keeps while it
// runs, carried by the import service for this job (so the directory's
// audit says so), and the setter of those credentials.
auth::Caller StarterOf(const JobRecord& job);
void KeepCredentials(const auth::Caller& caller, JobRecord& job);

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_DOMAIN_IMPORTER_H_
