// Three cells behind the front door (HAProxy with deploy/local/proxy-config's
// configuration), as deploy/local/run --cells 3 runs them: new firms spread
// over the cells, every call of a firm reaches its cell by the routing
// header, operators move a firm or drain a cell at runtime, and one cell's
// death touches no other cell's firms.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "clientbook/v1/backup.grpc.pb.h"
#include "clientbook/v1/billing.grpc.pb.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "clientbook/v1/import.grpc.pb.h"
#include "clientbook/v1/workspace.grpc.pb.h"
#include "common/client/routing_header.h"
#include "common/csv/csv.h"
#include "common/names/cell.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "common/tls/credentials.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/await_status.h"
#include "tests/support/cells.h"
#include "tests/support/cluster.h"
#include "tests/support/csv_stream.h"
#include "tests/support/import_jobs.h"
#include "tests/support/loopback.h"
#include "tests/support/status_matchers.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::AllOf;
using ::testing::AnyOf;
using testing::As;
using testing::ExpectWrongCell;
using ::testing::HasSubstr;

uint64_t IdOf(const std::string& firm) {
  uint64_t id = 0;
  EXPECT_TRUE(absl::SimpleAtoi(absl::string_view(firm).substr(6), &id)) << firm;
  return id;
}
uint32_t CellOf(const std::string& firm) {
  return static_cast<uint32_t>(IdOf(firm) / names::Cell::kIdsPerCell);
}

#define ASSERT_OK(call)                                                             \
  do {                                                                              \
    const grpc::Status status_ = (call);                                            \
    ASSERT_THAT(status_, IsOk())                                                    \
        << #call << ": " << status_.error_code() << " " << status_.error_message(); \
  } while (0)

class FrontDoorE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<testing::CellProcesses*> cells;
    for (uint32_t k : {0u, 1u, 2u}) {
      cells_.push_back(std::make_unique<testing::CellProcesses>(dir_, names::Cell{k}));
      ASSERT_TRUE(cells_.back()->Start());
      cells.push_back(cells_.back().get());
    }
    accounts_target_ = absl::StrCat("127.0.0.1:", testing::FreePort());
    accounts_operator_ = absl::StrCat("127.0.0.1:", testing::FreePort());
    accounts_ = testing::AccountsFor(dir_, cells, accounts_target_, accounts_operator_);
    ASSERT_TRUE(accounts_->Start());
    std::string why;
    for (testing::CellProcesses* cell : cells) ASSERT_TRUE(cell->WaitServing(why)) << why;
    ASSERT_TRUE(accounts_->WaitServing(accounts_target_)) << accounts_->Log();
    proxy_ = std::make_unique<testing::FrontDoor>(dir_, cells, accounts_target_);
    ASSERT_TRUE(proxy_->Start(why)) << why;
    auto channel =
        client::RoutedChannel(proxy_->target(), grpc::InsecureChannelCredentials());
    directory_ = v1::DirectoryService::NewStub(channel);
    workspace_ = v1::WorkspaceService::NewStub(channel);
    billing_ = v1::BillingService::NewStub(channel);
    import_ = v1::ImportService::NewStub(channel);
    changes_ = v1::ChangeService::NewStub(channel);
  }

  // Firms created through the front door until one lands in `cell` (the
  // proxy takes the cells in turn).
  v1::Firm FirmIn(uint32_t cell) {
    for (int attempt = 0; attempt < 6; ++attempt) {
      v1::Firm firm;
      EXPECT_THAT(testing::CreateFirmAs(*directory_, "alice", &firm), IsOk());
      if (CellOf(firm.name()) == cell) return firm;
    }
    ADD_FAILURE() << "no firm landed in cells/" << cell;
    return {};
  }

  // Watches `job` through the door (a server stream) until it ends; `job`
  // is then its last state.
  grpc::Status FollowToItsEnd(v1::ImportJob& job) {
    auto context = As("alice");
    return testing::FollowToItsEnd(*import_, *context, job);
  }

  v1::Client ClientOf(const std::string& firm, const std::string& name) {
    v1::CreateClientRequest create;
    create.set_parent(firm);
    create.mutable_client()->set_display_name(name);
    create.mutable_client()->set_client_type(v1::BUSINESS);
    v1::Client client;
    const grpc::Status status =
        directory_->CreateClient(As("alice").get(), create, &client);
    EXPECT_THAT(status, IsOk()) << status.error_message();
    return client;
  }

  // alice with her proven address: the invitee of the invitation tests.
  static std::unique_ptr<grpc::ClientContext> AsInvitee() {
    auto context = As("alice");
    context->AddMetadata("x-user-email", "alice@studio.example");
    return context;
  }

  // rossi-owner invites alice to connect `display_name`, through `stub`.
  static v1::Invitation Invite(v1::DirectoryService::Stub& stub,
                               const std::string& display_name = "Rossi SRL",
                               const std::string& request_id = "") {
    v1::CreateInvitationRequest create;
    create.set_request_id(request_id);
    create.mutable_invitation()->set_client_display_name(display_name);
    create.mutable_invitation()->set_client_type(v1::BUSINESS);
    create.mutable_invitation()->set_invitee_email("alice@studio.example");
    v1::Invitation invitation;
    const grpc::Status status =
        stub.CreateInvitation(As("rossi-owner").get(), create, &invitation);
    EXPECT_THAT(status, IsOk()) << status.error_message();
    return invitation;
  }

  // alice accepts `invitation` into `firm` through the door: accepted, its
  // company a client of that firm.
  void ExpectAcceptedInto(const v1::Invitation& invitation, const v1::Firm& firm) {
    v1::AcceptInvitationRequest accept;
    accept.set_token(invitation.token());
    accept.set_firm(firm.name());
    v1::Invitation accepted;
    const grpc::Status status =
        directory_->AcceptInvitation(AsInvitee().get(), accept, &accepted);
    ASSERT_THAT(status, IsOk()) << status.error_message();
    EXPECT_EQ(accepted.state(), v1::ACCEPTED);
    EXPECT_TRUE(absl::StartsWith(accepted.client(), firm.name() + "/clients/"))
        << accepted.client();
  }

  // clientbook-admin run to its end with `args`: its exit code; its output
  // in admin_log_.
  int Admin(std::vector<std::string> args) {
    return testing::RunToEnd(ADMIN_BINARY, std::move(args), dir_.Sub("admin.log"),
                             admin_log_);
  }

  testing::TempDir dir_;
  std::string admin_log_;
  std::vector<std::unique_ptr<testing::CellProcesses>> cells_;
  std::string accounts_target_;
  std::string accounts_operator_;
  std::unique_ptr<testing::ServiceProcess> accounts_;
  std::unique_ptr<testing::FrontDoor> proxy_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
  std::unique_ptr<v1::WorkspaceService::Stub> workspace_;
  std::unique_ptr<v1::BillingService::Stub> billing_;
  std::unique_ptr<v1::ImportService::Stub> import_;
  std::unique_ptr<v1::ChangeService::Stub> changes_;
};

TEST_F(FrontDoorE2eTest, NewFirmsSpreadOverTheCellsAndEveryCallOfAFirmReachesItsCell) {
  std::set<uint32_t> landed;
  for (int i = 0; i < 3; ++i) {
    v1::Firm firm;
    ASSERT_OK(testing::CreateFirmAs(*directory_, "alice", &firm));
    landed.insert(CellOf(firm.name()));
  }
  EXPECT_EQ(landed, (std::set<uint32_t>{0, 1, 2}));

  // The tour, for a firm of cell 2, every service and every kind of stream.
  const v1::Firm firm = FirmIn(2);
  ASSERT_FALSE(firm.name().empty());
  v1::GetFirmRequest get_firm;
  get_firm.set_name(firm.name());
  v1::Firm read_firm;
  ASSERT_OK(directory_->GetFirm(As("alice").get(), get_firm, &read_firm));
  v1::UpdateFirmRequest update_firm;
  update_firm.mutable_firm()->set_name(firm.name());
  update_firm.mutable_firm()->set_display_name("Studio Tre");
  update_firm.mutable_update_mask()->add_paths("display_name");
  ASSERT_OK(directory_->UpdateFirm(As("alice").get(), update_firm, &read_firm));
  v1::AddFirmMemberRequest add_member;
  add_member.set_parent(firm.name());
  add_member.mutable_member()->set_user_id("bob");
  add_member.mutable_member()->set_email("bob@studio.example");
  add_member.mutable_member()->set_role(v1::STAFF);
  v1::FirmMember bob;
  ASSERT_OK(directory_->AddFirmMember(As("alice").get(), add_member, &bob));
  v1::ListFirmMembersRequest list_members;
  list_members.set_parent(firm.name());
  v1::ListFirmMembersResponse members;
  ASSERT_OK(directory_->ListFirmMembers(As("alice").get(), list_members, &members));
  EXPECT_EQ(members.members_size(), 2);

  v1::Client rossi = ClientOf(firm.name(), "Rossi SRL");
  EXPECT_EQ(CellOf(rossi.name().substr(0, rossi.name().find("/clients"))), 2u);
  v1::GetClientRequest get_client;
  get_client.set_name(rossi.name());
  ASSERT_OK(directory_->GetClient(As("bob").get(), get_client, &rossi));
  v1::UpdateClientRequest update_client;
  *update_client.mutable_client() = rossi;
  update_client.mutable_client()->set_email("info@rossi.example");
  update_client.mutable_update_mask()->add_paths("email");
  ASSERT_OK(directory_->UpdateClient(As("alice").get(), update_client, &rossi));
  v1::ListClientsRequest list_clients;
  list_clients.set_parent(firm.name());
  v1::ListClientsResponse clients;
  ASSERT_OK(directory_->ListClients(As("alice").get(), list_clients, &clients));
  EXPECT_EQ(clients.clients_size(), 1);
  v1::BatchUpdateClientNumbersRequest numbers;
  numbers.set_parent(firm.name());
  auto* number = numbers.add_requests();
  number->set_client(rossi.name());
  number->set_client_number("R-1");
  v1::BatchUpdateClientNumbersResponse numbered;
  ASSERT_OK(directory_->BatchUpdateClientNumbers(As("alice").get(), numbers, &numbered));

  v1::SubscribeClientRequest subscribe;
  subscribe.set_parent(rossi.name());
  subscribe.mutable_subscription()->set_plan(v1::DIRECT_DISCOUNT);
  subscribe.mutable_subscription()->add_products(v1::PLUS);
  v1::Subscription subscription;
  ASSERT_OK(billing_->SubscribeClient(As("alice").get(), subscribe, &subscription));
  v1::ListSubscriptionsRequest list_subscriptions;
  list_subscriptions.set_parent(firm.name());
  v1::ListSubscriptionsResponse subscriptions;
  ASSERT_OK(
      billing_->ListSubscriptions(As("alice").get(), list_subscriptions, &subscriptions));
  EXPECT_EQ(subscriptions.subscriptions_size(), 1);

  v1::CreateNoteRequest note;
  note.set_parent(firm.name());
  note.mutable_note()->set_client(rossi.name());
  note.mutable_note()->set_kind(v1::Note::GENERAL);
  note.mutable_note()->set_text("Called about VAT");
  v1::Note written;
  ASSERT_OK(workspace_->CreateNote(As("alice").get(), note, &written));
  v1::ListNotesRequest list_notes;
  list_notes.set_parent(firm.name());
  list_notes.set_client(rossi.name());
  v1::ListNotesResponse notes;
  ASSERT_OK(workspace_->ListNotes(As("alice").get(), list_notes, &notes));
  EXPECT_EQ(notes.notes_size(), 1);

  // Server streams: the export, a job followed to its end, the feed.
  v1::ExportClientsRequest export_clients;
  export_clients.set_parent(firm.name());
  auto export_context = As("alice");
  testing::CsvDownload exported =
      testing::ReadCsv(*import_->ExportClients(export_context.get(), export_clients));
  ASSERT_OK(exported.status);
  std::vector<csv::Record> rows = csv::Parse(exported.csv);
  ASSERT_EQ(rows.size(), 2u) << exported.csv;
  // A client stream, with its metadata corked so the header leaves with the
  // first message.
  auto upload_context = As("alice");
  upload_context->set_initial_metadata_corked(true);
  v1::ImportJob job;
  auto upload = import_->UploadImport(upload_context.get(), &job);
  v1::UploadImportRequest first;
  first.set_parent(firm.name());
  first.set_csv(csv::Line(rows[0].fields) +
                csv::Line({rows[1].fields[0], rows[1].fields[1], "R-2"}));
  ASSERT_TRUE(upload->Write(first));
  ASSERT_TRUE(upload->WritesDone());
  ASSERT_OK(upload->Finish());
  ASSERT_OK(FollowToItsEnd(job));
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED);
  v1::ListImportJobsRequest list_jobs;
  list_jobs.set_parent(firm.name());
  v1::ListImportJobsResponse jobs;
  ASSERT_OK(import_->ListImportJobs(As("alice").get(), list_jobs, &jobs));
  EXPECT_EQ(jobs.import_jobs_size(), 1);

  v1::ListChangesRequest list_changes;
  list_changes.set_parent(firm.name());
  v1::ListChangesResponse changes;
  ASSERT_OK(changes_->ListChanges(As("alice").get(), list_changes, &changes));
  EXPECT_FALSE(changes.events().empty());
  v1::ListAuditEntriesRequest audit;
  audit.set_parent(rossi.name());
  v1::ListAuditEntriesResponse entries;
  ASSERT_OK(changes_->ListAuditEntries(As("alice").get(), audit, &entries));
  EXPECT_FALSE(entries.audit_entries().empty());
  v1::WatchChangesRequest watch_changes;
  watch_changes.set_parent(firm.name());
  watch_changes.set_start(v1::WatchChangesRequest::SNAPSHOT);
  auto feed_context = As("alice");
  auto feed = changes_->WatchChanges(feed_context.get(), watch_changes);
  v1::WatchChangesResponse batch;
  ASSERT_TRUE(feed->Read(&batch));
  feed_context->TryCancel();
  feed->Finish();

  get_client.set_name(rossi.name());
  ASSERT_OK(directory_->GetClient(As("alice").get(), get_client, &rossi));
  EXPECT_EQ(rossi.client_number(), "R-2");

  // Straight to the wrong cell, or through the door without the header
  // (cell 0 answers then): loud, naming the cell that holds the firm.
  auto cell0 =
      v1::DirectoryService::NewStub(testing::Channel(cells_[0]->directory_target()));
  v1::Firm other;
  ExpectWrongCell(cell0->GetFirm(As("alice").get(), get_firm, &other), "cells/2");
  auto unrouted = v1::DirectoryService::NewStub(testing::Channel(proxy_->target()));
  ExpectWrongCell(unrouted->GetFirm(As("alice").get(), get_firm, &other), "cells/2");
  // A cell the door does not know: UNAVAILABLE at once, a real gRPC status.
  get_firm.set_name(absl::StrCat("firms/", names::Cell{7}.first_id() + 1));
  const grpc::Status missing = directory_->GetFirm(As("alice").get(), get_firm, &other);
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(missing.error_message(), HasSubstr("no cell 7"));

  // Oversized metadata is refused at the door for that call alone; the
  // pooled connections to the cells serve the next call.
  auto oversized = As("alice");
  oversized->AddMetadata("x-padding", std::string(9000, 'a'));
  get_firm.set_name(firm.name());
  EXPECT_THAT(directory_->GetFirm(oversized.get(), get_firm, &other),
              StatusIs(absl::StatusCode::kResourceExhausted));
  ASSERT_OK(directory_->GetFirm(As("alice").get(), get_firm, &other));
}

// More of the README's tour through the door, for a firm of cell 1: nested
// routing fields, a job's errors and report, a client's whole lifecycle.
TEST_F(FrontDoorE2eTest, TheRestOfTheTourWorksThroughTheDoor) {
  const v1::Firm firm = FirmIn(1);
  v1::Client rossi = ClientOf(firm.name(), "Rossi SRL");
  v1::DeactivateClientRequest deactivate;
  deactivate.set_name(rossi.name());
  ASSERT_OK(directory_->DeactivateClient(As("alice").get(), deactivate, &rossi));
  v1::ReactivateClientRequest reactivate;
  reactivate.set_name(rossi.name());
  ASSERT_OK(directory_->ReactivateClient(As("alice").get(), reactivate, &rossi));
  v1::UpdateClientListViewRequest view;
  view.mutable_client_list_view()->set_name(firm.name() +
                                            "/members/alice/clientListView");
  view.mutable_client_list_view()->add_columns("display_name");
  view.mutable_client_list_view()->add_columns("client_number");
  v1::ClientListView saved;
  ASSERT_OK(directory_->UpdateClientListView(As("alice").get(), view, &saved));
  v1::GetClientListViewRequest get_view;
  get_view.set_name(saved.name());
  ASSERT_OK(directory_->GetClientListView(As("alice").get(), get_view, &saved));
  EXPECT_EQ(saved.columns_size(), 2);

  v1::CreateTodoRequest todo;
  todo.set_parent(firm.name());
  todo.mutable_todo()->set_client(rossi.name());
  todo.mutable_todo()->set_title("VAT return");
  todo.mutable_todo()->set_assignee(firm.name() + "/members/alice");
  v1::Todo created;
  ASSERT_OK(workspace_->CreateTodo(As("alice").get(), todo, &created));
  v1::GetClientWorkSummaryRequest summary;
  summary.set_client(rossi.name());
  v1::ClientWorkSummary work;
  ASSERT_OK(workspace_->GetClientWorkSummary(As("alice").get(), summary, &work));

  v1::SubscribeClientRequest subscribe;
  subscribe.set_parent(rossi.name());
  subscribe.mutable_subscription()->set_plan(v1::DIRECT_DISCOUNT);
  subscribe.mutable_subscription()->add_products(v1::PLUS);
  v1::Subscription subscription;
  ASSERT_OK(billing_->SubscribeClient(As("alice").get(), subscribe, &subscription));
  v1::AddProductRequest product;
  product.set_name(subscription.name());
  product.set_product(v1::PAYROLL);
  const grpc::Status payroll =
      billing_->AddProduct(As("alice").get(), product, &subscription);
  // Payroll needs wholesale: the cell's rule, answered through the door.
  EXPECT_THAT(payroll, StatusIs(absl::StatusCode::kFailedPrecondition))
      << payroll.error_message();

  // A job with a refused row: its errors and its report.
  v1::StartImportRequest start;
  start.set_parent(firm.name());
  start.set_csv("Company ID,Display Name,Client Number\r\nnobody,Nobody,N-1\r\n");
  v1::ImportJob job;
  ASSERT_OK(import_->StartImport(As("alice").get(), start, &job));
  ASSERT_OK(FollowToItsEnd(job));
  v1::ListImportErrorsRequest errors;
  errors.set_parent(job.name());
  v1::ListImportErrorsResponse listed_errors;
  ASSERT_OK(import_->ListImportErrors(As("alice").get(), errors, &listed_errors));
  EXPECT_EQ(listed_errors.errors_size(), 1);
  v1::DownloadErrorReportRequest report;
  report.set_name(job.name());
  auto report_context = As("alice");
  testing::CsvDownload downloaded =
      testing::ReadCsv(*import_->DownloadErrorReport(report_context.get(), report));
  ASSERT_OK(downloaded.status);
  EXPECT_THAT(downloaded.csv, HasSubstr("nobody"));

  v1::DeleteClientRequest remove;
  remove.set_name(rossi.name());
  google::protobuf::Empty deleted;
  ASSERT_OK(directory_->DeleteClient(As("alice").get(), remove, &deleted));
  v1::GetClientRequest get;
  get.set_name(rossi.name());
  EXPECT_THAT(directory_->GetClient(As("alice").get(), get, &rossi),
              StatusIs(absl::StatusCode::kNotFound));
}

// The names of `user`'s firms, as ListMyFirms through the door answers,
// once they are `expected`, or when a second has passed since `since`: how
// long they took.
absl::Duration UntilMyFirmsAre(v1::DirectoryService::Stub& directory,
                               const std::string& user,
                               const std::set<std::string>& expected, absl::Time since,
                               std::set<std::string>& listed) {
  while (true) {
    v1::ListMyFirmsResponse firms;
    listed.clear();
    if (directory.ListMyFirms(As(user).get(), {}, &firms).ok()) {
      for (const v1::Firm& firm : firms.firms()) listed.insert(firm.name());
    }
    const absl::Duration took = absl::Now() - since;
    if (listed == expected || took > absl::Seconds(1)) return took;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

TEST_F(FrontDoorE2eTest, AUsersFirmsInEveryCellAreListedWithinASecondOfJoining) {
  std::set<std::string> alices;
  for (uint32_t k : {0u, 1u, 2u}) alices.insert(FirmIn(k).name());
  std::set<std::string> listed;
  EXPECT_LE(UntilMyFirmsAre(*directory_, "alice", alices, absl::Now(), listed),
            absl::Seconds(1));
  EXPECT_EQ(listed, alices);
  // A firm's details come by a feed of their own (firms, not members): a
  // member's firm is listed by its name at once, its display name as soon
  // as that feed brings it, within the same second.
  v1::ListMyFirmsResponse firms;
  const absl::Time until = absl::Now() + absl::Seconds(1);
  do {
    ASSERT_OK(directory_->ListMyFirms(As("alice").get(), {}, &firms));
  } while (
      std::any_of(firms.firms().begin(), firms.firms().end(),
                  [](const v1::Firm& firm) { return firm.display_name().empty(); }) &&
      absl::Now() < until);
  for (const v1::Firm& firm : firms.firms()) EXPECT_EQ(firm.display_name(), "Studio");

  // Bob joins a firm of cell 2, then leaves it.
  const std::string joined = *alices.rbegin();
  v1::AddFirmMemberRequest add;
  add.set_parent(joined);
  add.mutable_member()->set_user_id("bob");
  add.mutable_member()->set_email("bob@studio.example");
  add.mutable_member()->set_role(v1::STAFF);
  v1::FirmMember bob;
  ASSERT_OK(directory_->AddFirmMember(As("alice").get(), add, &bob));
  EXPECT_LE(UntilMyFirmsAre(*directory_, "bob", {joined}, absl::Now(), listed),
            absl::Seconds(1));
  EXPECT_EQ(listed, std::set<std::string>{joined});
  v1::RemoveFirmMemberRequest remove;
  remove.set_name(bob.name());
  v1::RemoveFirmMemberResponse removed;
  ASSERT_OK(directory_->RemoveFirmMember(As("alice").get(), remove, &removed));
  EXPECT_LE(UntilMyFirmsAre(*directory_, "bob", {}, absl::Now(), listed),
            absl::Seconds(1));
  EXPECT_TRUE(listed.empty());

  // A stranger's firms are their own; accounts holds the firms' records but
  // serves no firm's call (the cells do, checking their members).
  ASSERT_OK(directory_->ListMyFirms(As("mallory").get(), {}, &firms));
  EXPECT_TRUE(firms.firms().empty());
  auto accounts = v1::DirectoryService::NewStub(testing::Channel(accounts_target_));
  v1::GetFirmRequest get;
  get.set_name(joined);
  v1::Firm firm;
  const grpc::Status unserved = accounts->GetFirm(As("mallory").get(), get, &firm);
  EXPECT_THAT(unserved, StatusIs(absl::StatusCode::kUnimplemented));
  // Saying where it goes, where gRPC's own answer says nothing.
  EXPECT_THAT(unserved.error_message(),
              AllOf(HasSubstr("/clientbook.v1.DirectoryService/GetFirm"),
                    HasSubstr("accounts' API"), HasSubstr("the firm's cell")));
}

// Invitations belong to no firm until accepted: accounts keeps them, and an
// accept makes the client in the chosen firm's cell, once, through that
// cell's own API with the invitee's credentials; a cell refuses anyone but
// accounts who asks it to connect an invitation.
TEST_F(FrontDoorE2eTest, InvitationsLiveInAccountsAndAcceptIntoAnyCellsFirm) {
  const v1::Firm firm = FirmIn(2);
  const v1::Invitation invitation = Invite(*directory_);
  const std::string name_prefix = "invitations/";
  uint64_t id = 0;
  ASSERT_TRUE(absl::SimpleAtoi(invitation.name().substr(name_prefix.size()), &id));
  EXPECT_GE(id, names::kFirstAccountsId);

  v1::ListInvitationsRequest list;
  list.set_invitee_email("alice@studio.example");
  v1::ListInvitationsResponse listed;
  ASSERT_OK(directory_->ListInvitations(AsInvitee().get(), list, &listed));
  ASSERT_EQ(listed.invitations_size(), 1);
  EXPECT_EQ(listed.invitations(0).name(), invitation.name());

  // Into a firm she is not a member of: the firm's cell refuses; she then
  // chooses her own, in another cell.
  v1::Firm strangers;
  ASSERT_OK(testing::CreateFirmAs(*directory_, "bruno", &strangers));
  v1::AcceptInvitationRequest accept;
  accept.set_token(invitation.token());
  accept.set_firm(strangers.name());
  v1::Invitation accepted;
  EXPECT_THAT(directory_->AcceptInvitation(AsInvitee().get(), accept, &accepted),
              StatusIs(absl::StatusCode::kPermissionDenied));
  accept.set_firm(firm.name());
  ASSERT_OK(directory_->AcceptInvitation(AsInvitee().get(), accept, &accepted));
  EXPECT_EQ(accepted.state(), v1::ACCEPTED);
  ASSERT_TRUE(absl::StartsWith(accepted.client(), firm.name() + "/clients/"))
      << accepted.client();
  v1::GetClientRequest get;
  get.set_name(accepted.client());
  v1::Client client;
  ASSERT_OK(directory_->GetClient(As("alice").get(), get, &client));
  EXPECT_EQ(client.display_name(), "Rossi SRL");
  EXPECT_EQ(client.primary_admin_user_id(), "rossi-owner");
  grpc::Status again = directory_->AcceptInvitation(AsInvitee().get(), accept, &accepted);
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(again.error_message(), ::testing::HasSubstr("already accepted"));

  // Straight to the cell, without accounts vouching: refused, nothing made.
  auto cell2 =
      v1::DirectoryService::NewStub(testing::Channel(cells_[2]->directory_target()));
  v1::ConnectInvitedClientRequest connect;
  connect.set_parent(firm.name());
  *connect.mutable_invitation() = invitation;
  connect.mutable_invitation()->set_company_id(
      std::to_string(names::kFirstAccountsId + 999));
  const grpc::Status unvouched =
      cell2->ConnectInvitedClient(AsInvitee().get(), connect, &client);
  EXPECT_THAT(unvouched, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(errors::ReasonMetadataOf(FromGrpcStatus(unvouched))["role"], "platform");

  // accounts' own feed, for the platform: the invitation made, then
  // accepted into the firm, by whom, never with its token.
  auto accounts_changes = v1::ChangeService::NewStub(testing::Channel(accounts_target_));
  v1::ListChangesRequest changes;
  changes.set_parent("firms/-");
  v1::ListChangesResponse feed;
  EXPECT_THAT(accounts_changes->ListChanges(AsInvitee().get(), changes, &feed),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_OK(
      accounts_changes->ListChanges(As("search", "platform").get(), changes, &feed));
  std::vector<std::string> seen;
  for (const v1::ChangeEvent& event : feed.events()) {
    EXPECT_EQ(event.name(), invitation.name());
    EXPECT_TRUE(event.resource().invitation().token().empty()) << "a token in a feed";
    seen.push_back(
        absl::StrCat(v1::ChangeEvent::Type_Name(event.type()), " ", event.actor(), " ",
                     v1::InvitationState_Name(event.resource().invitation().state())));
  }
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), "CREATED rossi-owner PENDING");
  EXPECT_EQ(seen.back(), "UPDATED alice ACCEPTED");
  changes.set_parent(firm.name());
  EXPECT_THAT(accounts_changes->ListChanges(AsInvitee().get(), changes, &feed),
              StatusIs(absl::StatusCode::kPermissionDenied))
      << "a firm's members read its changes at its cell, not here";
}

// accounts' volume holds the invitations: it backs itself up like a cell's
// service, and a lost volume comes back from the backup with every
// invitation made before it, none after, and ids never handed out twice;
// the firms index is rebuilt from the cells' feeds.
TEST_F(FrontDoorE2eTest, AccountsRestoredFromABackupKeepsItsInvitationsAndIds) {
  const v1::Firm firm = FirmIn(1);
  const v1::Invitation before = Invite(*directory_, "Before SRL");
  auto backups = v1::BackupService::NewStub(testing::Channel(accounts_operator_));
  v1::Backup backup;
  EXPECT_THAT(backups->CreateBackup(As("alice").get(), {}, &backup),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_OK(backups->CreateBackup(As("ops", "operator").get(), {}, &backup));
  EXPECT_EQ(backup.service(), "accounts");
  const v1::Invitation after = Invite(*directory_, "After SRL");

  ASSERT_EQ(accounts_->Stop(SIGTERM), 0) << accounts_->Log();
  std::filesystem::remove_all(dir_.Sub("accounts"));
  ASSERT_EQ(Admin({"restore", "--from=" + dir_.Sub("accounts-backups"),
                   "--data_dir=" + dir_.Sub("accounts")}),
            0)
      << admin_log_;
  ASSERT_TRUE(accounts_->Start());
  ASSERT_TRUE(accounts_->WaitServing(accounts_target_)) << accounts_->Log();
  ASSERT_TRUE(proxy_->WaitBackendUp("accounts")) << proxy_->Log();

  v1::ListInvitationsRequest list;
  list.set_invitee_email("alice@studio.example");
  v1::ListInvitationsResponse listed;
  ASSERT_OK(directory_->ListInvitations(AsInvitee().get(), list, &listed));
  ASSERT_EQ(listed.invitations_size(), 1) << "the one made after the backup is gone";
  EXPECT_EQ(listed.invitations(0).name(), before.name());
  const v1::Invitation again = Invite(*directory_, "Again SRL");
  EXPECT_NE(again.name(), after.name()) << "an id handed out before the restore";
  EXPECT_GT(again.name(), after.name());

  // The index comes back from the cells' feeds; the link the invitee holds
  // still opens her invitation.
  bool listed_again = false;
  for (int attempt = 0; attempt < 100 && !listed_again; ++attempt) {
    v1::ListMyFirmsResponse mine;
    ASSERT_OK(directory_->ListMyFirms(As("alice").get(), {}, &mine));
    for (const v1::Firm& each : mine.firms()) listed_again |= each.name() == firm.name();
    if (!listed_again) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(listed_again) << firm.name() << " is not among alice's firms";
  ExpectAcceptedInto(before, firm);
}

// A deployment of one cell moving to several: the invitations pending in
// cell 0's directory move into accounts (clientbook-admin move-invitations,
// both stopped), keeping their names, links and request ids, and accept into
// a firm of any cell.
TEST_F(FrontDoorE2eTest, ALoneCellsPendingInvitationsMoveToAccountsAndAcceptAnywhere) {
  const v1::Firm firm = FirmIn(2);
  auto cell0 =
      v1::DirectoryService::NewStub(testing::Channel(cells_[0]->directory_target()));
  const v1::Invitation made_before_cells = Invite(*cell0, "Rossi SRL", "invite-rossi");

  ASSERT_EQ(accounts_->Stop(SIGTERM), 0) << accounts_->Log();
  ASSERT_EQ(cells_[0]->directory().Stop(SIGTERM), 0) << cells_[0]->directory().Log();
  ASSERT_EQ(Admin({"move-invitations",
                   "--directory_data_dir=" + cells_[0]->directory_data_dir(),
                   "--accounts_data_dir=" + dir_.Sub("accounts"), "--user=ops"}),
            0)
      << admin_log_;
  EXPECT_THAT(admin_log_, HasSubstr("1 pending invitations moved"));
  ASSERT_TRUE(cells_[0]->directory().Start());
  ASSERT_TRUE(accounts_->Start());
  ASSERT_TRUE(cells_[0]->directory().WaitServing(cells_[0]->directory_target()));
  ASSERT_TRUE(accounts_->WaitServing(accounts_target_)) << accounts_->Log();
  ASSERT_TRUE(proxy_->WaitBackendUp(absl::StrCat("c", cells_[0]->cell().id, "_directory")))
      << proxy_->Log();
  ASSERT_TRUE(proxy_->WaitBackendUp("accounts")) << proxy_->Log();

  v1::ListInvitationsRequest list;
  list.set_invitee_email("alice@studio.example");
  v1::ListInvitationsResponse listed;
  ASSERT_OK(directory_->ListInvitations(AsInvitee().get(), list, &listed));
  ASSERT_EQ(listed.invitations_size(), 1);
  EXPECT_EQ(listed.invitations(0).name(), made_before_cells.name());
  ASSERT_OK(cell0->ListInvitations(AsInvitee().get(), list, &listed));
  EXPECT_EQ(listed.invitations_size(), 0) << "answered in one place only";
  // The inviter's retry under its request id, whose answer was lost before
  // the move, is answered the invitation moved: nothing is sent twice.
  const v1::Invitation retried = Invite(*directory_, "Rossi SRL", "invite-rossi");
  EXPECT_EQ(retried.name(), made_before_cells.name());
  EXPECT_EQ(retried.token(), made_before_cells.token());

  ExpectAcceptedInto(made_before_cells, firm);
}

// Routing headers that are malformed, hostile or lying: every call gets a
// real gRPC status at once — served, refused by a cell, or refused by the
// door — never an HTTP error page, a hang or another cell's data.
TEST_F(FrontDoorE2eTest, MalformedRoutingHeadersGetAClearStatusAndNoOtherCellsData) {
  const v1::Firm firm = FirmIn(1);
  auto unrouted = v1::DirectoryService::NewStub(testing::Channel(proxy_->target()));
  v1::GetFirmRequest get;
  get.set_name(firm.name());
  for (const std::string& header :
       {std::string("%zz"), std::string("name=firms%2F") + std::string(30, '9'),
        std::string("name=firms%2F-1"), std::string("&&&==="),
        std::string("name=firms%2F2000000000001"),
        std::string("name=firms/0001000000000000"),
        std::string("name=firms%2F1000000000000%2F..%2F..%2Fx"),
        std::string("parent=firms%2F") + std::string(2000, '1')}) {
    SCOPED_TRACE(header.substr(0, 60));
    auto context = As("alice");
    context->AddMetadata(client::kRoutingHeader, header);
    v1::Firm read;
    const grpc::Status status = unrouted->GetFirm(context.get(), get, &read);
    EXPECT_THAT(status, ::testing::Not(StatusIs(absl::StatusCode::kUnknown)))
        << status.error_message();
    EXPECT_THAT(status, ::testing::Not(StatusIs(absl::StatusCode::kInternal)))
        << status.error_message();
    EXPECT_THAT(status, ::testing::Not(StatusIs(absl::StatusCode::kDeadlineExceeded)));
    // Served only where the firm is: its own cell answered.
    if (status.ok()) {
      EXPECT_EQ(read.name(), firm.name());
    }
  }
  // A header that sends the call to another cell gets that cell's refusal.
  auto context = As("alice");
  context->AddMetadata(client::kRoutingHeader, "name=firms%2F2000000000001");
  v1::Firm read;
  ExpectWrongCell(unrouted->GetFirm(context.get(), get, &read), "cells/1");
}

TEST_F(FrontDoorE2eTest, OperatorsDrainACellAndMoveAFirmAtRuntime) {
  const v1::Firm moved = FirmIn(1);
  // Drained from CreateFirm, cell 1 takes no new firm.
  EXPECT_EQ(proxy_->Command("set weight create_firm/c1 0"), "\n");
  for (int i = 0; i < 6; ++i) {
    v1::Firm firm;
    ASSERT_OK(testing::CreateFirmAs(*directory_, "alice", &firm));
    EXPECT_NE(CellOf(firm.name()), 1u) << firm.name();
  }
  // The map overrides the id's cell: routed to cell 2 the firm is refused
  // there, naming its real cell; removed from the map it is served again.
  const std::string map = dir_.Sub("proxy") + "/firm-cells.map";
  const std::string id = absl::StrCat(IdOf(moved.name()));
  EXPECT_EQ(proxy_->Command(absl::StrCat("add map ", map, " ", id, " 2")), "\n");
  v1::GetFirmRequest get;
  get.set_name(moved.name());
  v1::Firm read;
  ExpectWrongCell(directory_->GetFirm(As("alice").get(), get, &read), "cells/1");
  proxy_->Command(absl::StrCat("del map ", map, " ", id));
  ASSERT_OK(directory_->GetFirm(As("alice").get(), get, &read));

  // HAProxy's own Prometheus endpoint.
  const std::vector<std::string> host_port =
      absl::StrSplit(proxy_->metrics_address(), ':');
  int metrics_port = 0;
  ASSERT_TRUE(host_port.size() == 2 && absl::SimpleAtoi(host_port[1], &metrics_port));
  const std::string metrics = testing::HttpGet(metrics_port, "/metrics");
  EXPECT_THAT(metrics,
              HasSubstr("haproxy_backend_http_requests_total{proxy=\"c1_directory\"}"));
}

TEST_F(FrontDoorE2eTest, ACellsDirectoryKilledTouchesNoOtherCellAndComesBackWhole) {
  std::vector<v1::Client> clients;
  for (uint32_t k : {0u, 1u, 2u}) {
    clients.push_back(ClientOf(FirmIn(k).name(), absl::StrCat("Client of cell ", k)));
  }
  struct Outcome {
    int ok = 0;
    std::vector<grpc::Status> failures;
    absl::Time first_failure = absl::InfiniteFuture();
  };
  absl::Mutex mu;
  std::vector<Outcome> outcomes(3);
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  for (uint32_t k : {0u, 1u, 2u}) {
    for (int thread = 0; thread < 2; ++thread) {
      load.emplace_back([&, k] {
        v1::GetClientRequest get;
        get.set_name(clients[k].name());
        while (!stop.load()) {
          grpc::ClientContext context;
          context.AddMetadata("x-user-id", "alice");
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(3));
          v1::Client client;
          const grpc::Status status = directory_->GetClient(&context, get, &client);
          absl::MutexLock lock(&mu);
          if (status.ok()) {
            ++outcomes[k].ok;
          } else {
            outcomes[k].failures.push_back(status);
            outcomes[k].first_failure = std::min(outcomes[k].first_failure, absl::Now());
          }
        }
      });
    }
  }
  absl::SleepFor(absl::Milliseconds(300));
  const absl::Time killed = absl::Now();
  cells_[1]->directory().Stop(SIGKILL);
  absl::SleepFor(absl::Milliseconds(2500));
  stop = true;
  for (std::thread& thread : load) thread.join();

  for (uint32_t k : {0u, 2u}) {
    EXPECT_GT(outcomes[k].ok, 0);
    EXPECT_TRUE(outcomes[k].failures.empty())
        << "cells/" << k << ": " << outcomes[k].failures.size() << " failures, first "
        << outcomes[k].failures[0].error_message();
  }
  ASSERT_FALSE(outcomes[1].failures.empty());
  EXPECT_LE(outcomes[1].first_failure - killed, absl::Seconds(2));
  for (const grpc::Status& failure : outcomes[1].failures) {
    ASSERT_THAT(failure, StatusIs(absl::StatusCode::kUnavailable))
        << failure.error_message();
  }

  // Back on its storage, the cell is served again with nothing lost.
  ASSERT_TRUE(cells_[1]->directory().Start() &&
              cells_[1]->directory().WaitServing(cells_[1]->directory_target()));
  v1::GetClientRequest get;
  get.set_name(clients[1].name());
  v1::Client back;
  ASSERT_OK(testing::AwaitStatus(
      [&] { return directory_->GetClient(As("alice").get(), get, &back); },
      testing::StatusOk, absl::Seconds(10), absl::Milliseconds(100)));
  EXPECT_EQ(back.display_name(), "Client of cell 1");
}

// A cell that stops answering without closing anything (its node lost, its
// process frozen) fails the door's health checks, and the door ends the
// streams it holds to it: a watch through the door ends in seconds, where
// it waited an hour (the door's `timeout server`) for a message that would
// never come. Once the cell answers, it is watched again.
TEST_F(FrontDoorE2eTest, AWatchThroughTheDoorEndsWhenItsCellStopsAnswering) {
  const v1::Firm firm = FirmIn(1);
  v1::WatchChangesRequest watch;
  watch.set_parent(firm.name());
  auto context = As("alice");
  auto stream = changes_->WatchChanges(context.get(), watch);
  v1::WatchChangesResponse message;
  ASSERT_TRUE(stream->Read(&message));

  const int cell = cells_[1]->directory().pid();
  ASSERT_EQ(kill(cell, SIGSTOP), 0);
  const absl::Time stopped = absl::Now();
  absl::Notification ended;
  std::thread reader([&] {
    while (stream->Read(&message)) {
    }
    ended.Notify();
  });
  const bool told = ended.WaitForNotificationWithTimeout(absl::Seconds(10));
  const absl::Duration waited = absl::Now() - stopped;
  if (!told) context->TryCancel();
  reader.join();
  const grpc::Status status = stream->Finish();
  kill(cell, SIGCONT);
  EXPECT_TRUE(told) << "the watch of a frozen cell was not ended in 10 s";
  // Cut mid-stream, after its headers: the door resets it, which gRPC
  // reports as UNKNOWN ("Stream removed"); the watcher resumes from its token.
  EXPECT_THAT(status.error_code(),
              AnyOf(grpc::StatusCode::UNKNOWN, grpc::StatusCode::UNAVAILABLE))
      << status.error_message();
  std::printf("a watch of a frozen cell ended after %s: code %d, %s\n",
              absl::FormatDuration(waited).c_str(), status.error_code(),
              status.error_message().c_str());

  const grpc::Status again = testing::AwaitStatus(
      [&] {
        auto retry = As("alice");
        auto resumed = changes_->WatchChanges(retry.get(), watch);
        if (!resumed->Read(&message)) return resumed->Finish();
        retry->TryCancel();
        resumed->Finish();
        return grpc::Status::OK;
      },
      testing::StatusOk, absl::Seconds(10), absl::Milliseconds(100));
  EXPECT_THAT(again, IsOk()) << again.error_message();
}

// A draining cell answers its checks NOT_SERVING and stays in the door: the
// calls sent through it during the drain delay are served (a check that
// passed only on SERVING took it out 2.5-3 s into a 5 s delay, and with the
// streams held to a cell marked down ended, would cut its calls in flight
// too). Once it has stopped, the door says it is down.
TEST_F(FrontDoorE2eTest, ADrainingCellServesThroughItsDrainDelay) {
  const v1::Firm firm = FirmIn(1);
  testing::CellProcesses& cell = *cells_[1];
  ASSERT_EQ(cell.directory().Stop(SIGTERM), 0);
  testing::ServiceProcess draining(
      DIRECTORY_BINARY,
      {"--listen=" + cell.directory_target(), "--data_dir=" + cell.directory_data_dir(),
       "--billing_target=" + cell.billing_target(),
       "--import_target=" + cell.import_target(), "--metrics_listen=", "--cell_id=1",
       "--drain_delay=5s"},
      dir_.Sub("draining-directory.log"));
  ASSERT_TRUE(draining.Start() && draining.WaitServing(cell.directory_target()));
  v1::GetFirmRequest get;
  get.set_name(firm.name());
  v1::Firm got;
  // Served through the door again (its checks passed twice) before the drain.
  ASSERT_OK(testing::AwaitStatus(
      [&] { return directory_->GetFirm(As("alice").get(), get, &got); },
      testing::StatusOk, absl::Seconds(10), absl::Milliseconds(100)));

  ASSERT_EQ(kill(draining.pid(), SIGTERM), 0);
  const absl::Time signalled = absl::Now();
  int served = 0;
  while (absl::Now() - signalled < absl::Seconds(4)) {
    const grpc::Status status = directory_->GetFirm(As("alice").get(), get, &got);
    EXPECT_THAT(status, IsOk())
        << "during the drain, " << absl::FormatDuration(absl::Now() - signalled)
        << " after SIGTERM";
    if (!status.ok()) break;
    ++served;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(draining.Wait(), 0) << draining.Log();
  EXPECT_THAT(directory_->GetFirm(As("alice").get(), get, &got),
              StatusIs(absl::StatusCode::kUnavailable));
  std::printf("a draining cell served %d calls through the door in 4 s after SIGTERM\n",
              served);
}

// The door as on Kubernetes: mTLS towards callers and cells with one CA,
// each cell's certificate checked for its service's name, health checked on
// the plaintext health port.
TEST(SecureFrontDoorE2eTest, CallersAndCellsSpeakMutualTlsThroughTheDoor) {
  testing::TempDir dir;
  const std::string pki = dir.Sub("pki");
  const std::string make_pki =
      absl::StrCat(DEV_TOOLS_DIR, "/dev-pki ", pki, " >/dev/null");
  ASSERT_EQ(std::system(make_pki.c_str()), 0);
  // HAProxy reads the key beside the certificate, as PEM.key.
  std::filesystem::copy_file(pki + "/server.pem", pki + "/proxy.pem");
  std::filesystem::copy_file(pki + "/server.key", pki + "/proxy.pem.key");
  const std::string target = absl::StrCat("127.0.0.1:", testing::FreePort());
  const int health_port = testing::FreePort();
  testing::ServiceProcess directory(
      DIRECTORY_BINARY,
      {"--listen=" + target, "--data_dir=" + dir.Sub("directory"),
       "--metrics_listen=", "--drain_delay=0s", "--cell_id=1",
       "--tls_cert_file=" + pki + "/server.pem", "--tls_key_file=" + pki + "/server.key",
       "--tls_client_ca_file=" + pki + "/ca.pem", "--tls_ca_file=" + pki + "/ca.pem",
       "--tls_client_cert_file=" + pki + "/server.pem",
       "--tls_client_key_file=" + pki + "/server.key",
       absl::StrCat("--health_listen=127.0.0.1:", health_port)},
      dir.Sub("directory.log"));
  ASSERT_TRUE(directory.Start());
  ASSERT_TRUE(directory.WaitServing(absl::StrCat("127.0.0.1:", health_port)))
      << directory.Log();
  // Billing's and import's addresses lead nowhere: not called here.
  testing::FrontDoor door(dir, {}, "",
                          {"--tls", pki + "/ca.pem", pki + "/proxy.pem", "--health_port",
                           absl::StrCat(health_port), "--cell", "1", target,
                           absl::StrCat("127.0.0.1:", testing::FreePort()),
                           absl::StrCat("127.0.0.1:", testing::FreePort())});
  tls::TlsClientOptions with_certificate{.ca_file = pki + "/ca.pem",
                                         .cert_file = pki + "/client.pem",
                                         .key_file = pki + "/client.key"};
  auto channel = tls::SecureChannel(door.target(), with_certificate);
  ASSERT_THAT(channel, IsOk()) << channel.status();
  std::string why;
  ASSERT_TRUE(door.Start(why, *channel)) << why;
  auto stub = v1::DirectoryService::NewStub(*channel);
  v1::Firm firm;
  ASSERT_OK(testing::CreateFirmAs(*stub, "alice", &firm));
  EXPECT_EQ(CellOf(firm.name()), 1u);
  v1::GetFirmRequest get;
  get.set_name(firm.name());
  v1::Firm read;
  ASSERT_OK(stub->GetFirm(As("alice").get(), get, &read));

  // No client certificate, no call.
  auto anonymous = tls::SecureChannel(door.target(), {.ca_file = pki + "/ca.pem"});
  ASSERT_THAT(anonymous, IsOk());
  EXPECT_THAT(
      v1::DirectoryService::NewStub(*anonymous)->GetFirm(As("alice").get(), get, &read),
      StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace clientbook
