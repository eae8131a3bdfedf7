// Starting jobs, reading them, exports and error reports.
#include "services/import/domain/importer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/changes/change_origin.h"
#include "common/csv/csv.h"
#include "common/requests/request_id.h"
#include "common/rules/text_fields.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "services/import/domain/import_file.h"

namespace clientbook::importer {
namespace {

constexpr size_t kMaxFileNameCharacters = 200;
constexpr absl::Duration kRetryAfterTooManyJobs = absl::Seconds(5);

// An export asks for pages whose CSV is about kExportPieceBytes (one
// CsvChunk), and holds one page's CSV while its caller reads the last:
// with pages of 1,000 clients of long names, 300 exports whose callers
// stopped reading held 1.6 MB each and took the import service from 41 to
// 557 MB. The first page is small (50 rows of the longest names fit), each
// next one sized from the rows of the last, and at most twice as large.
// What the last page's rows say of the next is a guess, though (short
// names, then long ones: 1.4 MB a stalled export): the room caps it.
constexpr size_t kExportPieceBytes = 64 * 1024;
constexpr int32_t kFirstExportPage = 50;
constexpr int32_t kMaxExportPage = 1000;

// An error report is read and sent this many errors at a time (about a
// chunk of CSV), not whole: 100 downloads of a report of 1,000 rows
// quoting long display names (907 KB) held 2.6 MB each while their caller
// did not read, and took the import service from 48 to 310 MB.
constexpr size_t kErrorReportPage = 64;

int32_t NextExportPageSize(int32_t page_size, size_t rows, size_t bytes) {
  if (rows == 0 || bytes == 0) return kMaxExportPage;
  const size_t fit = std::max<size_t>(1, kExportPieceBytes * rows / bytes);
  return static_cast<int32_t>(
      std::min<size_t>({fit, size_t{2} * page_size, kMaxExportPage}));
}

}  // namespace

uint64_t Importer::ChangeCount() {
  absl::MutexLock lock(&changes_mu_);
  return changes_;
}

uint64_t Importer::WaitForChange(uint64_t seen, absl::Duration timeout) {
  absl::MutexLock lock(&changes_mu_);
  auto moved = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(changes_mu_) {
    return changes_ != seen;
  };
  changes_mu_.AwaitWithTimeout(absl::Condition(&moved), timeout);
  return changes_;
}

absl::Status Importer::Save(JobRecord& job,
                            const std::optional<std::vector<ErrorRecord>>& errors) {
  job.set_update_time_us(absl::ToUnixMicros(clock_.Now()));
  job.set_revision(job.revision() + 1);
  // Only a resend reads the plan, and only a retryable failure resends; a
  // job ended for good is kept small (its rows go too, in the store).
  if (IsTerminal(job) && !job.retryable()) job.clear_plan();
  if (absl::Status s = store_.UpdateJob(job, errors); !s.ok()) return s;
  absl::MutexLock lock(&changes_mu_);
  ++changes_;
  return absl::OkStatus();
}

absl::StatusOr<JobRecord> Importer::Start(const auth::Caller& caller, uint64_t firm_id,
                                          absl::string_view csv,
                                          absl::string_view file_name,
                                          absl::string_view request_id) {
  if (absl::Status s = requests::CheckStatus(request_id); !s.ok()) return s;
  if (std::optional<errors::FieldViolation> v =
          rules::CheckLine("file_name", file_name, kMaxFileNameCharacters)) {
    return errors::InvalidArgument({std::move(*v)});
  }
  absl::StatusOr<ImportFile> file = ReadImportFile(csv);
  if (!file.ok()) return file.status();
  if (absl::Status s = directory_.CheckMember(caller, firm_id); !s.ok()) return s;

  // The file's bytes make the request; its name is only a label.
  const std::string fingerprint =
      requests::Fingerprint("StartImport", names::FirmName{firm_id}.ToString(), csv);
  // The firm's lock too: its count of unfinished jobs holds until this one
  // is stored.
  auto guard = locks_.Lock(
      {requests::Scope(caller.user_id, request_id), absl::StrCat("firm:", firm_id)});
  if (!request_id.empty()) {
    absl::StatusOr<std::optional<names::ImportJobName>> first =
        store_.FindRequest(caller.user_id, request_id);
    if (!first.ok()) return first.status();
    if (first->has_value()) return Resume(caller, **first, fingerprint);
  }
  absl::StatusOr<std::vector<names::ImportJobName>> unfinished =
      store_.UnfinishedJobsOf(firm_id);
  if (!unfinished.ok()) return unfinished.status();
  if (unfinished->size() >= kMaxUnfinishedJobsPerFirm) {
    return errors::QuotaExhausted(
        "TOO_MANY_IMPORT_JOBS", names::FirmName{firm_id}.ToString(),
        absl::StrCat("the firm has ", unfinished->size(),
                     " import jobs not yet finished, as many as it may: start this one "
                     "once some have ended"),
        kRetryAfterTooManyJobs);
  }

  if (absl::Status s = MakeRoomForJob(firm_id); !s.ok()) return s;

  absl::StatusOr<uint64_t> id = store_.AllocateJobId();
  if (!id.ok()) return id.status();
  JobRecord job;
  job.set_firm_id(firm_id);
  job.set_job_id(*id);
  job.set_state(v1::ImportJob::VALIDATING);
  job.set_file_name(std::string(file_name));
  job.set_request_id(std::string(request_id));
  job.set_request_fingerprint(fingerprint);
  job.set_created_by(caller.user_id);
  KeepCredentials(caller, job);
  job.set_header_language(file->language);
  job.set_separator(std::string(1, file->separator));
  for (int column = 0; column < 3; ++column) {
    job.add_column_index(file->column_index[column]);
    job.add_header(file->header[column]);
  }
  job.set_total_rows(static_cast<int32_t>(file->rows.size()));
  job.set_create_time_us(absl::ToUnixMicros(clock_.Now()));
  job.set_update_time_us(job.create_time_us());
  job.set_revision(1);
  if (absl::Status s = store_.CreateJob(job, file->rows); !s.ok()) return s;
  {
    absl::MutexLock lock(&changes_mu_);
    ++changes_;
  }
  scheduler_.Schedule({firm_id, *id});
  return job;
}

absl::Status Importer::MakeRoomForJob(uint64_t firm_id) {
  // The new job will be the newest: the finished ones past the next
  // newest kMaxJobsKeptPerFirm - 1 go. Unfinished ones stay to their end.
  absl::StatusOr<std::vector<JobRecord>> older =
      store_.JobsPastNewest(firm_id, kMaxJobsKeptPerFirm - 1, kMaxJobsDeletedPerStart);
  if (!older.ok()) return older.status();
  std::erase_if(*older, [](const JobRecord& job) { return !IsTerminal(job); });
  if (older->empty()) return absl::OkStatus();
  return store_.DeleteJobs(*older);
}

absl::StatusOr<JobRecord> Importer::Resume(const auth::Caller& caller,
                                           names::ImportJobName ref,
                                           absl::string_view fingerprint) {
  // No job lock (Start holds a stripe already): only this, under the
  // request id's lock, moves a job out of FAILED, and no run touches a
  // FAILED job.
  absl::StatusOr<std::optional<JobRecord>> job = store_.GetJob(ref);
  if (!job.ok()) return job.status();
  if (!job->has_value()) return absl::NotFoundError("that import job was deleted");
  JobRecord& existing = **job;
  if (absl::Status s =
          requests::CheckSameRequest(existing.request_fingerprint(), fingerprint);
      !s.ok()) {
    return s;
  }
  if (existing.state() != v1::ImportJob::FAILED || !existing.retryable()) return existing;
  existing.set_retryable(false);
  existing.clear_failure_reason();
  // The retry runs on the fresh credentials of whoever asked for it.
  KeepCredentials(caller, existing);
  existing.set_end_time_us(0);
  std::optional<std::vector<ErrorRecord>> errors;
  if (existing.apply_unresolved()) {
    // Same plan, same request id: the directory tells whether it landed.
    existing.set_state(v1::ImportJob::APPLYING);
  } else {
    // Nothing was applied: check every row again.
    existing.set_state(v1::ImportJob::VALIDATING);
    existing.clear_plan();
    existing.set_validated_rows(0);
    existing.set_rejected_rows(0);
    existing.set_unchanged_rows(0);
    errors.emplace();
  }
  if (absl::Status s = Save(existing, errors); !s.ok()) return s;
  scheduler_.Schedule(ref);
  return existing;
}

absl::Status Importer::ResumeUnfinished() {
  absl::StatusOr<std::vector<names::ImportJobName>> jobs = store_.UnfinishedJobs();
  if (!jobs.ok()) return jobs.status();
  for (names::ImportJobName job : *jobs) scheduler_.Schedule(job);
  return absl::OkStatus();
}

absl::StatusOr<size_t> Importer::DeleteJobsOlderThan(absl::Duration retention) {
  absl::StatusOr<std::vector<JobRecord>> old =
      store_.JobsCreatedBefore(absl::ToUnixMicros(clock_.Now() - retention), 1000);
  if (!old.ok()) return old.status();
  size_t deleted = 0;
  for (const JobRecord& job : *old) {
    if (!IsTerminal(job)) continue;
    if (absl::Status s = store_.DeleteJobs({job}); !s.ok()) return s;
    ++deleted;
  }
  return deleted;
}

absl::StatusOr<JobRecord> Importer::Get(const auth::Caller& caller,
                                        names::ImportJobName ref) {
  if (absl::Status s = directory_.CheckMember(caller, ref.firm_id); !s.ok()) return s;
  absl::StatusOr<std::optional<JobRecord>> job = store_.GetJob(ref);
  if (!job.ok()) return job.status();
  if (!job->has_value()) return errors::NotFound(ref.ToString());
  return std::move(**job);
}

absl::StatusOr<Page<JobRecord>> Importer::List(const auth::Caller& caller,
                                               uint64_t firm_id,
                                               const PageRequest& page) {
  if (absl::Status s = directory_.CheckMember(caller, firm_id); !s.ok()) return s;
  absl::StatusOr<storage::ListPage> list =
      storage::OpenPage(absl::StrCat("jobs|", firm_id), page);
  if (!list.ok()) return list.status();
  absl::StatusOr<StoredPage<JobRecord>> jobs =
      store_.ListJobs(firm_id, list->cursor, list->size);
  if (!jobs.ok()) return jobs.status();
  return Page<JobRecord>{std::move(jobs->items), list->TokenFor(jobs->cursor)};
}

absl::StatusOr<std::vector<JobRecord>> Importer::ListUnfinished(
    const auth::Caller& caller, uint64_t firm_id) {
  if (absl::Status s = directory_.CheckMember(caller, firm_id); !s.ok()) return s;
  // A firm's unfinished jobs are few: kMaxUnfinishedJobsPerFirm at most.
  absl::StatusOr<std::vector<names::ImportJobName>> refs =
      store_.UnfinishedJobsOf(firm_id);
  if (!refs.ok()) return refs.status();
  std::vector<JobRecord> jobs;
  for (const names::ImportJobName& ref : *refs) {
    absl::StatusOr<std::optional<JobRecord>> job = store_.GetJob(ref);
    if (!job.ok()) return job.status();
    if (job->has_value()) jobs.push_back(std::move(**job));
  }
  return jobs;
}

absl::StatusOr<Page<ErrorRecord>> Importer::ListErrors(const auth::Caller& caller,
                                                       names::ImportJobName ref,
                                                       const PageRequest& page) {
  if (absl::StatusOr<JobRecord> job = Get(caller, ref); !job.ok()) return job.status();
  absl::StatusOr<storage::ListPage> list =
      storage::OpenPage(absl::StrCat("errors|", ref.ToString()), page);
  if (!list.ok()) return list.status();
  absl::StatusOr<StoredPage<ErrorRecord>> errors =
      store_.ListErrors(ref, list->cursor, list->size);
  if (!errors.ok()) return errors.status();
  return Page<ErrorRecord>{std::move(errors->items), list->TokenFor(errors->cursor)};
}

absl::Status Importer::ErrorReport(const auth::Caller& caller, names::ImportJobName ref,
                                   const std::function<bool(std::string piece)>& sink) {
  absl::StatusOr<JobRecord> job = Get(caller, ref);
  if (!job.ok()) return job.status();
  const char separator = job->separator().empty() ? ',' : job->separator().front();
  std::string piece(csv::kBom);
  piece +=
      csv::Line({job->header(kCompanyId), job->header(kDisplayName),
                 job->header(kClientNumber), ErrorColumnName(job->header_language())},
                separator);
  // Every error of a row goes into one line; the store keeps them in row
  // order, so a row's line is done when the next row's first error comes.
  // Each cell is written as the upload read it (csv::CellValue), so that the
  // report uploaded again reads the same: "'-7" was -7, and is written so.
  int64_t piece_rows = 0;
  int32_t row = 0;
  std::vector<std::string> original;
  std::vector<std::string> messages;
  const auto end_row = [&] {
    if (messages.empty()) return;
    std::vector<std::string> line;
    for (int column = 0; column < 3; ++column) {
      const int index = job->column_index(column);
      line.emplace_back(index >= 0 && index < static_cast<int>(original.size())
                            ? csv::CellValue(original[index])
                            : "");
    }
    line.push_back(absl::StrCat("row ", row, ": ", absl::StrJoin(messages, "; ")));
    piece += csv::Line(line, separator);
    messages.clear();
    ++piece_rows;
  };
  const auto send = [&](changes::ReadRows& rows) -> absl::Status {
    std::string cursor;
    do {
      absl::StatusOr<StoredPage<ErrorRecord>> page =
          store_.ListErrors(ref, cursor, kErrorReportPage);
      if (!page.ok()) return page.status();
      for (ErrorRecord& e : page->items) {
        if (e.row() != row) end_row();
        row = e.row();
        original.assign(std::make_move_iterator(e.mutable_original()->begin()),
                        std::make_move_iterator(e.mutable_original()->end()));
        messages.push_back(e.column().empty()
                               ? e.message()
                               : absl::StrCat(e.column(), ": ", e.message()));
      }
      cursor = page->cursor;
      if (cursor.empty()) end_row();
      if (!piece.empty()) {
        CB_RETURN_IF_ERROR(rows.BeforeHanding());
        if (!sink(std::move(piece))) return absl::CancelledError("the caller left");
      }
      piece.clear();
      rows.Handed(std::exchange(piece_rows, 0));
    } while (!cursor.empty());
    return absl::OkStatus();
  };
  return changes::AuditedRead(
      {.firm_id = ref.firm_id,
       .name = ref.ToString(),
       .resource_type = "clientbook.v1.ImportError",
       .actor = caller.user_id},
      send, [this](const changes::DataRead& read, changes::ReadStage stage) {
        return store_.RecordRead(read, stage);
      });
}

absl::Status Importer::Export(const auth::Caller& caller, uint64_t firm_id,
                              v1::HeaderLanguage language, char separator,
                              bool include_inactive, const ExportRoom& room,
                              const std::function<bool(std::string piece)>& sink) {
  std::array<std::string, 3> headers = HeaderNames(language);
  std::string piece(csv::kBom);
  piece += csv::Line({headers[0], headers[1], headers[2]}, separator);
  const auto send = [&](changes::ReadRows& rows) -> absl::Status {
    std::string token;
    int32_t page_size = kFirstExportPage;
    do {
      int64_t piece_rows = 0;
      {
        // Rows of the longest kind the room holds, one at least.
        const auto rows_of_room = static_cast<int32_t>(std::clamp<int64_t>(
            room(page_size * kMaxExportRowBytes) / kMaxExportRowBytes, 1, page_size));
        absl::StatusOr<ClientPage> page = directory_.ListClients(
            caller, firm_id, include_inactive, token, rows_of_room);
        if (!page.ok()) return page.status();
        const size_t before = piece.size();
        for (const ExistingClient& c : page->clients) {
          piece += csv::Line(
              {absl::StrCat(c.company_id), c.display_name, c.client_number}, separator);
        }
        piece_rows = static_cast<int64_t>(page->clients.size());
        token = page->next_page_token;
        page_size =
            NextExportPageSize(page_size, page->clients.size(), piece.size() - before);
      }  // The page goes before its CSV waits on its caller.
      CB_RETURN_IF_ERROR(rows.BeforeHanding());
      if (!sink(std::move(piece)))
        return absl::CancelledError("the export was cancelled");
      piece.clear();
      rows.Handed(piece_rows);
    } while (!token.empty());
    return absl::OkStatus();
  };
  // The client list taken out: the audit keeps who, when and how many rows.
  return changes::AuditedRead(
      {.firm_id = firm_id,
       .name = names::FirmName{firm_id}.ToString(),
       .resource_type = "clientbook.v1.Client",
       .actor = caller.user_id,
       .filter = include_inactive ? "include_inactive" : ""},
      send, [this](const changes::DataRead& read, changes::ReadStage stage) {
        return store_.RecordRead(read, stage);
      });
}

}  // namespace clientbook::importer
