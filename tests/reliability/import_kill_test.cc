// kill -9 of the import service at random moments of 1,000-row jobs: after
// each restart the job must end, say what happened, and agree with the
// directory (every number of the round in place, or none). Rounds:
// $CLIENTBOOK_KILL_ROUNDS (20 in tests/run; tests/reliability/kill_loop runs
// 200).
#include <signal.h>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "common/csv/csv.h"
#include "gtest/gtest.h"
#include "tests/support/cluster.h"
#include "tests/support/kill_rounds.h"
#include "tests/support/seed_firm.h"
#include "tests/support/status_matchers.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using testing::As;

constexpr int kClients = 1000;
// Long enough to land anywhere in a job (one takes about 100 ms here).
constexpr int kMaxKillDelayMs = 250;

class ImportKillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(cluster_.Start(why)) << why;
    testing::SeededFirm seeded = testing::SeedFirm(*cluster_.directory, kClients);
    ASSERT_THAT(seeded.status, IsOk()) << seeded.status.error_message();
    firm_ = seeded.name;
    ids_ = seeded.company_ids;
  }

  // Every client gets "K{round}-{i}".
  std::string FileFor(int round) {
    std::string csv = "Company ID,Display Name,Client Number\r\n";
    for (int i = 0; i < kClients; ++i) {
      absl::StrAppend(&csv, ids_[i], ",Client ", 10000 + i, ",K", round, "-", i, "\r\n");
    }
    return csv;
  }

  // StartImport until the restarting service answers.
  grpc::Status Start(const std::string& csv, const std::string& request_id,
                     v1::ImportJob& job) {
    v1::StartImportRequest req;
    req.set_parent(firm_);
    req.set_csv(csv);
    req.set_request_id(request_id);
    grpc::Status s;
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto ctx = As("alice");
      ctx->set_wait_for_ready(true);
      s = cluster_.import->StartImport(ctx.get(), req, &job);
      if (s.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    }
    return s;
  }

  v1::ImportJob Watch(const std::string& name) {
    v1::WatchImportJobRequest req;
    req.set_name(name);
    auto ctx = As("alice");
    auto reader = cluster_.import->WatchImportJob(ctx.get(), req);
    v1::ImportJob job;
    while (reader->Read(&job)) {
    }
    reader->Finish();
    return job;
  }

  // How many clients hold this round's numbers.
  int NumbersOfRound(int round) {
    v1::ListClientsRequest req;
    req.set_parent(firm_);
    req.set_page_size(1000);
    v1::ListClientsResponse resp;
    EXPECT_THAT(cluster_.directory->ListClients(As("alice").get(), req, &resp), IsOk());
    int held = 0;
    const std::string prefix = absl::StrCat("K", round, "-");
    for (const auto& c : resp.clients()) held += c.client_number().rfind(prefix, 0) == 0;
    return held;
  }

  testing::Cluster cluster_;
  std::string firm_;
  std::vector<std::string> ids_;
};

TEST_F(ImportKillTest, EveryJobEndsTrueToTheDirectoryWhateverMomentItIsKilled) {
  absl::BitGen random;
  const int rounds = testing::KillRounds();
  int kills = 0;
  int retries = 0;
  int false_failures = 0;
  for (int round = 1; round <= rounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const std::string csv = FileFor(round);
    const std::string request_id = absl::StrCat("round-", round);
    v1::ImportJob job;
    ASSERT_THAT(Start(csv, request_id, job), IsOk());
    absl::SleepFor(absl::Milliseconds(absl::Uniform(random, 0, kMaxKillDelayMs)));
    cluster_.KillImport();
    ++kills;
    ASSERT_TRUE(cluster_.StartImport()) << cluster_.ImportLog();

    // The restarted service resumes the job; the same request id reaches it.
    for (int attempt = 0;; ++attempt) {
      ASSERT_THAT(Start(csv, request_id, job), IsOk());
      job = Watch(job.name());
      ASSERT_TRUE(job.state() == v1::ImportJob::SUCCEEDED ||
                  job.state() == v1::ImportJob::FAILED)
          << job.ShortDebugString();
      const int held = NumbersOfRound(round);
      ASSERT_TRUE(held == 0 || held == kClients) << held << " numbers of the round";
      if (job.state() == v1::ImportJob::SUCCEEDED) {
        EXPECT_EQ(held, kClients);
        EXPECT_EQ(job.applied_rows(), kClients) << job.ShortDebugString();
        break;
      }
      // A failure must be honest: "nothing was applied" only when so.
      if (held == kClients) {
        EXPECT_EQ(job.failure_reason().find("nothing was applied"), std::string::npos)
            << job.failure_reason();
        ++false_failures;
      }
      ASSERT_LT(attempt, 5) << "the job keeps failing: " << job.failure_reason();
      ++retries;
    }
  }
  std::printf(
      "kill -9 rounds: %d, kills survived: %d, retries needed: %d, "
      "FAILED while applied: %d\n",
      rounds, kills, retries, false_failures);
  EXPECT_EQ(false_failures, 0);
}

// Who took the client list out stays known when the service dies half way
// through the export: the read was kept only as it ended.
TEST_F(ImportKillTest, AnExportCutByKillMinus9IsStillInTheAudit) {
  v1::ExportClientsRequest req;
  req.set_parent(firm_);
  auto ctx = As("alice");
  auto reader = cluster_.import->ExportClients(ctx.get(), req);
  v1::CsvChunk chunk;
  ASSERT_TRUE(reader->Read(&chunk));
  cluster_.KillImport();
  ctx->TryCancel();
  reader->Finish();
  ASSERT_TRUE(cluster_.StartImport()) << cluster_.ImportLog();

  auto audit = v1::ChangeService::NewStub(
      grpc::CreateChannel(cluster_.import_target(), grpc::InsecureChannelCredentials()));
  v1::ListAuditEntriesRequest list;
  list.set_parent(firm_);
  list.set_filter("type = EXPORT_STARTED");
  v1::ListAuditEntriesResponse entries;
  ASSERT_THAT(audit->ListAuditEntries(As("alice").get(), list, &entries), IsOk());
  ASSERT_EQ(entries.audit_entries_size(), 1);
  const v1::ChangeEvent& read = entries.audit_entries(0).change();
  EXPECT_EQ(read.actor(), "alice");
  EXPECT_EQ(read.name(), firm_);
  EXPECT_EQ(read.method(), "/clientbook.v1.ImportService/ExportClients");
}

}  // namespace
}  // namespace clientbook
