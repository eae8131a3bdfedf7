// Running an import job: check every row, then write the valid ones in one
// batch. Each step ends with the job stored durably in its next state.
#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/csv/csv.h"
#include "common/rules/shared_limits.h"
#include "common/rules/text_fields.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "common/text/text.h"
#include "services/import/domain/importer.h"
#include "services/import/domain/spreadsheet_numbers.h"

namespace clientbook::importer {
namespace {

using limits::kMaxClientNumberCharacters;

// Every verdict on a job's rows: the errors found, and which rows are out.
// A row may collect several errors.
class Verdicts {
 public:
  Verdicts(const JobRecord& job, const std::vector<RowRecord>& rows)
      : job_(job), rows_(rows) {}

  size_t row_count() const { return rows_.size(); }
  const RowRecord& row(size_t r) const { return rows_[r]; }
  // A cell of a well-formed row, trimmed, as the export wrote it (the
  // apostrophe before a formula character dropped: csv::CellValue).
  std::string Field(size_t r, Column column) const {
    return std::string(
        csv::CellValue(text::Trim(rows_[r].fields(job_.column_index(column)))));
  }
  bool rejected(size_t r) const { return rejected_.contains(r); }
  size_t rejected_count() const { return rejected_.size(); }

  // `column` < 0: the whole row.
  void Reject(size_t r, int column, v1::ImportError::Code code, std::string message) {
    ErrorRecord& e = errors_.emplace_back();
    e.set_row(rows_[r].line());
    if (column >= 0) e.set_column(job_.header(column));
    e.set_code(code);
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

// A row's company: the ID it gives, or one a spreadsheet rounded, to be
// found by the row's display name (stage 2 sets company_id).
struct RowCompany {
  size_t row;
  uint64_t company_id = 0;
  std::optional<RoundedId> rounded;
};

// What the job will write, and how many rows leave their number as it is.
struct Plan {
  std::vector<NumberUpdate> updates;
  std::vector<size_t> rows;  // the row of each update
  int32_t unchanged = 0;
};

// Stage 1, each row alone: readable, a company ID, a number of at most 100
// characters.
std::vector<RowCompany> ReadRows(Verdicts& v) {
  std::vector<RowCompany> companies;
  for (size_t r = 0; r < v.row_count(); ++r) {
    const RowRecord& row = v.row(r);
    if (row.parse_error_code() != 0) {
      v.Reject(r, -1, row.parse_error_code(), row.parse_error());
      continue;
    }
    const std::string id_text = v.Field(r, kCompanyId);
    RowCompany company{.row = r, .company_id = 0, .rounded = std::nullopt};
    bool usable = true;
    if (id_text.empty()) {
      v.Reject(r, kCompanyId, v1::ImportError::MISSING_COMPANY_ID,
               "the company ID is empty: every row needs one (delete rows without it)");
      usable = false;
    } else if (company.rounded = RoundedId::Parse(id_text);
               !company.rounded && (!absl::SimpleAtoi(id_text, &company.company_id) ||
                                    company.company_id == 0)) {
      v.Reject(r, kCompanyId, v1::ImportError::UNKNOWN_COMPANY_ID,
               absl::StrCat("'", id_text, "' is not a company ID of this firm"));
      usable = false;
    }
    if (size_t length = text::CharacterCount(v.Field(r, kClientNumber));
        length > kMaxClientNumberCharacters) {
      v.Reject(r, kClientNumber, v1::ImportError::CLIENT_NUMBER_TOO_LONG,
               absl::StrCat("the client number has ", length, " characters; at most ",
                            kMaxClientNumberCharacters, " are allowed"));
      usable = false;
    }
    if (usable) companies.push_back(std::move(company));
  }
  return companies;
}

// The clients read in a page while looking for rounded IDs: the most a
// ListClients page holds.
constexpr int32_t kClientsPerPage = 1000;

// How many of the clients a rounded ID could be a refusal names.
constexpr size_t kCandidatesNamed = 3;

// Stage 2, rounded IDs: the row is the firm's one client (inactive ones
// too) with the row's display name and an ID that rounds to what the row
// shows. The firm's list is read once, by pages, for all such rows: the
// full ID is lost from the file, so a name index could only be asked row
// by row. None or several such clients: the row is refused, saying so.
// Rows showing the same name and ID look once, and each keeps a count and
// the first few it could be (a firm may hold any number of one name).
absl::Status FindRoundedIds(DirectoryPort& directory, const JobRecord& job, Verdicts& v,
                            std::vector<RowCompany>& companies) {
  struct Lookup {
    RoundedId rounded;
    std::vector<RowCompany*> rows;
    int64_t count = 0;
    std::vector<uint64_t> first;  // at most kCandidatesNamed
  };
  // By display name, then by the ID as the row shows it.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, Lookup>> lookups;
  for (RowCompany& c : companies) {
    if (!c.rounded) continue;
    Lookup& lookup = lookups[text::Composed(v.Field(c.row, kDisplayName))]
                         .try_emplace(v.Field(c.row, kCompanyId), Lookup{*c.rounded})
                         .first->second;
    lookup.rows.push_back(&c);
  }
  if (lookups.empty()) return absl::OkStatus();
  std::string token;
  do {
    absl::StatusOr<ClientPage> page = directory.ListClients(
        StarterOf(job), job.firm_id(), /*include_inactive=*/true, token, kClientsPerPage);
    if (!page.ok()) return page.status();
    for (const ExistingClient& client : page->clients) {
      auto named = lookups.find(text::Composed(client.display_name));
      if (named == lookups.end()) continue;
      for (auto& [shown, lookup] : named->second) {
        if (!lookup.rounded.CouldBe(client.company_id)) continue;
        if (++lookup.count <= static_cast<int64_t>(kCandidatesNamed)) {
          lookup.first.push_back(client.company_id);
        }
      }
    }
    token = std::move(page->next_page_token);
  } while (!token.empty());
  for (const auto& [name, by_shown] : lookups) {
    for (const auto& [shown, lookup] : by_shown) {
      for (RowCompany* c : lookup.rows) {
        if (lookup.count == 1) {
          c->company_id = lookup.first.front();
          continue;
        }
        const std::string rounded = absl::StrCat(
            "'", shown,
            "' is a company ID a spreadsheet rounded into scientific notation, and ");
        v.Reject(
            c->row, kCompanyId, v1::ImportError::UNKNOWN_COMPANY_ID,
            lookup.count == 0
                ? absl::StrCat(rounded, "no client of this firm named '", name,
                               "' has an ID it could be: export again and open the "
                               "file with the Company ID column as text")
                : absl::StrCat(
                      rounded, lookup.count, " clients of this firm named '", name,
                      "' have an ID it could be (", absl::StrJoin(lookup.first, ", "),
                      lookup.count > static_cast<int64_t>(kCandidatesNamed) ? ", …" : "",
                      "): write the row's full company ID (export again and "
                      "open the file with the Company ID column as text)"));
      }
    }
  }
  return absl::OkStatus();
}

// The firm's clients the rows name, by company ID, as the directory has
// them now (those it does not have are absent).
using ClientsById = absl::flat_hash_map<uint64_t, ExistingClient>;

absl::StatusOr<ClientsById> ReadClients(DirectoryPort& directory, const JobRecord& job,
                                        const Verdicts& v,
                                        const std::vector<RowCompany>& companies) {
  std::vector<uint64_t> ids;
  for (const RowCompany& c : companies) {
    if (!v.rejected(c.row)) ids.push_back(c.company_id);
  }
  absl::StatusOr<std::vector<ExistingClient>> found =
      directory.GetClients(StarterOf(job), job.firm_id(), ids);
  if (!found.ok()) return found.status();
  ClientsById clients;
  for (ExistingClient& c : *found) clients.emplace(c.company_id, std::move(c));
  return clients;
}

// The number a row's cell stands for: the client's own when the cell shows
// it as a spreadsheet saves it (00042 as 42), so it was not touched; else
// the cell as it is.
const std::string& NumberMeant(const std::string& shown, const ClientsById& clients,
                               uint64_t company_id) {
  const auto client = clients.find(company_id);
  if (client == clients.end() ||
      !IsSpreadsheetFormOf(shown, client->second.client_number)) {
    return shown;
  }
  return client->second.client_number;
}

// Stage 3, the file as a whole: no company or number twice (both rows
// rejected). Numbers are compared as their rows mean them: two clients'
// "0042" and "042", both saved as "42", are no repeat.
void RejectRepeats(Verdicts& v, const std::vector<RowCompany>& companies,
                   const ClientsById& clients) {
  absl::flat_hash_map<uint64_t, size_t> row_of_company;
  absl::flat_hash_map<std::string, size_t> row_of_number;
  for (const RowCompany& company : companies) {
    const size_t r = company.row;
    if (v.rejected(r)) continue;
    const uint64_t id = company.company_id;
    const std::string number = v.Field(r, kClientNumber);
    const RowRecord& row = v.row(r);
    if (auto [first, fresh] = row_of_company.try_emplace(id, r); !fresh) {
      v.Reject(
          r, kCompanyId, v1::ImportError::DUPLICATE_IN_FILE,
          absl::StrCat("company ", id, " is also in row ", v.row(first->second).line()));
      if (!v.rejected(first->second)) {
        v.Reject(first->second, kCompanyId, v1::ImportError::DUPLICATE_IN_FILE,
                 absl::StrCat("company ", id, " is also in row ", row.line()));
      }
      continue;
    }
    // A number of invisible characters alone has no key: the directory
    // refuses it (INVALID_CLIENT_NUMBER) rather than it colliding here.
    if (std::string key = rules::ClientNumberKey(NumberMeant(number, clients, id));
        !key.empty()) {
      if (auto [first, fresh] = row_of_number.try_emplace(std::move(key), r); !fresh) {
        v.Reject(r, kClientNumber, v1::ImportError::DUPLICATE_IN_FILE,
                 absl::StrCat("client number '", number, "' is also in row ",
                              v.row(first->second).line()));
        if (!v.rejected(first->second)) {
          v.Reject(first->second, kClientNumber, v1::ImportError::DUPLICATE_IN_FILE,
                   absl::StrCat("client number '", v.Field(first->second, kClientNumber),
                                "' is also in row ", row.line()));
        }
      }
    }
  }
}

// Stage 4, what the directory knows: each company must be the firm's
// client with the display name in the file. Rows with an empty number, or
// the number the client already has (also as a spreadsheet saves it),
// change nothing.
Plan CheckAgainstDirectory(Verdicts& v, const std::vector<RowCompany>& companies,
                           const ClientsById& clients) {
  Plan plan;
  for (const RowCompany& c : companies) {
    if (v.rejected(c.row)) continue;
    auto client = clients.find(c.company_id);
    if (client == clients.end()) {
      v.Reject(c.row, kCompanyId, v1::ImportError::UNKNOWN_COMPANY_ID,
               absl::StrCat("company ", c.company_id, " is not a client of this firm"));
      continue;
    }
    // The same text however its accents are encoded: a file saved on a
    // Mac carries "à" as "a" and a combining accent, and is no rename.
    const std::string name = v.Field(c.row, kDisplayName);
    if (!text::CanonicallyEqual(name, client->second.display_name)) {
      v.Reject(c.row, kDisplayName, v1::ImportError::DISPLAY_NAME_CHANGED,
               absl::StrCat("'", name, "' is not the client's display name '",
                            client->second.display_name,
                            "'; display names cannot be changed by import"));
      continue;
    }
    // A number that comes back as a spreadsheet shows it was not touched:
    // writing it would drop the zeros or digits it lost on the way.
    const std::string number = v.Field(c.row, kClientNumber);
    if (number.empty() ||
        NumberMeant(number, clients, c.company_id) == client->second.client_number) {
      ++plan.unchanged;
      continue;
    }
    if (const std::string made = SpreadsheetMade(number); !made.empty()) {
      v.Reject(c.row, kClientNumber, v1::ImportError::INVALID_CLIENT_NUMBER,
               absl::StrCat("'", number, "' is ", made,
                            ": format the Client Number column as text and type the "
                            "number again"));
      continue;
    }
    plan.updates.push_back({c.company_id, number, client->second.etag});
    plan.rows.push_back(c.row);
  }
  return plan;
}

bool IsRefused(const NumberVerdict& v) {
  return v.refusal != v1::ClientNumberResult::REFUSAL_UNSPECIFIED;
}

// How a refusal of the directory shows in the error log.
struct RowError {
  Column column;
  v1::ImportError::Code code;
};
RowError RowErrorFor(v1::ClientNumberResult::Refusal refusal) {
  switch (refusal) {
    case v1::ClientNumberResult::CLIENT_NOT_FOUND:
    case v1::ClientNumberResult::CLIENT_REPEATED:
      return {kCompanyId, v1::ImportError::UNKNOWN_COMPANY_ID};
    case v1::ClientNumberResult::INVALID_CLIENT_NUMBER:
      return {kClientNumber, v1::ImportError::INVALID_CLIENT_NUMBER};
    default:
      return {kClientNumber, v1::ImportError::CLIENT_NUMBER_TAKEN};
  }
}

// Stage 5, the directory's verdict on each number, without writing.
// Dropping a refused row can make another row's number collide (the row
// that would have freed it is gone), so ask again until it has no
// objection.
absl::Status DryRunUntilClean(DirectoryPort& directory, const JobRecord& job, Verdicts& v,
                              Plan& plan) {
  while (!plan.updates.empty()) {
    absl::StatusOr<std::vector<NumberVerdict>> verdicts =
        directory.CheckNumbers(StarterOf(job), job.firm_id(), plan.updates);
    if (!verdicts.ok()) return verdicts.status();
    if (std::none_of(verdicts->begin(), verdicts->end(), IsRefused)) {
      return absl::OkStatus();
    }
    Plan kept{.updates = {}, .rows = {}, .unchanged = plan.unchanged};
    for (size_t i = 0; i < plan.updates.size(); ++i) {
      const NumberVerdict& verdict = (*verdicts)[i];
      if (!IsRefused(verdict)) {
        kept.updates.push_back(std::move(plan.updates[i]));
        kept.rows.push_back(plan.rows[i]);
        continue;
      }
      const RowError error = RowErrorFor(verdict.refusal);
      v.Reject(plan.rows[i], error.column, error.code, verdict.description);
    }
    plan = std::move(kept);
  }
  return absl::OkStatus();
}

// A job waits this long at most for a directory that keeps turning it away
// as busy, then fails (its retry resumes it). Each wait is at least what the
// directory asked for and half the time it has been busy (a backoff of 1.5x
// a try), within these bounds: a run that needs calls in a row (a
// validation makes two) is not held to the one call a rate limit's refill
// allows, try after try.
constexpr absl::Duration kMaxWaitForBusyDirectory = absl::Minutes(10);
constexpr absl::Duration kMinBusyWait = absl::Milliseconds(100);
constexpr absl::Duration kMaxBusyWait = absl::Seconds(30);

// The directory turned the call away for now and said when to come back
// (RetryInfo): the firm's share of it or its rate limit used up, another
// large write under way, a full disk. The job keeps its state and runs
// again then, leaving the worker to other firms' jobs meanwhile.
bool DirectoryBusy(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted &&
         errors::RetryDelayOf(status).has_value();
}

// Whether a failed write is known to have written nothing: the directory
// answered with one of its refusals.
bool NothingWritten(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kNotFound:
      return true;
    default:
      return false;
  }
}

// The directory refused the credentials the job carries (a token that
// expired while the job waited) before reading the batch: what an earlier
// send did is not known, and waiting will not renew the token.
bool CredentialsRefused(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnauthenticated;
}

}  // namespace

std::string ApplyRequestId(const JobRecord& job) {
  return absl::StrCat("import-", job.job_id(), "-", job.apply_attempt());
}

auth::Caller StarterOf(const JobRecord& job) {
  auth::Caller starter{
      .user_id = job.created_by(),
      .via = absl::StrCat("import ",
                          names::ImportJobName{job.firm_id(), job.job_id()}.ToString())};
  for (const Credential& c : job.caller_credentials()) {
    starter.credentials.emplace_back(c.key(), c.value());
  }
  return starter;
}

void KeepCredentials(const auth::Caller& caller, JobRecord& job) {
  job.clear_caller_credentials();
  for (const auto& [key, value] : caller.credentials) {
    Credential* c = job.add_caller_credentials();
    c->set_key(key);
    c->set_value(value);
  }
}

absl::Status Importer::Fail(JobRecord& job, Retry retry, absl::string_view reason) {
  job.set_state(v1::ImportJob::FAILED);
  job.clear_caller_credentials();
  job.set_retryable(retry != Retry::kNo);
  job.set_apply_unresolved(retry == Retry::kResolveApply);
  job.clear_directory_busy_since_us();
  switch (retry) {
    case Retry::kNo:
      job.set_failure_reason(std::string(reason));
      break;
    case Retry::kFromValidation:
      job.set_failure_reason(absl::StrCat(reason,
                                          "; nothing was applied: start the import "
                                          "again with the same request_id to resume"));
      break;
    case Retry::kResolveApply:
      job.set_failure_reason(absl::StrCat(
          reason,
          "; the directory may or may not have applied the batch: start the import "
          "again with the same request_id and the job will find out and finish"));
      break;
  }
  job.set_end_time_us(absl::ToUnixMicros(clock_.Now()));
  return Save(job, std::nullopt);
}

absl::Status Importer::Finish(JobRecord& job, int32_t applied) {
  job.set_applied_rows(applied);
  job.set_apply_unresolved(false);
  if (applied == 0 && job.unchanged_rows() == 0 && job.rejected_rows() > 0) {
    return Fail(job, Retry::kNo, "no row could be applied: see the error log");
  }
  job.set_state(job.rejected_rows() > 0 ? v1::ImportJob::PARTIALLY_SUCCEEDED
                                        : v1::ImportJob::SUCCEEDED);
  job.clear_caller_credentials();
  job.clear_directory_busy_since_us();
  job.set_end_time_us(absl::ToUnixMicros(clock_.Now()));
  return Save(job, std::nullopt);
}

absl::Status Importer::PutOff(JobRecord& job, const absl::Status& busy, Retry retry) {
  const absl::Time now = clock_.Now();
  absl::Duration busy_for;
  if (job.directory_busy_since_us() == 0) {
    job.set_directory_busy_since_us(absl::ToUnixMicros(now));
    if (absl::Status s = Save(job, std::nullopt); !s.ok()) return s;
  } else {
    busy_for = now - absl::FromUnixMicros(job.directory_busy_since_us());
  }
  if (busy_for >= kMaxWaitForBusyDirectory) {
    return Fail(job, retry,
                absl::StrCat("the directory turned the job away as busy for ",
                             absl::ToInt64Minutes(kMaxWaitForBusyDirectory), " minutes (",
                             busy.message(), ")"));
  }
  scheduler_.ScheduleAfter({job.firm_id(), job.job_id()},
                           std::clamp(std::max(*errors::RetryDelayOf(busy), busy_for / 2),
                                      kMinBusyWait, kMaxBusyWait));
  return absl::OkStatus();
}

absl::Status Importer::FailUnreadable(names::ImportJobName ref, const absl::Status& why) {
  JobRecord ended;
  ended.set_firm_id(ref.firm_id);
  ended.set_job_id(ref.job_id);
  ended.set_create_time_us(absl::ToUnixMicros(clock_.Now()));
  return Fail(ended, Retry::kNo,
              absl::StrCat("the job's stored state cannot be read (", why.message(),
                           "); upload the file again as a new import"));
}

absl::Status Importer::RunJob(names::ImportJobName ref) {
  auto guard = locks_.Lock({ref.ToString()});
  absl::StatusOr<std::optional<JobRecord>> stored = store_.GetJob(ref);
  // A job that cannot be read would fail the same way at every start: end it.
  if (stored.status().code() == absl::StatusCode::kDataLoss) {
    return FailUnreadable(ref, stored.status());
  }
  if (!stored.ok()) return stored.status();
  if (!stored->has_value() || IsTerminal(**stored)) return absl::OkStatus();
  JobRecord& job = **stored;
  if (job.state() == v1::ImportJob::VALIDATING) {
    if (absl::Status s = Validate(job); !s.ok()) return s;
  }
  if (job.state() == v1::ImportJob::APPLYING) return Apply(job);
  return absl::OkStatus();
}

absl::Status Importer::Validate(JobRecord& job) {
  absl::StatusOr<std::vector<RowRecord>> rows =
      store_.GetRows({job.firm_id(), job.job_id()});
  if (rows.status().code() == absl::StatusCode::kDataLoss) {
    return Fail(
        job, Retry::kNo,
        absl::StrCat("the job's stored rows cannot be read (", rows.status().message(),
                     "); upload the file again as a new import"));
  }
  if (!rows.ok()) return rows.status();
  Verdicts verdicts(job, *rows);
  std::vector<RowCompany> companies = ReadRows(verdicts);
  absl::StatusOr<Plan> plan = [&]() -> absl::StatusOr<Plan> {
    CB_RETURN_IF_ERROR(FindRoundedIds(directory_, job, verdicts, companies));
    CB_ASSIGN_OR_RETURN(const ClientsById clients,
                        ReadClients(directory_, job, verdicts, companies));
    RejectRepeats(verdicts, companies, clients);
    return CheckAgainstDirectory(verdicts, companies, clients);
  }();
  if (plan.ok()) {
    absl::Status clean = DryRunUntilClean(directory_, job, verdicts, *plan);
    if (!clean.ok()) plan = clean;
  }
  // Validation writes nothing to the directory: a retry starts it over.
  if (!plan.ok() && DirectoryBusy(plan.status())) {
    return PutOff(job, plan.status(), Retry::kFromValidation);
  }
  if (!plan.ok()) return Fail(job, Retry::kFromValidation, plan.status().message());
  job.clear_directory_busy_since_us();
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
  job.set_apply_attempt(job.apply_attempt() + 1);
  job.set_state(v1::ImportJob::APPLYING);
  return Save(job, verdicts.TakeErrorsInRowOrder());
}

absl::Status Importer::Apply(JobRecord& job) {
  if (job.plan().empty()) return Finish(job, 0);
  std::vector<NumberUpdate> updates;
  for (const PlannedUpdate& p : job.plan()) {
    updates.push_back({p.company_id(), p.client_number(), p.etag()});
  }
  // The batch goes under the job's own request id, so a resend (after a
  // crash here, or an answer lost on the way) returns the directory's first
  // outcome instead of writing again or being guessed at.
  const std::string request_id = ApplyRequestId(job);
  absl::StatusOr<AppliedNumbers> applied;
  for (int attempt = 1;; ++attempt) {
    applied = directory_.ApplyNumbers(StarterOf(job), job.firm_id(), updates, request_id);
    if (applied.ok() || NothingWritten(applied.status()) ||
        CredentialsRefused(applied.status()) || DirectoryBusy(applied.status()) ||
        attempt >= options_.apply_attempts) {
      break;
    }
    options_.wait(options_.apply_backoff * attempt);
  }
  if (applied.ok()) {
    const auto written = static_cast<int32_t>(
        std::count(applied->changed.begin(), applied->changed.end(), true));
    // A planned number already in place (another writer got there first)
    // was not written by this job.
    job.set_unchanged_rows(job.unchanged_rows() + job.plan_size() - written);
    return Finish(job, written);
  }
  // An earlier try may have landed: the resend, under the same request id,
  // finds out.
  if (DirectoryBusy(applied.status())) {
    return PutOff(job, applied.status(), Retry::kResolveApply);
  }
  if (CredentialsRefused(applied.status())) {
    return Fail(job, Retry::kResolveApply,
                absl::StrCat("the directory no longer accepts the credentials the import "
                             "was started with (",
                             applied.status().message(), ")"));
  }
  if (!NothingWritten(applied.status())) {
    return Fail(job, Retry::kResolveApply, applied.status().message());
  }
  if (applied.status().code() == absl::StatusCode::kAborted) {
    return Fail(job, Retry::kFromValidation,
                "clients changed in the directory while the file was being imported");
  }
  return Fail(job, Retry::kNo,
              absl::StrCat("the directory refused the batch, so nothing was applied: ",
                           applied.status().message()));
}

}  // namespace clientbook::importer
