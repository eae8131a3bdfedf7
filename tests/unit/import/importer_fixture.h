#ifndef CLIENTBOOK_TESTS_UNIT_IMPORT_IMPORTER_FIXTURE_H_
#define CLIENTBOOK_TESTS_UNIT_IMPORT_IMPORTER_FIXTURE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "common/storage/database.h"
#include "common/text/text.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "services/directory/domain/directory.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "services/import/domain/importer.h"
#include "services/import/store/rocksdb_import_store.h"
#include "tests/support/callers.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/status_matchers.h"

namespace clientbook::importer {

// The directory's real rules (its domain over an in-memory RocksDB) behind
// import's DirectoryPort, answering as the gRPC adapter does, plus the
// faults a network adds: an outage, a lost answer, an edit racing the write.
// (tests/integration/import runs the real gRPC adapter.)
class InMemoryDirectoryPort final : public DirectoryPort {
 public:
  InMemoryDirectoryPort(directory::Directory& directory, const Clock& clock)
      : directory_(directory), clock_(clock) {}

  absl::Status CheckMember(const auth::Caller& caller, uint64_t firm_id) override {
    if (down) return Outage();
    return directory_.firms.GetFirm(caller, names::FirmName{firm_id}).status();
  }
  absl::StatusOr<std::vector<ExistingClient>> GetClients(
      const auth::Caller& caller, uint64_t firm_id,
      const std::vector<uint64_t>& ids) override {
    if (down) return Outage();
    if (absl::Status s = Admit(); !s.ok()) return s;
    auto found =
        directory_.clients.BatchGetClients(caller, names::FirmName{firm_id}, ids);
    if (!found.ok()) return found.status();
    std::vector<ExistingClient> out;
    for (const directory::ClientRecord& c : *found) out.push_back(View(c));
    return out;
  }
  absl::StatusOr<std::vector<NumberVerdict>> CheckNumbers(
      const auth::Caller& caller, uint64_t firm_id,
      const std::vector<NumberUpdate>& updates) override {
    if (down) return Outage();
    if (absl::Status s = Admit(); !s.ok()) return s;
    std::vector<directory::ClientNumberUpdate> entries;
    for (const NumberUpdate& u : updates)
      entries.push_back({u.company_id, u.client_number, ""});
    auto batch = directory_.numbers.BatchUpdateClientNumbers(
        caller, names::FirmName{firm_id}, entries, true);
    if (!batch.ok()) return batch.status();
    std::vector<NumberVerdict> verdicts;
    for (const auto& v : batch->verdicts) verdicts.push_back({v.refusal, v.description});
    return verdicts;
  }
  absl::StatusOr<AppliedNumbers> ApplyNumbers(const auth::Caller& caller,
                                              uint64_t firm_id,
                                              const std::vector<NumberUpdate>& updates,
                                              absl::string_view request_id) override {
    if (down) return Outage();
    if (absl::Status s = Admit(); !s.ok()) return s;
    if (before_apply) before_apply();
    apply_credentials = caller.credentials;
    for (const auto& [key, value] : caller.credentials) {
      // As the real directory: the caller is proved before the batch is read.
      if (expired_credentials.contains(value)) {
        return absl::UnauthenticatedError("bearer token expired");
      }
    }
    std::vector<directory::ClientNumberUpdate> entries;
    for (const NumberUpdate& u : updates) {
      entries.push_back({u.company_id, u.client_number, u.etag});
    }
    auto batch = directory_.numbers.BatchUpdateClientNumbers(
        caller, names::FirmName{firm_id}, entries, false, request_id);
    if (!batch.ok()) return batch.status();
    if (!batch->replayed) ++apply_calls;
    if (lose_answers > 0) {
      --lose_answers;
      return absl::UnavailableError("the answer was lost");
    }
    AppliedNumbers applied{.changed = {}, .replayed = batch->replayed};
    for (const auto& v : batch->verdicts) applied.changed.push_back(v.changed);
    return applied;
  }
  absl::StatusOr<ClientPage> ListClients(const auth::Caller& caller, uint64_t firm_id,
                                         bool include_inactive,
                                         absl::string_view page_token,
                                         int32_t page_size) override {
    if (down) return Outage();
    if (absl::Status s = Admit(); !s.ok()) return s;
    page_sizes.push_back(page_size);
    auto page = directory_.listing.ListClients(
        caller, {.firm_id = firm_id,
                 .page = {.page_size = page_size, .page_token = std::string(page_token)},
                 .show_inactive = include_inactive});
    if (!page.ok()) return page.status();
    ClientPage out{.clients = {}, .next_page_token = page->next_page_token};
    for (const directory::ClientRecord& c : page->items) out.clients.push_back(View(c));
    return out;
  }

  bool down = false;
  // Every call is turned away as busy (RESOURCE_EXHAUSTED, RetryInfo
  // kBusyDelay), as by a firm's share used up.
  bool busy = false;
  static constexpr absl::Duration kBusyDelay = absl::Seconds(2);
  // The firm's rate limit, as the real fair share keeps it on the test's
  // clock (0: none): a call finding no token is turned away, RetryInfo
  // saying when the next comes. The bucket holds kBurst and starts empty.
  double calls_per_second = 0;
  static constexpr double kBurst = 2;
  // The page size of each ListClients, in order.
  std::vector<int32_t> page_sizes;
  // Batches the directory wrote (repeats of a request id excluded).
  int apply_calls = 0;
  // How many of the next writes (or repeats) land but answer UNAVAILABLE.
  int lose_answers = 0;
  // Runs at the start of every ApplyNumbers: a concurrent edit.
  std::function<void()> before_apply;
  // Credential values the directory no longer accepts (expired tokens).
  absl::flat_hash_set<std::string> expired_credentials;
  // The credentials the last ApplyNumbers came with.
  std::vector<std::pair<std::string, std::string>> apply_credentials;

 private:
  static absl::Status Outage() { return absl::UnavailableError("directory down"); }
  absl::Status Admit() {
    if (busy) {
      return errors::QuotaExhausted("FIRM_OVER_CAPACITY", "firms/1", "firms/1 is busy",
                                    kBusyDelay);
    }
    if (calls_per_second == 0) return absl::OkStatus();
    const absl::Time now = clock_.Now();
    if (refilled_ != absl::InfinitePast()) {
      tokens_ = std::min(
          kBurst, tokens_ + calls_per_second * absl::ToDoubleSeconds(now - refilled_));
    }
    refilled_ = now;
    if (tokens_ >= 1) {
      tokens_ -= 1;
      return absl::OkStatus();
    }
    return errors::QuotaExhausted("FIRM_RATE_LIMITED", "firms/1",
                                  "firms/1 is over its rate limit",
                                  absl::Seconds((1 - tokens_) / calls_per_second));
  }
  static ExistingClient View(const directory::ClientRecord& c) {
    return {c.company_id(), c.display_name(), c.client_number(), directory::EtagOf(c)};
  }

  directory::Directory& directory_;
  const Clock& clock_;
  double tokens_ = 0;
  absl::Time refilled_ = absl::InfinitePast();
};

// Jobs wait here until the test runs them.
class ManualScheduler final : public JobScheduler {
 public:
  void Schedule(names::ImportJobName job) override { queue.push_back(job); }
  void ScheduleAfter(names::ImportJobName job, absl::Duration delay) override {
    put_off.emplace_back(job, delay);
  }
  std::vector<names::ImportJobName> queue;
  std::vector<std::pair<names::ImportJobName, absl::Duration>> put_off;
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
  absl::Status DeleteJobs(const std::vector<JobRecord>& jobs) override {
    return real_.DeleteJobs(jobs);
  }
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
  absl::StatusOr<std::vector<JobRecord>> JobsPastNewest(uint64_t firm, size_t newest,
                                                        size_t limit) const override {
    return real_.JobsPastNewest(firm, newest, limit);
  }
  absl::StatusOr<StoredPage<ErrorRecord>> ListErrors(names::ImportJobName ref,
                                                     absl::string_view cursor,
                                                     size_t limit) const override {
    return real_.ListErrors(ref, cursor, limit);
  }
  absl::StatusOr<std::vector<names::ImportJobName>> UnfinishedJobs() const override {
    return real_.UnfinishedJobs();
  }
  absl::StatusOr<std::vector<names::ImportJobName>> UnfinishedJobsOf(
      uint64_t firm_id) const override {
    return real_.UnfinishedJobsOf(firm_id);
  }
  absl::StatusOr<std::vector<JobRecord>> JobsCreatedBefore(int64_t t,
                                                           size_t limit) const override {
    return real_.JobsCreatedBefore(t, limit);
  }
  absl::Status RecordRead(const changes::DataRead& read,
                          changes::ReadStage stage) override {
    return real_.RecordRead(read, stage);
  }

 private:
  ImportStore& real_;
};

// The real Importer over the real store in memory, a fake clock, and the
// real directory domain (also in memory, handing out the ids of `cell`)
// with firm_ of "alice" and the clients rossi_ "Rossi SRL", bianchi_
// "Bianchi SpA" and verdi_ "Società Verdi" (number "V-1").
class ImporterTest : public ::testing::Test {
 protected:
  explicit ImporterTest(names::Cell cell = {})
      : env_(rocksdb::NewMemEnv(rocksdb::Env::Default())),
        clock_(absl::FromUnixSeconds(1'790'000'000)),
        directory_db_(
            std::move(*storage::Database::Open("/directory", {.env = env_.get()}))),
        directory_store_(std::move(
            *directory::RocksDirectoryStore::Create(directory_db_.get(), clock_, cell))),
        domain_(std::make_unique<directory::Directory>(*directory_store_, clock_,
                                                       wholesale_, imports_)) {
    firm_ = testing::ValueOrFail(domain_->firms.CreateFirm(testing::As("alice"), "Studio",
                                                           "alice@studio.example",
                                                           "Alice", ""))
                .id();
    rossi_ = AddClient("Rossi SRL");
    bianchi_ = AddClient("Bianchi SpA");
    verdi_ = AddClient("Società Verdi", "V-1");

    db_ = std::move(*storage::Database::Open("/import", {.env = env_.get()}));
    real_store_ = std::move(*RocksImportStore::Create(db_.get(), clock_));
    store_ = std::make_unique<CrashableStore>(*real_store_);
    importer_ = std::make_unique<Importer>(
        *store_, clock_, directory_, scheduler_,
        ImporterOptions{.apply_attempts = 3,
                        .apply_backoff = absl::Seconds(1),
                        .wait = [this](absl::Duration d) { waited += d; }});
  }

  uint64_t AddClient(const std::string& name, const std::string& number = "",
                     bool allow_duplicate_name = false) {
    directory::ClientRecord draft;
    draft.set_display_name(name);
    draft.set_client_type(v1::BUSINESS);
    draft.set_client_number(number);
    return testing::ValueOrFail(
               domain_->clients.CreateClient(testing::As("alice"), names::FirmName{firm_},
                                             draft, false, "", allow_duplicate_name))
        .company_id();
  }

  // Someone edits the client in the directory: its etag moves on.
  void EditClient(uint64_t id) {
    directory::ClientRecord now = testing::ValueOrFail(
        domain_->clients.GetClient(testing::As("alice"), names::ClientName{firm_, id}));
    directory::ClientRecord patch;
    patch.set_email(absl::StrCat("edit", now.revision(), "@client.example"));
    EXPECT_THAT(
        domain_->clients.UpdateClient(testing::As("alice"), names::ClientName{firm_, id},
                                      patch, {"email"}, directory::EtagOf(now)),
        ::clientbook::testing::IsOk());
  }

  static std::string File(const std::vector<std::string>& rows) {
    std::string out = "Company ID,Display Name,Client Number\r\n";
    for (const std::string& r : rows) out += r + "\r\n";
    return out;
  }

  // The job's whole error report.
  absl::StatusOr<std::string> Report(const JobRecord& job) {
    std::string all;
    absl::Status done = importer_->ErrorReport(
        testing::As("alice"), {firm_, job.job_id()}, [&](std::string piece) {
          all += piece;
          return true;
        });
    if (!done.ok()) return done;
    return all;
  }

  // An export's room that always has what is asked.
  static int64_t AnyRoom(int64_t bytes) { return bytes; }

  // Starts an import and runs it to its end.
  JobRecord Import(const std::string& csv, const std::string& request_id = "") {
    JobRecord job = testing::ValueOrFail(
        importer_->Start(testing::As("alice"), firm_, csv, "clients.csv", request_id));
    RunScheduled();
    return testing::ValueOrFail(
        importer_->Get(testing::As("alice"), {firm_, job.job_id()}));
  }

  void RunScheduled() {
    std::vector<names::ImportJobName> jobs;
    jobs.swap(scheduler_.queue);
    for (names::ImportJobName job : jobs) importer_->RunJob(job).IgnoreError();
  }

  // Lets the put-off jobs' time come (on the fake clock too) and runs them.
  void RunPutOff() {
    std::vector<std::pair<names::ImportJobName, absl::Duration>> jobs;
    jobs.swap(scheduler_.put_off);
    for (const auto& [job, delay] : jobs) {
      clock_.Advance(delay);
      importer_->RunJob(job).IgnoreError();
    }
  }

  JobRecord GetJob(const JobRecord& job) {
    return testing::ValueOrFail(
        importer_->Get(testing::As("alice"), {firm_, job.job_id()}));
  }

  std::vector<ErrorRecord> Errors(const JobRecord& job) {
    return importer_
        ->ListErrors(testing::As("alice"), {firm_, job.job_id()}, {.page_size = 1000})
        ->items;
  }

  std::string Number(uint64_t id) {
    return testing::ValueOrFail(domain_->clients.GetClient(testing::As("alice"),
                                                           names::ClientName{firm_, id}))
        .client_number();
  }

  // Overwrites the first stored value whose key starts with `tag` (the
  // store's key prefixes) with bytes that are no record at all.
  void CorruptFirstRecordUnder(char tag) {
    std::string key;
    ASSERT_THAT(db_->Scan(std::string(1, tag), std::string(1, tag + 1),
                          [&](absl::string_view k, absl::string_view) {
                            key = std::string(k);
                            return false;
                          }),
                ::clientbook::testing::IsOk());
    ASSERT_FALSE(key.empty());
    rocksdb::WriteBatch garbage;
    garbage.Put(key, "\xFF\xFF\xFF not a record");
    ASSERT_THAT(db_->Write(garbage), ::clientbook::testing::IsOk());
  }

  std::unique_ptr<rocksdb::Env> env_;
  FakeClock clock_;
  directory::FakeWholesaleCheck wholesale_;
  directory::FakeImportActivity imports_;
  std::unique_ptr<storage::Database> directory_db_;
  std::unique_ptr<directory::RocksDirectoryStore> directory_store_;
  std::unique_ptr<directory::Directory> domain_;
  uint64_t firm_ = 0;
  uint64_t rossi_ = 0;
  uint64_t bianchi_ = 0;
  uint64_t verdi_ = 0;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<RocksImportStore> real_store_;
  std::unique_ptr<CrashableStore> store_;
  InMemoryDirectoryPort directory_{*domain_, clock_};
  ManualScheduler scheduler_;
  // What the importer would have slept between resends.
  absl::Duration waited;
  std::unique_ptr<Importer> importer_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_TESTS_UNIT_IMPORT_IMPORTER_FIXTURE_H_
