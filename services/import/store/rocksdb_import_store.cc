#include "services/import/store/rocksdb_import_store.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "clientbook/v1/import.pb.h"
#include "common/keys/key_codec.h"
#include "common/storage/records.h"

namespace clientbook::importer {

class RocksImportStore;

namespace {

using storage::KeyBuilder;
using storage::KeyReader;

constexpr char kJob = 'J';
constexpr char kRow = 'W';
constexpr char kError = 'E';
constexpr char kRequest = 'R';
constexpr char kUnfinished = 'U';
constexpr char kByAge = 'X';
constexpr char kChangeLog = 'C';
constexpr uint64_t kFirstJobId = 1;

std::string JobKey(names::ImportJobName ref) {
  return KeyBuilder(kJob)
      .Uint64(ref.firm_id)
      .Uint64(std::numeric_limits<uint64_t>::max() - ref.job_id)
      .Release();
}
std::string RowsPrefix(names::ImportJobName ref) {
  return KeyBuilder(kRow).Uint64(ref.firm_id).Uint64(ref.job_id).Release();
}
std::string ErrorsPrefix(names::ImportJobName ref) {
  return KeyBuilder(kError).Uint64(ref.firm_id).Uint64(ref.job_id).Release();
}
std::string RequestKey(absl::string_view caller, absl::string_view request_id) {
  return KeyBuilder(kRequest).String(caller).String(request_id).Release();
}
std::string UnfinishedKey(names::ImportJobName ref) {
  return KeyBuilder(kUnfinished).Uint64(ref.firm_id).Uint64(ref.job_id).Release();
}
std::string AgeKey(const JobRecord& job) {
  return KeyBuilder(kByAge)
      .Uint64(static_cast<uint64_t>(job.create_time_us()))
      .Uint64(job.firm_id())
      .Uint64(job.job_id())
      .Release();
}
names::ImportJobName RefOf(const JobRecord& job) { return {job.firm_id(), job.job_id()}; }

// The jobs of an index whose keys in [begin, end) end in firm and job id.
absl::StatusOr<std::vector<names::ImportJobName>> IndexedJobs(const storage::Database& db,
                                                              absl::string_view begin,
                                                              absl::string_view end,
                                                              size_t limit) {
  std::vector<names::ImportJobName> refs;
  absl::Status s = db.Scan(begin, end, [&](absl::string_view key, absl::string_view) {
    if (key.size() >= 16) {
      KeyReader tail(key.substr(key.size() - 16));
      refs.push_back({*tail.Uint64(), *tail.Uint64()});
    }
    return refs.size() < limit;
  });
  if (!s.ok()) return s;
  return refs;
}

// The stored jobs behind `refs`, skipping any deleted meanwhile.
absl::StatusOr<std::vector<JobRecord>> LoadJobs(
    const RocksImportStore& store,
    absl::StatusOr<std::vector<names::ImportJobName>> refs) {
  if (!refs.ok()) return refs.status();
  std::vector<JobRecord> jobs;
  for (names::ImportJobName ref : *refs) {
    absl::StatusOr<std::optional<JobRecord>> job = store.GetJob(ref);
    if (!job.ok()) return job.status();
    if (job->has_value()) jobs.push_back(std::move(**job));
  }
  return jobs;
}

changes::ChangeRecord JobChange(const JobRecord& job) {
  changes::ChangeRecord change;
  change.set_resource_type(v1::ImportJob::descriptor()->full_name());
  change.set_name(RefOf(job).ToString());
  change.set_firm_id(job.firm_id());
  return change;
}

// Where a SNAPSHOT watch finds the import jobs.
std::vector<changes::ResourceTable> ResourceTables() {
  return {changes::FirmTable<JobRecord>(
      kJob, [](absl::string_view, const JobRecord& job) { return JobChange(job); })};
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksImportStore>> RocksImportStore::Create(
    storage::Database* db, const Clock& clock, names::Cell cell) {
  absl::StatusOr<std::unique_ptr<changes::ChangeLog>> log =
      changes::ChangeLog::Open(*db, kChangeLog, clock);
  if (!log.ok()) return log.status();
  absl::StatusOr<std::unique_ptr<storage::IdAllocator>> ids = (*log)->OpenIdAllocator(
      KeyBuilder('Z').String("job_id_limit").Release(), kFirstJobId, cell);
  if (!ids.ok()) return ids.status();
  (*log)->SetResourceTables(ResourceTables());
  return std::unique_ptr<RocksImportStore>(
      new RocksImportStore(db, std::move(*ids), std::move(*log)));
}

changes::ChangeRecord RocksImportStore::JobChangeRecord(const std::string& type,
                                                        const JobRecord* before,
                                                        const JobRecord* after,
                                                        const std::string& source) {
  const JobRecord& job = after != nullptr ? *after : *before;
  changes::ChangeRecord change = JobChange(job);
  change.set_type(type);
  if (before != nullptr) change.set_before(before->SerializeAsString());
  if (after != nullptr) change.set_after(after->SerializeAsString());
  // A job acts for the member who started it; its removal is the sweep's.
  if (source != "sweep") {
    change.set_actor(job.created_by());
    change.set_request_id(job.request_id());
  }
  change.set_source(source);
  return change;
}

absl::Status RocksImportStore::CommitJob(rocksdb::WriteBatch& batch,
                                         const std::string& type, const JobRecord* before,
                                         const JobRecord* after,
                                         const std::string& source) {
  return log_->Commit(batch, {JobChangeRecord(type, before, after, source)},
                      /*durable=*/true);
}

absl::Status RocksImportStore::CreateJob(const JobRecord& job,
                                         const std::vector<RowRecord>& rows) {
  rocksdb::WriteBatch batch;
  const names::ImportJobName ref = RefOf(job);
  batch.Put(JobKey(ref), job.SerializeAsString());
  for (const RowRecord& row : rows) {
    batch.Put(KeyBuilder(kRow)
                  .Uint64(ref.firm_id)
                  .Uint64(ref.job_id)
                  .Uint64(row.line())
                  .Release(),
              row.SerializeAsString());
  }
  if (!job.request_id().empty()) {
    batch.Put(RequestKey(job.created_by(), job.request_id()),
              storage::EncodeUint64(ref.firm_id) + storage::EncodeUint64(ref.job_id));
  }
  batch.Put(UnfinishedKey(ref), "");
  batch.Put(AgeKey(job), "");
  return CommitJob(batch, "CREATED", nullptr, &job, "api");
}

absl::Status RocksImportStore::UpdateJob(
    const JobRecord& job, const std::optional<std::vector<ErrorRecord>>& errors) {
  rocksdb::WriteBatch batch;
  const names::ImportJobName ref = RefOf(job);
  // One writer per job (its worker): what is stored now is the state before.
  // A stored state that cannot be read is overwritten all the same (the job
  // fails for it), its change without a state before.
  absl::StatusOr<std::optional<JobRecord>> before = GetJob(ref);
  if (!before.ok() && before.status().code() != absl::StatusCode::kDataLoss) {
    return before.status();
  }
  batch.Put(JobKey(ref), job.SerializeAsString());
  if (errors.has_value()) {
    const std::string prefix = ErrorsPrefix(ref);
    batch.DeleteRange(prefix, storage::PrefixSuccessor(prefix));
    uint64_t seq = 0;
    for (const ErrorRecord& e : *errors) {
      batch.Put(KeyBuilder(kError)
                    .Uint64(ref.firm_id)
                    .Uint64(ref.job_id)
                    .Uint64(static_cast<uint64_t>(e.row()))
                    .Uint64(seq++)
                    .Release(),
                e.SerializeAsString());
    }
  }
  if (IsTerminal(job)) {
    batch.Delete(UnfinishedKey(ref));
    // Only a validation reads the rows, and only a retryable failure can
    // validate again: a finished job keeps its error log, not its file.
    if (!job.retryable()) {
      const std::string rows = RowsPrefix(ref);
      batch.DeleteRange(rows, storage::PrefixSuccessor(rows));
    }
  } else {
    batch.Put(UnfinishedKey(ref), "");
  }
  return CommitJob(batch, "UPDATED",
                   before.ok() && before->has_value() ? &**before : nullptr, &job,
                   "import");
}

absl::Status RocksImportStore::DeleteJobs(const std::vector<JobRecord>& jobs) {
  rocksdb::WriteBatch batch;
  std::vector<changes::ChangeRecord> deleted;
  for (const JobRecord& job : jobs) {
    const names::ImportJobName ref = RefOf(job);
    for (const std::string& prefix : {RowsPrefix(ref), ErrorsPrefix(ref)}) {
      batch.DeleteRange(prefix, storage::PrefixSuccessor(prefix));
    }
    batch.Delete(JobKey(ref));
    if (!job.request_id().empty())
      batch.Delete(RequestKey(job.created_by(), job.request_id()));
    batch.Delete(UnfinishedKey(ref));
    batch.Delete(AgeKey(job));
    deleted.push_back(JobChangeRecord("DELETED", &job, nullptr, "sweep"));
  }
  return log_->Commit(batch, std::move(deleted), /*durable=*/true);
}

absl::StatusOr<std::optional<JobRecord>> RocksImportStore::GetJob(
    names::ImportJobName ref) const {
  return storage::ReadRecord<JobRecord>(*db_, JobKey(ref));
}

absl::StatusOr<std::vector<RowRecord>> RocksImportStore::GetRows(
    names::ImportJobName ref) const {
  return storage::ReadRecordsUnder<RowRecord>(*db_, RowsPrefix(ref));
}

absl::StatusOr<std::optional<names::ImportJobName>> RocksImportStore::FindRequest(
    absl::string_view caller, absl::string_view request_id) const {
  absl::StatusOr<std::optional<std::string>> bytes =
      db_->Get(RequestKey(caller, request_id));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::nullopt;
  KeyReader reader(**bytes);
  std::optional<uint64_t> firm = reader.Uint64();
  std::optional<uint64_t> job = reader.Uint64();
  if (!firm || !job) return absl::DataLossError("unreadable request entry");
  return names::ImportJobName{*firm, *job};
}

absl::StatusOr<StoredPage<JobRecord>> RocksImportStore::ListJobs(uint64_t firm_id,
                                                                 absl::string_view cursor,
                                                                 size_t limit) const {
  return storage::DecodePage<JobRecord>(
      db_->ScanPage(KeyBuilder(kJob).Uint64(firm_id).Release(), cursor, limit));
}

absl::StatusOr<std::vector<JobRecord>> RocksImportStore::JobsPastNewest(
    uint64_t firm_id, size_t newest, size_t limit) const {
  return storage::ReadRecordsUnder<JobRecord>(
      *db_, KeyBuilder(kJob).Uint64(firm_id).Release(), newest, limit);
}

absl::StatusOr<StoredPage<ErrorRecord>> RocksImportStore::ListErrors(
    names::ImportJobName ref, absl::string_view cursor, size_t limit) const {
  return storage::DecodePage<ErrorRecord>(
      db_->ScanPage(ErrorsPrefix(ref), cursor, limit));
}

absl::StatusOr<std::vector<names::ImportJobName>> RocksImportStore::UnfinishedJobs()
    const {
  const std::string prefix(1, kUnfinished);
  return IndexedJobs(*db_, prefix, storage::PrefixSuccessor(prefix),
                     std::numeric_limits<size_t>::max());
}

absl::StatusOr<std::vector<names::ImportJobName>> RocksImportStore::UnfinishedJobsOf(
    uint64_t firm_id) const {
  const std::string prefix = KeyBuilder(kUnfinished).Uint64(firm_id).Release();
  return IndexedJobs(*db_, prefix, storage::PrefixSuccessor(prefix),
                     std::numeric_limits<size_t>::max());
}

absl::StatusOr<std::vector<JobRecord>> RocksImportStore::JobsCreatedBefore(
    int64_t time_us, size_t limit) const {
  return LoadJobs(
      *this,
      IndexedJobs(*db_, std::string(1, kByAge),
                  KeyBuilder(kByAge).Uint64(static_cast<uint64_t>(time_us)).Release(),
                  limit));
}

}  // namespace clientbook::importer
