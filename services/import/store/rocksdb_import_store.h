#ifndef CLIENTBOOK_SERVICES_IMPORT_STORE_ROCKSDB_IMPORT_STORE_H_
#define CLIENTBOOK_SERVICES_IMPORT_STORE_ROCKSDB_IMPORT_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "common/changes/change_log.h"
#include "common/names/cell.h"
#include "common/storage/database.h"
#include "common/storage/id_allocator.h"
#include "services/import/domain/store_port.h"

namespace clientbook::importer {

// ImportStore over one RocksDB, every batch written with the WAL synced.
// Key layout (common/keys/key_codec.h):
//   J firm ~job                  -> JobRecord     (~job: newest first)
//   W firm job line              -> RowRecord     the uploaded rows
//   E firm job row seq           -> ErrorRecord   the error log
//   R caller request_id          -> firm job
//   U firm job                   -> ""            unfinished jobs
//   X create_time firm job       -> ""            for the retention sweep
class RocksImportStore final : public ImportStore {
 public:
  // Job ids in `cell`'s range (cell.h).
  static absl::StatusOr<std::unique_ptr<RocksImportStore>> Create(storage::Database* db,
                                                                  const Clock& clock,
                                                                  names::Cell cell = {});
  // Every committed change of a job (its state and counts, not its rows).
  changes::ChangeLog& change_log() { return *log_; }

  absl::StatusOr<uint64_t> AllocateJobId() override { return ids_->Next(); }
  absl::Status CreateJob(const JobRecord& job,
                         const std::vector<RowRecord>& rows) override;
  absl::Status UpdateJob(const JobRecord& job,
                         const std::optional<std::vector<ErrorRecord>>& errors) override;
  absl::Status DeleteJobs(const std::vector<JobRecord>& jobs) override;
  absl::StatusOr<std::optional<JobRecord>> GetJob(
      names::ImportJobName ref) const override;
  absl::StatusOr<std::vector<RowRecord>> GetRows(names::ImportJobName ref) const override;
  absl::StatusOr<std::optional<names::ImportJobName>> FindRequest(
      absl::string_view caller, absl::string_view request_id) const override;
  absl::StatusOr<StoredPage<JobRecord>> ListJobs(uint64_t firm_id,
                                                 absl::string_view cursor,
                                                 size_t limit) const override;
  absl::StatusOr<std::vector<JobRecord>> JobsPastNewest(uint64_t firm_id, size_t newest,
                                                        size_t limit) const override;
  absl::StatusOr<StoredPage<ErrorRecord>> ListErrors(names::ImportJobName ref,
                                                     absl::string_view cursor,
                                                     size_t limit) const override;
  absl::StatusOr<std::vector<names::ImportJobName>> UnfinishedJobs() const override;
  absl::StatusOr<std::vector<names::ImportJobName>> UnfinishedJobsOf(
      uint64_t firm_id) const override;
  absl::StatusOr<std::vector<JobRecord>> JobsCreatedBefore(int64_t time_us,
                                                           size_t limit) const override;
  absl::Status RecordRead(const changes::DataRead& read,
                          changes::ReadStage stage) override {
    return log_->RecordRead(read, stage);
  }

 private:
  RocksImportStore(storage::Database* db, std::unique_ptr<storage::IdAllocator> ids,
                   std::unique_ptr<changes::ChangeLog> log)
      : db_(db), ids_(std::move(ids)), log_(std::move(log)) {}

  static changes::ChangeRecord JobChangeRecord(const std::string& type,
                                               const JobRecord* before,
                                               const JobRecord* after,
                                               const std::string& source);
  // Commits `batch` durably with the job's change record.
  absl::Status CommitJob(rocksdb::WriteBatch& batch, const std::string& type,
                         const JobRecord* before, const JobRecord* after,
                         const std::string& source);

  storage::Database* db_;
  std::unique_ptr<storage::IdAllocator> ids_;
  std::unique_ptr<changes::ChangeLog> log_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_STORE_ROCKSDB_IMPORT_STORE_H_
