// Running an import job: check every row, then write the valid ones in one
// batch. Each step ends with the job stored durably in its next state.
#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/text/text.h"
#include "services/import/domain/importer.h"

namespace clientbook::importer {
namespace {

constexpr size_t kMaxClientNumberCharacters = 100;

// The directory reports violations as `requests[i].field`.
std::optional<std::pair<size_t, std::string>> ParseViolationField(
    absl::string_view field) {
  constexpr absl::string_view kPrefix = "requests[";
  if (!absl::StartsWith(field, kPrefix)) return std::nullopt;
  field.remove_prefix(kPrefix.size());
  size_t close = field.find("].");
  size_t index = 0;
  if (close == absl::string_view::npos ||
      !absl::SimpleAtoi(field.substr(0, close), &index)) {
    return std::nullopt;
  }
  return std::make_pair(index, std::string(field.substr(close + 2)));
}

// Every verdict on a job's rows: the errors found, and which rows are out.
// A row may collect several errors.
class Verdicts {
 public:
  Verdicts(const JobRecord& job, const std::vector<RowRecord>& rows)
      : job_(job), rows_(rows) {}

  size_t row_count() const { return rows_.size(); }
  const RowRecord& row(size_t r) const { return rows_[r]; }
  // A cell of a well-formed row, trimmed.
  std::string Field(size_t r, Column column) const {
    return text::Trim(rows_[r].fields(job_.column_index(column)));
  }
  bool rejected(size_t r) const { return rejected_.contains(r); }
  size_t rejected_count() const { return rejected_.size(); }

  // `column` < 0: the whole row.
  void Reject(size_t r, int column, ErrorCode code, std::string message) {
    ErrorRecord& e = errors_.emplace_back();
    e.set_row(rows_[r].line());
    if (column >= 0) e.set_column(job_.header(column));
    e.set_code(static_cast<int32_t>(code));
    e.set_message(std::move(message));
    *e.mutable_original() = rows_[r].fields();
    rejected_.insert(r);
  }

  std::vector<ErrorRecord> TakeErrorsInRowOrder() {
    std::stable_sort(
        errors_.begin(), errors_.end(),
        [](const ErrorRecord& a, const ErrorRecord& b) { return a.row() < b.row(); });
    return std::move(errors_);
  }

 private:
  const JobRecord& job_;
  const std::vector<RowRecord>& rows_;
  std::vector<ErrorRecord> errors_;
  absl::flat_hash_set<size_t> rejected_;
};

// A row that passed the file's own rules, and its company.
struct Candidate {
  size_t row;
  uint64_t company_id;
};

// What the job will write, and how many rows leave their number as it is.
struct Plan {
  std::vector<NumberUpdate> updates;
  std::vector<size_t> rows;  // the row of each update
  int32_t unchanged = 0;
};

// Stage 1, the file's own rules: readable rows, a company ID, numbers of at
// most 100 characters, no company or number twice (both rows reported).
std::vector<Candidate> CheckFileRules(Verdicts& v) {
  absl::flat_hash_map<uint64_t, size_t> row_of_company;
  absl::flat_hash_map<std::string, size_t> row_of_number;
  std::vector<Candidate> candidates;
  for (size_t r = 0; r < v.row_count(); ++r) {
    const RowRecord& row = v.row(r);
    if (row.parse_error_code() != 0) {
      v.Reject(r, -1, static_cast<ErrorCode>(row.parse_error_code()), row.parse_error());
      continue;
    }
    const std::string id_text = v.Field(r, kCompanyId);
    const std::string number = v.Field(r, kClientNumber);
    uint64_t id = 0;
    bool usable = true;
    if (id_text.empty()) {
      v.Reject(r, kCompanyId, ErrorCode::kMissingCompanyId,
               "the company ID is empty: every row needs one (delete rows without it)");
      usable = false;
    } else if (!absl::SimpleAtoi(id_text, &id) || id == 0) {
      v.Reject(r, kCompanyId, ErrorCode::kUnknownCompanyId,
               absl::StrCat("'", id_text, "' is not a company ID of this firm"));
      usable = false;
    }
    if (size_t length = text::CharacterCount(number);
        length > kMaxClientNumberCharacters) {
      v.Reject(r, kClientNumber, ErrorCode::kClientNumberTooLong,
               absl::StrCat("the client number has ", length, " characters; at most ",
                            kMaxClientNumberCharacters, " are allowed"));
      usable = false;
    }
    if (!usable) continue;
    if (auto [first, fresh] = row_of_company.try_emplace(id, r); !fresh) {
      v.Reject(
          r, kCompanyId, ErrorCode::kDuplicateInFile,
          absl::StrCat("company ", id, " is also in row ", v.row(first->second).line()));
      if (!v.rejected(first->second)) {
        v.Reject(first->second, kCompanyId, ErrorCode::kDuplicateInFile,
                 absl::StrCat("company ", id, " is also in row ", row.line()));
      }
      continue;
    }
    if (!number.empty()) {
      if (auto [first, fresh] = row_of_number.try_emplace(text::FoldCase(number), r);
          !fresh) {
        v.Reject(r, kClientNumber, ErrorCode::kDuplicateInFile,
                 absl::StrCat("client number '", number, "' is also in row ",
                              v.row(first->second).line()));
        if (!v.rejected(first->second)) {
          v.Reject(first->second, kClientNumber, ErrorCode::kDuplicateInFile,
                   absl::StrCat("client number '", v.Field(first->second, kClientNumber),
                                "' is also in row ", row.line()));
        }
        continue;
      }
    }
    candidates.push_back({r, id});
  }
  return candidates;
}

// Stage 2, what the directory knows: each company must be the firm's
// client with the display name in the file. Rows with an empty number, or
// the number the client already has, change nothing.
absl::StatusOr<Plan> CheckAgainstDirectory(DirectoryPort& directory, const JobRecord& job,
                                           Verdicts& v,
                                           const std::vector<Candidate>& candidates) {
  std::vector<uint64_t> ids;
  for (const Candidate& c : candidates) {
    if (!v.rejected(c.row)) ids.push_back(c.company_id);
  }
  absl::StatusOr<std::vector<DirectoryClient>> found =
      directory.GetClients(job.created_by(), job.firm_id(), ids);
  if (!found.ok()) return found.status();
  absl::flat_hash_map<uint64_t, DirectoryClient> clients;
  for (DirectoryClient& c : *found) clients.emplace(c.company_id, std::move(c));

  Plan plan;
  for (const Candidate& c : candidates) {
    if (v.rejected(c.row)) continue;
    auto client = clients.find(c.company_id);
    if (client == clients.end()) {
      v.Reject(c.row, kCompanyId, ErrorCode::kUnknownCompanyId,
               absl::StrCat("company ", c.company_id, " is not a client of this firm"));
      continue;
    }
    const std::string name = v.Field(c.row, kDisplayName);
    if (name != client->second.display_name) {
      v.Reject(c.row, kDisplayName, ErrorCode::kDisplayNameChanged,
               absl::StrCat("'", name, "' is not the client's display name '",
                            client->second.display_name,
                            "'; display names cannot be changed by import"));
      continue;
    }
    const std::string number = v.Field(c.row, kClientNumber);
    if (number.empty() || number == client->second.client_number) {
      ++plan.unchanged;
      continue;
    }
    plan.updates.push_back({c.company_id, number, client->second.etag});
    plan.rows.push_back(c.row);
  }
  return plan;
}

// Stage 3, the directory's verdict on the numbers, without writing.
// Dropping a refused row can make another row's number collide (the row
// that would have freed it is gone), so ask again until it has no
// objection. FAILED_PRECONDITION: a refusal that names no row of ours.
absl::Status DryRunUntilClean(DirectoryPort& directory, const JobRecord& job, Verdicts& v,
                              Plan& plan) {
  while (!plan.updates.empty()) {
    absl::StatusOr<std::vector<errors::FieldViolation>> violations =
        directory.CheckNumbers(job.created_by(), job.firm_id(), plan.updates);
    if (!violations.ok()) return violations.status();
    if (violations->empty()) return absl::OkStatus();
    absl::flat_hash_set<size_t> drop;
    for (const errors::FieldViolation& violation : *violations) {
      auto parsed = ParseViolationField(violation.field);
      if (!parsed || parsed->first >= plan.updates.size()) {
        return absl::FailedPreconditionError(
            absl::StrCat("the directory refused the file: ", violation.field, ": ",
                         violation.description));
      }
      if (!drop.insert(parsed->first).second) continue;
      const size_t r = plan.rows[parsed->first];
      if (parsed->second == "client") {
        v.Reject(r, kCompanyId, ErrorCode::kUnknownCompanyId, violation.description);
      } else {
        v.Reject(r, kClientNumber, ErrorCode::kClientNumberTaken, violation.description);
      }
    }
    Plan kept{.updates = {}, .rows = {}, .unchanged = plan.unchanged};
    for (size_t i = 0; i < plan.updates.size(); ++i) {
      if (drop.contains(i)) continue;
      kept.updates.push_back(std::move(plan.updates[i]));
      kept.rows.push_back(plan.rows[i]);
    }
    plan = std::move(kept);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Importer::Fail(JobRecord& job, bool retryable, std::string reason) {
  job.set_state(static_cast<int32_t>(JobState::kFailed));
  job.set_retryable(retryable);
  job.set_failure_reason(retryable
                             ? absl::StrCat(reason,
                                            "; nothing was applied: start the import "
                                            "again with the same request_id to resume")
                             : std::move(reason));
  job.set_end_time_us(absl::ToUnixMicros(clock_.Now()));
  return Save(job, std::nullopt);
}

absl::Status Importer::Finish(JobRecord& job, int32_t applied) {
  job.set_applied_rows(applied);
  if (applied == 0 && job.unchanged_rows() == 0 && job.rejected_rows() > 0) {
    return Fail(job, /*retryable=*/false, "no row could be applied: see the error log");
  }
  job.set_state(static_cast<int32_t>(
      job.rejected_rows() > 0 ? JobState::kPartiallySucceeded : JobState::kSucceeded));
  job.set_end_time_us(absl::ToUnixMicros(clock_.Now()));
  return Save(job, std::nullopt);
}

absl::Status Importer::RunJob(JobRef ref) {
  auto guard = locks_.Lock({JobName(ref)});
  absl::StatusOr<std::optional<JobRecord>> stored = store_.GetJob(ref);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value() || IsTerminal(**stored)) return absl::OkStatus();
  JobRecord& job = **stored;
  if (StateOf(job) == JobState::kValidating) {
    if (absl::Status s = Validate(job); !s.ok()) return s;
  }
  if (StateOf(job) == JobState::kApplying) return Apply(job);
  return absl::OkStatus();
}

absl::Status Importer::Validate(JobRecord& job) {
  absl::StatusOr<std::vector<RowRecord>> rows =
      store_.GetRows({job.firm_id(), job.job_id()});
  if (!rows.ok()) return rows.status();
  Verdicts verdicts(job, *rows);
  std::vector<Candidate> candidates = CheckFileRules(verdicts);
  absl::StatusOr<Plan> plan =
      CheckAgainstDirectory(directory_, job, verdicts, candidates);
  if (plan.ok()) {
    absl::Status clean = DryRunUntilClean(directory_, job, verdicts, *plan);
    if (!clean.ok()) plan = clean;
  }
  if (!plan.ok()) {
    // The directory's own refusal of a row we could not place is final;
    // not hearing from it is worth another try.
    const bool retryable = plan.status().code() != absl::StatusCode::kFailedPrecondition;
    return Fail(job, retryable, std::string(plan.status().message()));
  }
  job.set_validated_rows(static_cast<int32_t>(rows->size()));
  job.set_rejected_rows(static_cast<int32_t>(verdicts.rejected_count()));
  job.set_unchanged_rows(plan->unchanged);
  job.clear_plan();
  for (const NumberUpdate& u : plan->updates) {
    PlannedUpdate* p = job.add_plan();
    p->set_company_id(u.company_id);
    p->set_client_number(u.client_number);
    p->set_etag(u.etag);
  }
  job.set_state(static_cast<int32_t>(JobState::kApplying));
  return Save(job, verdicts.TakeErrorsInRowOrder());
}

absl::Status Importer::Apply(JobRecord& job) {
  if (job.plan().empty()) return Finish(job, 0);
  std::vector<NumberUpdate> updates;
  std::vector<uint64_t> ids;
  for (const PlannedUpdate& p : job.plan()) {
    updates.push_back({p.company_id(), p.client_number(), p.etag()});
    ids.push_back(p.company_id());
  }
  // A job resumed after a crash may have written its batch already: then
  // every planned number is in place, and writing again would be a second
  // apply (refused anyway, the etags being stale).
  absl::StatusOr<std::vector<DirectoryClient>> current =
      directory_.GetClients(job.created_by(), job.firm_id(), ids);
  if (!current.ok())
    return Fail(job, /*retryable=*/true, std::string(current.status().message()));
  absl::flat_hash_map<uint64_t, std::string> number_of;
  for (const DirectoryClient& c : *current) number_of[c.company_id] = c.client_number;
  const bool already_applied =
      std::all_of(updates.begin(), updates.end(), [&](const auto& u) {
        auto it = number_of.find(u.company_id);
        return it != number_of.end() && it->second == u.client_number;
      });
  if (already_applied) return Finish(job, static_cast<int32_t>(updates.size()));

  absl::Status applied =
      directory_.ApplyNumbers(job.created_by(), job.firm_id(), updates);
  if (applied.ok()) return Finish(job, static_cast<int32_t>(updates.size()));
  switch (applied.code()) {
    case absl::StatusCode::kUnavailable:
      return Fail(job, /*retryable=*/true, std::string(applied.message()));
    case absl::StatusCode::kAborted:
      return Fail(job, /*retryable=*/true,
                  "clients changed in the directory while the file was being imported");
    default:
      return Fail(job, /*retryable=*/false,
                  absl::StrCat("the directory refused the batch: ", applied.message()));
  }
}

}  // namespace clientbook::importer
