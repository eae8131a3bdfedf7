#ifndef CLIENTBOOK_TESTS_UNIT_IMPORT_IMPORTER_FIXTURE_H_
#define CLIENTBOOK_TESTS_UNIT_IMPORT_IMPORTER_FIXTURE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/storage/database.h"
#include "common/text/text.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "services/import/domain/importer.h"
#include "services/import/store/rocksdb_import_store.h"
#include "tests/support/status_matchers.h"

namespace clientbook::importer {

// Stands in for the directory service (tests/integration/import and
// tests/e2e use the real one): one firm's clients, the number rules that
// matter here, etags, and switches for "down" and counting writes.
class FakeDirectoryPort final : public DirectoryPort {
 public:
  struct Client {
    std::string name;
    std::string number;
    int revision = 1;
  };

  absl::Status CheckMember(absl::string_view caller, uint64_t firm_id) override {
    if (down) return absl::UnavailableError("directory down");
    return caller == "alice" && firm_id == kFirm
               ? absl::OkStatus()
               : absl::PermissionDeniedError("not a member");
  }
  absl::StatusOr<std::vector<DirectoryClient>> GetClients(
      absl::string_view caller, uint64_t firm_id,
      const std::vector<uint64_t>& ids) override {
    if (absl::Status s = CheckMember(caller, firm_id); !s.ok()) return s;
    std::vector<DirectoryClient> out;
    for (uint64_t id : ids) {
      if (auto it = clients.find(id); it != clients.end())
        out.push_back(View(id, it->second));
    }
    return out;
  }
  absl::StatusOr<std::vector<NumberVerdict>> CheckNumbers(
      absl::string_view caller, uint64_t firm_id,
      const std::vector<NumberUpdate>& updates) override {
    if (absl::Status s = CheckMember(caller, firm_id); !s.ok()) return s;
    std::vector<NumberVerdict> verdicts(updates.size());
    std::map<uint64_t, bool> in_batch;
    for (const NumberUpdate& u : updates) in_batch[u.company_id] = true;
    for (size_t i = 0; i < updates.size(); ++i) {
      for (const auto& [id, c] : clients) {
        if (id != updates[i].company_id && !in_batch.contains(id) &&
            text::FoldCase(c.number) == text::FoldCase(updates[i].client_number)) {
          verdicts[i] = {v1::ImportError::CLIENT_NUMBER_TAKEN,
                         absl::StrCat("'", updates[i].client_number,
                                      "' is already used by client '", c.name, "'")};
        }
      }
    }
    return verdicts;
  }
  // Like the directory: the request id is recorded with the write, and a
  // repeat answers the first outcome.
  absl::StatusOr<AppliedNumbers> ApplyNumbers(absl::string_view caller, uint64_t firm_id,
                                              const std::vector<NumberUpdate>& updates,
                                              absl::string_view request_id) override {
    if (absl::Status s = CheckMember(caller, firm_id); !s.ok()) return s;
    if (before_apply) before_apply();
    if (auto done = applied.find(std::string(request_id)); done != applied.end()) {
      if (lose_answers > 0) {
        --lose_answers;
        return absl::UnavailableError("the answer was lost");
      }
      return AppliedNumbers{done->second, /*replayed=*/true};
    }
    for (const NumberUpdate& u : updates) {
      if (absl::StrCat("r", clients[u.company_id].revision) != u.etag) {
        return absl::AbortedError("stale etag");
      }
    }
    ++apply_calls;
    std::vector<bool> changed;
    for (const NumberUpdate& u : updates) {
      changed.push_back(clients[u.company_id].number != u.client_number);
      clients[u.company_id].number = u.client_number;
      ++clients[u.company_id].revision;
    }
    applied[std::string(request_id)] = changed;
    if (lose_answers > 0) {
      --lose_answers;
      return absl::UnavailableError("the answer was lost");
    }
    return AppliedNumbers{changed, /*replayed=*/false};
  }
  absl::StatusOr<ClientPage> ListClients(absl::string_view caller, uint64_t firm_id, bool,
                                         absl::string_view page_token) override {
    if (absl::Status s = CheckMember(caller, firm_id); !s.ok()) return s;
    // Pages of 1000 in id order; the token is the next id.
    uint64_t from = page_token.empty() ? 0 : std::stoull(std::string(page_token));
    ClientPage page;
    for (auto it = clients.lower_bound(from); it != clients.end(); ++it) {
      if (page.clients.size() == 1000) {
        page.next_page_token = std::to_string(it->first);
        break;
      }
      page.clients.push_back(View(it->first, it->second));
    }
    return page;
  }

  static constexpr uint64_t kFirm = 7;
  std::map<uint64_t, Client> clients;
  bool down = false;
  int apply_calls = 0;
  // How many of the next calls (writes or repeats) answer UNAVAILABLE,
  // a write having landed all the same.
  int lose_answers = 0;
  std::map<std::string, std::vector<bool>> applied;
  // Runs at the start of every ApplyNumbers: a concurrent edit.
  std::function<void()> before_apply;

 private:
  static DirectoryClient View(uint64_t id, const Client& c) {
    return {id, c.name, c.number, absl::StrCat("r", c.revision)};
  }
};

// Jobs wait here until the test runs them.
class ManualScheduler final : public JobScheduler {
 public:
  void Schedule(names::ImportJobName job) override { queue.push_back(job); }
  std::vector<names::ImportJobName> queue;
};

// The real store, except that it can fail the write that ends a job, as a
// process killed right after its directory batch would.
class CrashableStore final : public ImportStore {
 public:
  explicit CrashableStore(ImportStore& real) : real_(real) {}
  bool crash_before_final_write = false;

  absl::StatusOr<uint64_t> AllocateJobId() override { return real_.AllocateJobId(); }
  absl::Status CreateJob(const JobRecord& job,
                         const std::vector<RowRecord>& rows) override {
    return real_.CreateJob(job, rows);
  }
  absl::Status UpdateJob(const JobRecord& job,
                         const std::optional<std::vector<ErrorRecord>>& errors) override {
    if (crash_before_final_write && IsTerminal(job)) return absl::InternalError("killed");
    return real_.UpdateJob(job, errors);
  }
  absl::Status DeleteJob(const JobRecord& job) override { return real_.DeleteJob(job); }
  absl::StatusOr<std::optional<JobRecord>> GetJob(
      names::ImportJobName ref) const override {
    return real_.GetJob(ref);
  }
  absl::StatusOr<std::vector<RowRecord>> GetRows(
      names::ImportJobName ref) const override {
    return real_.GetRows(ref);
  }
  absl::StatusOr<std::optional<names::ImportJobName>> FindRequest(
      absl::string_view caller, absl::string_view id) const override {
    return real_.FindRequest(caller, id);
  }
  absl::StatusOr<StoredPage<JobRecord>> ListJobs(uint64_t firm, absl::string_view cursor,
                                                 size_t limit) const override {
    return real_.ListJobs(firm, cursor, limit);
  }
  absl::StatusOr<StoredPage<ErrorRecord>> ListErrors(names::ImportJobName ref,
                                                     absl::string_view cursor,
                                                     size_t limit) const override {
    return real_.ListErrors(ref, cursor, limit);
  }
  absl::StatusOr<std::vector<names::ImportJobName>> UnfinishedJobs() const override {
    return real_.UnfinishedJobs();
  }
  absl::StatusOr<std::vector<JobRecord>> JobsCreatedBefore(int64_t t,
                                                           size_t limit) const override {
    return real_.JobsCreatedBefore(t, limit);
  }

 private:
  ImportStore& real_;
};

// The real Importer over the real store in memory, a fake clock, the fake
// directory with clients 1001 "Rossi SRL", 1002 "Bianchi SpA",
// 1003 "Società Verdi" (number "V-1").
class ImporterTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kFirm = FakeDirectoryPort::kFirm;

  ImporterTest()
      : env_(rocksdb::NewMemEnv(rocksdb::Env::Default())),
        clock_(absl::FromUnixSeconds(1'790'000'000)) {
    db_ = std::move(*storage::Database::Open("/import", {.env = env_.get()}));
    real_store_ = std::move(*RocksImportStore::Create(db_.get()));
    store_ = std::make_unique<CrashableStore>(*real_store_);
    importer_ = std::make_unique<Importer>(
        *store_, clock_, directory_, scheduler_,
        ImporterOptions{.apply_attempts = 3,
                        .apply_backoff = absl::Seconds(1),
                        .wait = [this](absl::Duration d) { waited += d; }});
    directory_.clients = {{1001, {"Rossi SRL", ""}},
                          {1002, {"Bianchi SpA", ""}},
                          {1003, {"Società Verdi", "V-1"}}};
  }

  static std::string File(const std::vector<std::string>& rows) {
    std::string out = "Company ID,Display Name,Client Number\r\n";
    for (const std::string& r : rows) out += r + "\r\n";
    return out;
  }

  // Starts an import and runs it to its end.
  JobRecord Import(const std::string& csv, const std::string& request_id = "") {
    JobRecord job = testing::ValueOrFail(
        importer_->Start("alice", kFirm, csv, "clients.csv", request_id));
    RunScheduled();
    return testing::ValueOrFail(importer_->Get("alice", {kFirm, job.job_id()}));
  }

  void RunScheduled() {
    std::vector<names::ImportJobName> jobs;
    jobs.swap(scheduler_.queue);
    for (names::ImportJobName job : jobs) importer_->RunJob(job).IgnoreError();
  }

  std::vector<ErrorRecord> Errors(const JobRecord& job) {
    return importer_->ListErrors("alice", {kFirm, job.job_id()}, {.page_size = 1000})
        ->items;
  }

  std::string Number(uint64_t id) { return directory_.clients[id].number; }

  // Overwrites the first stored value whose key starts with `tag` (the
  // store's key prefixes) with bytes that are no record at all.
  void CorruptFirstRecordUnder(char tag) {
    std::string key;
    ASSERT_TRUE(db_->Scan(std::string(1, tag), std::string(1, tag + 1),
                          [&](absl::string_view k, absl::string_view) {
                            key = std::string(k);
                            return false;
                          })
                    .ok());
    ASSERT_FALSE(key.empty());
    rocksdb::WriteBatch garbage;
    garbage.Put(key, "\xFF\xFF\xFF not a record");
    ASSERT_TRUE(db_->Write(garbage).ok());
  }

  std::unique_ptr<rocksdb::Env> env_;
  FakeClock clock_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<RocksImportStore> real_store_;
  std::unique_ptr<CrashableStore> store_;
  FakeDirectoryPort directory_;
  ManualScheduler scheduler_;
  // What the importer would have slept between resends.
  absl::Duration waited;
  std::unique_ptr<Importer> importer_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_TESTS_UNIT_IMPORT_IMPORTER_FIXTURE_H_
