#ifndef CLIENTBOOK_SERVICES_IMPORT_DOMAIN_STORE_PORT_H_
#define CLIENTBOOK_SERVICES_IMPORT_DOMAIN_STORE_PORT_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/changes/change_origin.h"
#include "common/paging/paging.h"
#include "services/import/domain/model.h"

namespace clientbook::importer {

using storage::StoredPage;

// Import's persistence. Every write here is durable (WAL synced): a job's
// state must survive kill -9 at any moment.
class ImportStore {
 public:
  virtual ~ImportStore() = default;

  virtual absl::StatusOr<uint64_t> AllocateJobId() = 0;

  // A new job with its rows and its request id, atomically.
  virtual absl::Status CreateJob(const JobRecord& job,
                                 const std::vector<RowRecord>& rows) = 0;
  // The job's new state and, when given, its error log replaced, atomically.
  virtual absl::Status UpdateJob(
      const JobRecord& job, const std::optional<std::vector<ErrorRecord>>& errors) = 0;
  // Each job, its rows, its error log and its indexes, in one write.
  virtual absl::Status DeleteJobs(const std::vector<JobRecord>& jobs) = 0;

  virtual absl::StatusOr<std::optional<JobRecord>> GetJob(
      names::ImportJobName ref) const = 0;
  virtual absl::StatusOr<std::vector<RowRecord>> GetRows(
      names::ImportJobName ref) const = 0;
  virtual absl::StatusOr<std::optional<names::ImportJobName>> FindRequest(
      absl::string_view caller, absl::string_view request_id) const = 0;
  // Newest first.
  virtual absl::StatusOr<StoredPage<JobRecord>> ListJobs(uint64_t firm_id,
                                                         absl::string_view cursor,
                                                         size_t limit) const = 0;
  // The firm's jobs past its `newest` newest, newest first, at most `limit`.
  virtual absl::StatusOr<std::vector<JobRecord>> JobsPastNewest(uint64_t firm_id,
                                                                size_t newest,
                                                                size_t limit) const = 0;
  // In row order.
  virtual absl::StatusOr<StoredPage<ErrorRecord>> ListErrors(names::ImportJobName ref,
                                                             absl::string_view cursor,
                                                             size_t limit) const = 0;
  // Jobs not yet in a final state, to resume after a restart.
  virtual absl::StatusOr<std::vector<names::ImportJobName>> UnfinishedJobs() const = 0;
  // The same of one firm.
  virtual absl::StatusOr<std::vector<names::ImportJobName>> UnfinishedJobsOf(
      uint64_t firm_id) const = 0;
  // Jobs created before `time_us`, oldest first, at most `limit`.
  virtual absl::StatusOr<std::vector<JobRecord>> JobsCreatedBefore(
      int64_t time_us, size_t limit) const = 0;
  // Keeps a read that took data out (an export, an error report) for the
  // audit, as it begins or ends.
  virtual absl::Status RecordRead(const changes::DataRead& read,
                                  changes::ReadStage stage) = 0;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_DOMAIN_STORE_PORT_H_
