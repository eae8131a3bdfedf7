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

  std::vector<ErrorRecord> errors;
  absl::flat_hash_set<size_t> rejected;
  auto reject = [&](size_t r, int column, ErrorCode code, std::string message) {
    ErrorRecord& e = errors.emplace_back();
    e.set_row((*rows)[r].line());
    if (column >= 0) e.set_column(job.header(column));
    e.set_code(static_cast<int32_t>(code));
    e.set_message(std::move(message));
    *e.mutable_original() = (*rows)[r].fields();
    rejected.insert(r);
  };
  auto field = [&](size_t r, Column column) {
    return text::Trim((*rows)[r].fields(job.column_index(column)));
  };

  // The file's own rules, row by row.
  absl::flat_hash_map<uint64_t, size_t> row_of_company;
  absl::flat_hash_map<std::string, size_t> row_of_number;
  std::vector<std::pair<size_t, uint64_t>> candidates;
  for (size_t r = 0; r < rows->size(); ++r) {
    const RowRecord& row = (*rows)[r];
    if (row.parse_error_code() != 0) {
      reject(r, -1, static_cast<ErrorCode>(row.parse_error_code()), row.parse_error());
      continue;
    }
    const std::string id_text = field(r, kCompanyId);
    const std::string number = field(r, kClientNumber);
    uint64_t id = 0;
    bool usable = true;
    if (id_text.empty()) {
      reject(r, kCompanyId, ErrorCode::kMissingCompanyId,
             "the company ID is empty: every row needs one (delete rows without it)");
      usable = false;
    } else if (!absl::SimpleAtoi(id_text, &id) || id == 0) {
      reject(r, kCompanyId, ErrorCode::kUnknownCompanyId,
             absl::StrCat("'", id_text, "' is not a company ID of this firm"));
      usable = false;
    }
    if (size_t length = text::CharacterCount(number);
        length > kMaxClientNumberCharacters) {
      reject(r, kClientNumber, ErrorCode::kClientNumberTooLong,
             absl::StrCat("the client number has ", length, " characters; at most ",
                          kMaxClientNumberCharacters, " are allowed"));
      usable = false;
    }
    if (!usable) continue;
    if (auto [first, fresh] = row_of_company.try_emplace(id, r); !fresh) {
      reject(r, kCompanyId, ErrorCode::kDuplicateInFile,
             absl::StrCat("company ", id, " is also in row ",
                          (*rows)[first->second].line()));
      if (!rejected.contains(first->second)) {
        reject(first->second, kCompanyId, ErrorCode::kDuplicateInFile,
               absl::StrCat("company ", id, " is also in row ", row.line()));
      }
      continue;
    }
    if (!number.empty()) {
      const std::string key = text::FoldCase(number);
      if (auto [first, fresh] = row_of_number.try_emplace(key, r); !fresh) {
        reject(r, kClientNumber, ErrorCode::kDuplicateInFile,
               absl::StrCat("client number '", number, "' is also in row ",
                            (*rows)[first->second].line()));
        if (!rejected.contains(first->second)) {
          reject(first->second, kClientNumber, ErrorCode::kDuplicateInFile,
                 absl::StrCat("client number '", field(first->second, kClientNumber),
                              "' is also in row ", row.line()));
        }
        continue;
      }
    }
    candidates.emplace_back(r, id);
  }

  // What the directory knows of each company.
  std::vector<uint64_t> ids;
  for (auto [r, id] : candidates) {
    if (!rejected.contains(r)) ids.push_back(id);
  }
  absl::StatusOr<std::vector<DirectoryClient>> found =
      directory_.GetClients(job.created_by(), job.firm_id(), ids);
  if (!found.ok())
    return Fail(job, /*retryable=*/true, std::string(found.status().message()));
  absl::flat_hash_map<uint64_t, DirectoryClient> clients;
  for (DirectoryClient& c : *found) clients.emplace(c.company_id, std::move(c));

  std::vector<NumberUpdate> updates;
  std::vector<size_t> update_rows;
  int32_t unchanged = 0;
  for (auto [r, id] : candidates) {
    if (rejected.contains(r)) continue;
    auto client = clients.find(id);
    if (client == clients.end()) {
      reject(r, kCompanyId, ErrorCode::kUnknownCompanyId,
             absl::StrCat("company ", id, " is not a client of this firm"));
      continue;
    }
    const std::string name = field(r, kDisplayName);
    if (name != client->second.display_name) {
      reject(r, kDisplayName, ErrorCode::kDisplayNameChanged,
             absl::StrCat("'", name, "' is not the client's display name '",
                          client->second.display_name,
                          "'; display names cannot be changed by import"));
      continue;
    }
    const std::string number = field(r, kClientNumber);
    // An empty cell leaves the number as it is; so does the same number.
    if (number.empty() || number == client->second.client_number) {
      ++unchanged;
      continue;
    }
    updates.push_back({id, number, client->second.etag});
    update_rows.push_back(r);
  }

  // The directory's verdict. Dropping a rejected row can make another row's
  // number collide (the row that would have freed it is gone), so ask
  // again until it has no objection.
  while (!updates.empty()) {
    absl::StatusOr<std::vector<errors::FieldViolation>> violations =
        directory_.CheckNumbers(job.created_by(), job.firm_id(), updates);
    if (!violations.ok()) {
      return Fail(job, /*retryable=*/true, std::string(violations.status().message()));
    }
    if (violations->empty()) break;
    absl::flat_hash_set<size_t> drop;
    for (const errors::FieldViolation& v : *violations) {
      auto parsed = ParseViolationField(v.field);
      if (!parsed || parsed->first >= updates.size()) {
        return Fail(job, /*retryable=*/false,
                    absl::StrCat("the directory refused the file: ", v.field, ": ",
                                 v.description));
      }
      const size_t r = update_rows[parsed->first];
      if (drop.insert(parsed->first).second) {
        if (parsed->second == "client") {
          reject(r, kCompanyId, ErrorCode::kUnknownCompanyId, v.description);
        } else {
          reject(r, kClientNumber, ErrorCode::kClientNumberTaken, v.description);
        }
      }
    }
    std::vector<NumberUpdate> kept;
    std::vector<size_t> kept_rows;
    for (size_t i = 0; i < updates.size(); ++i) {
      if (drop.contains(i)) continue;
      kept.push_back(std::move(updates[i]));
      kept_rows.push_back(update_rows[i]);
    }
    updates = std::move(kept);
    update_rows = std::move(kept_rows);
  }

  std::sort(errors.begin(), errors.end(),
            [](const ErrorRecord& a, const ErrorRecord& b) { return a.row() < b.row(); });
  job.set_validated_rows(static_cast<int32_t>(rows->size()));
  job.set_rejected_rows(static_cast<int32_t>(rejected.size()));
  job.set_unchanged_rows(unchanged);
  job.clear_plan();
  for (const NumberUpdate& u : updates) {
    PlannedUpdate* p = job.add_plan();
    p->set_company_id(u.company_id);
    p->set_client_number(u.client_number);
    p->set_etag(u.etag);
  }
  job.set_state(static_cast<int32_t>(JobState::kApplying));
  return Save(job, errors);
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
