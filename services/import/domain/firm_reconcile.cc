// Import's side of `clientbook-admin reconcile`: the jobs whose firm the
// directory no longer has after a restore.
#include <limits>

#include "services/import/domain/importer.h"

namespace clientbook::importer {

absl::StatusOr<JobReconciliation> Importer::FindJobsWithoutFirm(
    const std::function<absl::StatusOr<absl::flat_hash_set<uint64_t>>()>&
        directory_firms) {
  const int64_t as_of_us = absl::ToUnixMicros(clock_.Now());
  absl::StatusOr<absl::flat_hash_set<uint64_t>> firms = directory_firms();
  if (!firms.ok()) return firms.status();
  // Jobs are kept for --job_retention only: few enough to hold at once.
  absl::StatusOr<std::vector<JobRecord>> jobs =
      store_.JobsCreatedBefore(as_of_us, std::numeric_limits<size_t>::max());
  if (!jobs.ok()) return jobs.status();
  JobReconciliation out;
  out.directory_firm_count = static_cast<int64_t>(firms->size());
  out.checked_count = static_cast<int64_t>(jobs->size());
  for (JobRecord& job : *jobs) {
    if (firms->contains(job.firm_id())) continue;
    ++out.mismatch_count;
    if (out.jobs_without_firm.size() < JobReconciliation::kMaxListed) {
      out.jobs_without_firm.push_back(std::move(job));
    }
  }
  return out;
}

}  // namespace clientbook::importer
