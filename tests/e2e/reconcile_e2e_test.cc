// The runbook's last step, run as written with the three real binaries: the
// directory's volume is lost and restored from a backup taken before some
// writes, so billing and import hold things the directory no longer agrees
// with. `clientbook-admin reconcile` lists each, `--fix` repairs those with
// one right answer, and a client created after the restore never gets the
// name of one the restore forgot.
#include <signal.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clientbook/v1/backup.grpc.pb.h"
#include "clientbook/v1/reconcile.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cluster.h"
#include "tests/support/csv_stream.h"
#include "tests/support/service_process.h"
#include "tests/support/status_matchers.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using testing::As;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class ReconcileE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(cluster_.Start(why)) << why;
    ASSERT_THAT(testing::CreateFirmAs(*cluster_.directory, "alice", &firm_), IsOk());
  }

  v1::Client NewClient(const std::string& firm, const std::string& user,
                       const std::string& name) {
    v1::CreateClientRequest req;
    req.set_parent(firm);
    req.mutable_client()->set_display_name(name);
    req.mutable_client()->set_client_type(v1::BUSINESS);
    v1::Client client;
    const grpc::Status s = cluster_.directory->CreateClient(As(user).get(), req, &client);
    EXPECT_THAT(s, IsOk()) << s.error_message();
    return client;
  }

  // `client` subscribed on the direct-discount plan.
  std::string Subscribe(const v1::Client& client) {
    v1::SubscribeClientRequest req;
    req.set_parent(client.name());
    req.mutable_subscription()->set_plan(v1::DIRECT_DISCOUNT);
    req.mutable_subscription()->add_products(v1::PLUS);
    v1::Subscription subscription;
    const grpc::Status s =
        cluster_.billing->SubscribeClient(As("alice").get(), req, &subscription);
    EXPECT_THAT(s, IsOk()) << s.error_message();
    return subscription.name();
  }

  std::vector<std::string> ListedSubscriptions() {
    v1::ListSubscriptionsRequest req;
    req.set_parent(firm_.name());
    req.set_page_size(100);
    v1::ListSubscriptionsResponse resp;
    const grpc::Status s =
        cluster_.billing->ListSubscriptions(As("alice").get(), req, &resp);
    EXPECT_THAT(s, IsOk()) << s.error_message();
    std::vector<std::string> names;
    for (const v1::Subscription& sub : resp.subscriptions()) names.push_back(sub.name());
    return names;
  }

  // An import job of `firm` (its own export imported back), finished.
  std::string ImportJobOf(const std::string& firm, const std::string& user) {
    v1::ExportClientsRequest export_request;
    export_request.set_parent(firm);
    auto export_context = As(user);
    testing::CsvDownload download = testing::ReadCsv(
        *cluster_.import->ExportClients(export_context.get(), export_request));
    EXPECT_THAT(download.status, IsOk()) << download.status.error_message();
    v1::StartImportRequest start;
    start.set_parent(firm);
    start.set_csv(download.csv);
    v1::ImportJob job;
    EXPECT_THAT(cluster_.import->StartImport(As(user).get(), start, &job), IsOk());
    v1::WatchImportJobRequest watch;
    watch.set_name(job.name());
    auto watch_context = As(user);
    auto reader = cluster_.import->WatchImportJob(watch_context.get(), watch);
    while (reader->Read(&job)) {
    }
    EXPECT_THAT(reader->Finish(), IsOk());
    return job.name();
  }

  int Admin(std::vector<std::string> args) {
    return testing::RunToEnd(ADMIN_BINARY, std::move(args),
                             cluster_.data_dir("admin.log"), admin_log_);
  }

  void BackUpDirectory() {
    auto backups = v1::BackupService::NewStub(
        testing::Channel(cluster_.directory_operator_target()));
    v1::Backup backup;
    const grpc::Status made =
        backups->CreateBackup(As("ops", "operator").get(), {}, &backup);
    ASSERT_THAT(made, IsOk()) << made.error_message();
  }

  // The directory's volume is lost and restored from its newest backup.
  void RestoreDirectory() {
    cluster_.StopDirectory();
    std::filesystem::remove_all(cluster_.data_dir("directory"));
    ASSERT_EQ(Admin({"restore", "--from=" + cluster_.backup_dir("directory"),
                     "--data_dir=" + cluster_.data_dir("directory")}),
              0)
        << admin_log_;
    ASSERT_TRUE(cluster_.StartDirectory()) << cluster_.DirectoryLog();
  }

  int Reconcile(bool fix) {
    std::vector<std::string> args = {"reconcile",
                                     "--billing=" + cluster_.operator_target(),
                                     "--import=" + cluster_.import_operator_target()};
    if (fix) args.push_back("--fix");
    return Admin(std::move(args));
  }

  testing::Cluster cluster_;
  v1::Firm firm_;
  std::string admin_log_;
};

TEST_F(ReconcileE2eTest, AfterTheDirectoryIsRestoredReconcileListsThenFixes) {
  const v1::Client kept = NewClient(firm_.name(), "alice", "Kept");
  const v1::Client returned = NewClient(firm_.name(), "alice", "Returned");
  const std::string kept_subscription = Subscribe(kept);
  const std::string returned_subscription = Subscribe(returned);
  ASSERT_NO_FATAL_FAILURE(BackUpDirectory());

  // After the backup: a client and its subscription, a deleted client, a
  // new firm with an import job.
  const v1::Client lost = NewClient(firm_.name(), "alice", "Lost");
  const std::string lost_subscription = Subscribe(lost);
  v1::DeleteClientRequest remove;
  remove.set_name(returned.name());
  google::protobuf::Empty removed;
  ASSERT_THAT(cluster_.directory->DeleteClient(As("alice").get(), remove, &removed),
              IsOk());
  v1::Firm later_firm;
  ASSERT_THAT(testing::CreateFirmAs(*cluster_.directory, "bob", &later_firm), IsOk());
  NewClient(later_firm.name(), "bob", "Bob's client");
  const std::string orphan_job = ImportJobOf(later_firm.name(), "bob");
  // Billing follows the directory's feed: the deleted client's subscription
  // leaves the list.
  for (int i = 0; i < 500 && ListedSubscriptions().size() != 2; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_THAT(ListedSubscriptions(),
              UnorderedElementsAre(kept_subscription, lost_subscription));

  ASSERT_NO_FATAL_FAILURE(RestoreDirectory());

  // Listed, nothing changed.
  ASSERT_EQ(Reconcile(/*fix=*/false), 0) << admin_log_;
  EXPECT_THAT(admin_log_, HasSubstr("billing: 3 checked against 2 of the directory's: "
                                    "2 mismatches, 0 fixed"));
  EXPECT_THAT(admin_log_,
              HasSubstr(absl::StrCat("SUBSCRIPTION_WITHOUT_CLIENT  ", lost_subscription,
                                     "  [fixable with --fix]")));
  EXPECT_THAT(admin_log_,
              HasSubstr(absl::StrCat("SUBSCRIPTION_OF_RETURNED_CLIENT  ",
                                     returned_subscription, "  [fixable with --fix]")));
  EXPECT_THAT(admin_log_, HasSubstr(absl::StrCat("IMPORT_JOB_WITHOUT_FIRM  ", orphan_job,
                                                 "  [for a person]")));
  EXPECT_THAT(ListedSubscriptions(),
              UnorderedElementsAre(kept_subscription, lost_subscription));

  // Fixed: billing lists what the directory has.
  ASSERT_EQ(Reconcile(/*fix=*/true), 0) << admin_log_;
  EXPECT_THAT(admin_log_, HasSubstr("2 mismatches, 2 fixed"));
  EXPECT_THAT(ListedSubscriptions(),
              UnorderedElementsAre(kept_subscription, returned_subscription));
  ASSERT_EQ(Reconcile(/*fix=*/false), 0) << admin_log_;
  EXPECT_THAT(admin_log_, HasSubstr("billing: 3 checked against 2 of the directory's: "
                                    "0 mismatches, 0 fixed"));
  EXPECT_THAT(admin_log_, HasSubstr(orphan_job)) << "a person's case stays listed";

  // A client created now never takes the name the restore forgot, so it
  // does not inherit the lost client's subscription.
  const v1::Client after = NewClient(firm_.name(), "alice", "After");
  EXPECT_NE(after.name(), lost.name());
  v1::GetSubscriptionRequest get;
  get.set_name(absl::StrCat(after.name(), "/subscription"));
  v1::Subscription none;
  EXPECT_THAT(cluster_.billing->GetSubscription(As("alice").get(), get, &none),
              StatusIs(absl::StatusCode::kNotFound));
}

// Racing calls share runs (each holds a set of all the directory's
// clients), but a call without fix never shares one that fixes.
TEST_F(ReconcileE2eTest, RacingCallsAllAnswerAndOnlyThoseAskingToFixFix) {
  Subscribe(NewClient(firm_.name(), "alice", "Kept"));
  ASSERT_NO_FATAL_FAILURE(BackUpDirectory());
  const std::string lost_subscription =
      Subscribe(NewClient(firm_.name(), "alice", "Lost"));
  ASSERT_NO_FATAL_FAILURE(RestoreDirectory());

  auto stub = v1::ReconcileService::NewStub(testing::Channel(cluster_.operator_target()));
  constexpr int kCallers = 16;
  std::vector<v1::ReconcileResponse> answers(kCallers);
  std::vector<grpc::Status> statuses(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      v1::ReconcileRequest req;
      req.set_fix(i % 2 == 1);
      statuses[i] = stub->Reconcile(As("ops", "operator").get(), req, &answers[i]);
    });
  }
  for (std::thread& caller : callers) caller.join();
  int fixed = 0;
  for (int i = 0; i < kCallers; ++i) {
    ASSERT_THAT(statuses[i], IsOk()) << statuses[i].error_message();
    const v1::ReconcileResponse& answer = answers[i];
    EXPECT_EQ(answer.checked_count(), 2);
    // Before the fix the lost client's subscription; after it, nothing.
    ASSERT_LE(answer.mismatch_count(), 1);
    ASSERT_EQ(answer.mismatches_size(), answer.mismatch_count());
    if (answer.mismatch_count() == 1) {
      EXPECT_EQ(answer.mismatches(0).name(), lost_subscription);
      EXPECT_EQ(answer.mismatches(0).fixed(), i % 2 == 1) << "caller " << i;
    }
    if (i % 2 == 0) {
      EXPECT_EQ(answer.fixed_count(), 0) << "caller " << i << " did not ask to fix";
    } else {
      fixed += answer.fixed_count();
    }
  }
  EXPECT_GE(fixed, 1);
  EXPECT_THAT(ListedSubscriptions(),
              ::testing::Not(::testing::Contains(lost_subscription)));
}

TEST_F(ReconcileE2eTest, OnlyAnOperatorMayReconcile) {
  for (const std::string& target :
       {cluster_.operator_target(), cluster_.import_operator_target()}) {
    auto stub = v1::ReconcileService::NewStub(testing::Channel(target));
    v1::ReconcileRequest fix;
    fix.set_fix(true);
    v1::ReconcileResponse response;
    EXPECT_THAT(stub->Reconcile(As("alice").get(), fix, &response),
                StatusIs(absl::StatusCode::kPermissionDenied))
        << target;
  }
}

}  // namespace
}  // namespace clientbook
