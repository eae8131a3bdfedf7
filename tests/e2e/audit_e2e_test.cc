// The three real binaries: one client is renamed, renumbered by an import
// job, merged with its duplicate and moved to wholesale billing by a
// transfer; after the directory and billing are killed and started again,
// the client's history in each service lists every step with its actor and
// values, and the two merge by commit time.
#include <signal.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "common/csv/csv.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/support/cluster.h"
#include "tests/support/csv_stream.h"
#include "tests/support/import_jobs.h"
#include "tests/support/status_matchers.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::google::protobuf::util::TimeUtil;
using testing::As;
using ::testing::ElementsAre;

class AuditE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(cluster_.Start(why)) << why;
    v1::Firm firm;
    ASSERT_THAT(testing::CreateFirmAs(*cluster_.directory, "alice", &firm), IsOk());
    firm_ = firm.name();
  }

  v1::Client NewClient(const std::string& name, const std::string& number) {
    v1::CreateClientRequest req;
    req.set_parent(firm_);
    req.set_allow_duplicate_name(true);
    req.set_make_me_primary_admin(true);
    req.mutable_client()->set_display_name(name);
    req.mutable_client()->set_client_type(v1::BUSINESS);
    req.mutable_client()->set_client_number(number);
    v1::Client client;
    EXPECT_THAT(cluster_.directory->CreateClient(As("alice").get(), req, &client),
                IsOk());
    return client;
  }

  // The client's number set to `number` by an import job that alice starts.
  void Renumber(const v1::Client& client, const std::string& number) {
    v1::ExportClientsRequest export_request;
    export_request.set_parent(firm_);
    auto export_context = As("alice");
    testing::CsvDownload download = testing::ReadCsv(
        *cluster_.import->ExportClients(export_context.get(), export_request));
    ASSERT_THAT(download.status, IsOk()) << download.status.error_message();
    std::vector<csv::Record> rows = csv::Parse(download.csv);
    std::string file = csv::Line(rows[0].fields);
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].fields[1] == client.display_name()) {
        file += csv::Line({rows[i].fields[0], rows[i].fields[1], number});
      }
    }
    v1::StartImportRequest start;
    start.set_parent(firm_);
    start.set_csv(file);
    v1::ImportJob job;
    ASSERT_THAT(cluster_.import->StartImport(As("alice").get(), start, &job), IsOk());
    auto watch_context = As("alice");
    ASSERT_THAT(testing::FollowToItsEnd(*cluster_.import, *watch_context, job), IsOk());
    ASSERT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
    job_ = job.name();
  }

  // Every entry of `parent`'s history in the service at `target`, newest
  // first, read as `user` a page of 2 at a time.
  static std::vector<v1::AuditEntry> History(const std::string& target,
                                             const std::string& parent) {
    auto stub = v1::ChangeService::NewStub(testing::Channel(target));
    std::vector<v1::AuditEntry> entries;
    v1::ListAuditEntriesRequest req;
    req.set_parent(parent);
    req.set_page_size(2);
    do {
      v1::ListAuditEntriesResponse page;
      grpc::Status s = stub->ListAuditEntries(As("alice").get(), req, &page);
      EXPECT_THAT(s, IsOk()) << s.error_message();
      if (!s.ok()) break;
      entries.insert(entries.end(), page.audit_entries().begin(),
                     page.audit_entries().end());
      req.set_page_token(page.next_page_token());
    } while (!req.page_token().empty());
    return entries;
  }

  // "TYPE by actor [via …] [request_id] path:before->after …", for compact
  // expectations over the fields the story changes.
  static std::string Line(const v1::AuditEntry& entry) {
    const v1::ChangeEvent& change = entry.change();
    std::string line =
        absl::StrCat(v1::ChangeEvent::Type_Name(change.type()), " by ", change.actor());
    if (!change.via().empty()) absl::StrAppend(&line, " via ", change.via());
    if (!change.request_id().empty())
      absl::StrAppend(&line, " [", change.request_id(), "]");
    if (!change.merged_into().empty())
      absl::StrAppend(&line, " into ", change.merged_into());
    for (const v1::FieldChange& field : entry.field_changes()) {
      if (field.path() != "client_number" && field.path() != "display_name" &&
          field.path() != "primary_admin_user_id" && field.path() != "plan") {
        continue;
      }
      absl::StrAppend(&line, " ", field.path(), ":", field.before().string_value(), "->",
                      field.after().string_value());
    }
    return line;
  }

  static std::vector<std::string> Lines(const std::vector<v1::AuditEntry>& entries) {
    std::vector<std::string> lines;
    for (const v1::AuditEntry& entry : entries) lines.push_back(Line(entry));
    return lines;
  }

  testing::Cluster cluster_;
  std::string firm_;
  std::string job_;
};

TEST_F(AuditE2eTest, AClientsHistoryAcrossServicesListsEveryStepAfterARestart) {
  v1::Client rossi = NewClient("Rossi SRL", "A-17");

  v1::UpdateClientRequest rename;
  rename.mutable_client()->set_name(rossi.name());
  rename.mutable_client()->set_display_name("Rossi & Figli SRL");
  rename.mutable_client()->set_etag(rossi.etag());
  rename.mutable_update_mask()->add_paths("display_name");
  ASSERT_THAT(cluster_.directory->UpdateClient(As("alice").get(), rename, &rossi),
              IsOk());

  ASSERT_NO_FATAL_FAILURE(Renumber(rossi, "A-18"));

  v1::Client duplicate = NewClient("Rossi and Figli", "");
  v1::MergeClientsRequest merge;
  merge.set_name(rossi.name());
  merge.set_source_client(duplicate.name());
  merge.set_request_id("merge-1");
  v1::MergeClientsResponse merged;
  ASSERT_THAT(cluster_.directory->MergeClients(As("alice").get(), merge, &merged),
              IsOk());

  v1::Subscription subscription;
  ASSERT_THAT(testing::AuthorizeMoveToWholesale(cluster_, "alice", firm_, rossi.name(),
                                                "rossi-owner", &subscription),
              IsOk());
  v1::BillingTransfer transfer;
  v1::CompleteBillingTransferRequest complete;
  complete.set_name(subscription.name());
  complete.set_request_id("move-1");
  ASSERT_THAT(
      cluster_.billing->CompleteBillingTransfer(As("alice").get(), complete, &transfer),
      IsOk());

  // Both stores die without a word and come back on their volumes.
  ASSERT_TRUE(cluster_.RestartDirectory(SIGKILL));
  cluster_.KillBilling();
  ASSERT_TRUE(cluster_.StartBilling());

  const std::vector<v1::AuditEntry> directory =
      History(cluster_.directory_target(), rossi.name());
  EXPECT_THAT(
      Lines(directory),
      ElementsAre(
          "UPDATED by alice primary_admin_user_id:alice->rossi-owner",
          "UPDATED by alice [merge-1]",  // the duplicate's empty fields filled in
          absl::StrCat("MERGED by alice [merge-1] into ", rossi.name()),
          absl::StrCat("UPDATED by alice via import ", job_, " [import-",
                       job_.substr(job_.rfind('/') + 1), "-1] client_number:A-17->A-18"),
          "UPDATED by alice display_name:Rossi SRL->Rossi & Figli SRL",
          "CREATED by alice display_name:->Rossi SRL client_number:->A-17 "
          "primary_admin_user_id:->alice"))
      << "the directory's history of the client";
  const std::vector<v1::AuditEntry> billing =
      History(cluster_.billing_target(), rossi.name());
  EXPECT_THAT(
      Lines(billing),
      ElementsAre("TRANSFER_COMPLETED by alice [move-1] plan:DIRECT_DISCOUNT->WHOLESALE",
                  "TRANSFER_AUTHORIZED by rossi-owner",
                  "TRIAL_STARTED by alice plan:->DIRECT_DISCOUNT"))
      << "billing's history of the client's subscription";

  // One story, merged by commit time as the README shows.
  std::vector<v1::AuditEntry> story = directory;
  story.insert(story.end(), billing.begin(), billing.end());
  std::stable_sort(story.begin(), story.end(), [](const auto& a, const auto& b) {
    return TimeUtil::TimestampToMicroseconds(a.change().commit_time()) <
           TimeUtil::TimestampToMicroseconds(b.change().commit_time());
  });
  EXPECT_TRUE(absl::StartsWith(Line(story.front()), "CREATED by alice display_name"));
  EXPECT_TRUE(absl::StartsWith(Line(story.back()), "TRANSFER_COMPLETED"));
}

}  // namespace
}  // namespace clientbook
