// Every RPC that takes a request id, sent by 64 callers at once with one id,
// as a client retrying over a flaky network does: each of the 64 is
// answered OK with the same result (the first call's, the rest its replay;
// where the answer says `replayed`, all but one say so), and every
// service's change feed shows the request applied once: no resource changed
// twice, and none created twice, under one request id.
#include <latch>
#include <map>
#include <set>
#include <thread>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "common/names/cell.h"
#include "gtest/gtest.h"
#include "tests/support/cluster.h"
#include "tests/support/list_changes.h"
#include "tests/support/raw_call.h"
#include "tests/support/status_matchers.h"
#include "tests/support/text_proto.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using testing::As;
using testing::Text;

constexpr int kCallers = 64;

class RequestIdRaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(cluster_.Start(why)) << why;
  }

  // Sends `request`, its request id set to a new one, from kCallers callers
  // at once as `user` (with `metadata` beside); each must be answered OK
  // with the same result. Returns the first call's.
  template <typename Response, typename Request>
  Response Race(const std::string& target, const std::string& method, Request request,
                const std::string& user,
                std::multimap<std::string, std::string> metadata = {}) {
    metadata.emplace("x-user-id", user);
    request.set_request_id(absl::StrCat("race-", raced_.size()));
    raced_.insert(request.request_id());
    const std::string bytes = request.SerializeAsString();
    auto channel = testing::Channel(target);
    std::latch start(kCallers);
    std::vector<testing::RawAnswer> answers(kCallers);
    std::vector<std::thread> callers;
    for (int i = 0; i < kCallers; ++i) {
      callers.emplace_back([&, i] {
        start.arrive_and_wait();
        answers[i] = testing::RawCall(channel, method, bytes, metadata);
      });
    }
    for (std::thread& caller : callers) caller.join();
    SCOPED_TRACE(absl::StrCat(method, " ", request.ShortDebugString()));
    const google::protobuf::FieldDescriptor* replayed =
        Response::descriptor()->FindFieldByName("replayed");
    std::vector<Response> responses;
    int first_calls = 0;
    Response first;
    for (const testing::RawAnswer& answer : answers) {
      EXPECT_THAT(answer.status, IsOk()) << answer.status.error_message();
      Response response;
      if (answer.responses.size() != 1 ||
          !response.ParseFromString(answer.responses[0])) {
        ADD_FAILURE() << "no answer";
        continue;
      }
      if (replayed != nullptr) {
        if (!response.GetReflection()->GetBool(response, replayed)) {
          ++first_calls;
          first = response;
        }
        response.GetReflection()->ClearField(&response, replayed);
      }
      responses.push_back(std::move(response));
    }
    for (const Response& response : responses) {
      if constexpr (std::is_same_v<Response, v1::ImportJob>) {
        // A job answers as it is now, running on: the same job.
        EXPECT_EQ(response.name(), responses.front().name());
      } else {
        EXPECT_EQ(response.SerializeAsString(), responses.front().SerializeAsString())
            << response.ShortDebugString();
      }
    }
    if (replayed != nullptr) {
      EXPECT_EQ(first_calls, 1) << "answers not replayed";
      return first;
    }
    return responses.empty() ? Response() : responses.front();
  }

  std::string directory() const { return cluster_.directory_target(); }
  std::string billing() const { return cluster_.billing_target(); }
  std::string import() const { return cluster_.import_target(); }

  // Every change of `firm` in the feed of the service at `target`, oldest
  // first.
  std::vector<v1::ChangeEvent> Changes(const std::string& target,
                                       const std::string& firm) {
    auto feed = v1::ChangeService::NewStub(testing::Channel(target));
    std::vector<v1::ChangeEvent> events;
    v1::ListChangesRequest list;
    list.set_parent(firm);
    EXPECT_THAT(testing::ListEveryChange(
                    *feed, list, [] { return As("alice"); }, events),
                IsOk());
    return events;
  }

  testing::Cluster cluster_;
  std::set<std::string> raced_;
};

TEST_F(RequestIdRaceTest, SixtyFourRacingRetriesOfEveryRequestIdAreOneRequest) {
  const std::string dir = "/clientbook.v1.DirectoryService/";
  const std::string work = "/clientbook.v1.WorkspaceService/";
  const std::string bill = "/clientbook.v1.BillingService/";
  const std::string imp = "/clientbook.v1.ImportService/";

  const auto firm =
      Race<v1::Firm>(directory(), dir + "CreateFirm", Text<v1::CreateFirmRequest>(R"pb(
                       firm { display_name: "Studio Conti" }
                       creator_email: "alice@conti.example"
                     )pb"),
                     "alice");
  ASSERT_FALSE(firm.name().empty());
  v1::AddFirmMemberRequest add = Text<v1::AddFirmMemberRequest>(
      R"pb(member { user_id: "bob" email: "bob@conti.example" role: STAFF })pb");
  add.set_parent(firm.name());
  const auto bob = Race<v1::FirmMember>(directory(), dir + "AddFirmMember", add, "alice");

  std::vector<v1::Client> clients;
  for (const char* name : {"Rossi SRL", "Verdi SRL", "Bianchi SRL"}) {
    auto create = Text<v1::CreateClientRequest>(R"pb(
      client { client_type: BUSINESS }
      make_me_primary_admin: true
    )pb");
    create.set_parent(firm.name());
    create.mutable_client()->set_display_name(name);
    clients.push_back(
        Race<v1::Client>(directory(), dir + "CreateClient", create, "alice"));
  }
  const std::string rossi = clients[0].name();
  v1::ListClientsRequest list_clients;
  list_clients.set_parent(firm.name());
  v1::ListClientsResponse listed;

  v1::BatchUpdateClientNumbersRequest numbers;
  numbers.set_parent(firm.name());
  for (const v1::Client& client : clients) {
    v1::UpdateClientNumberRequest& update = *numbers.add_requests();
    update.set_client(client.name());
    update.set_client_number(absl::StrCat("N-", client.company_id()));
  }
  Race<v1::BatchUpdateClientNumbersResponse>(
      directory(), dir + "BatchUpdateClientNumbers", numbers, "alice");

  auto note = Text<v1::CreateNoteRequest>(R"pb(note { kind: GENERAL text: "Called" })pb");
  note.set_parent(firm.name());
  note.mutable_note()->set_client(rossi);
  Race<v1::Note>(directory(), work + "CreateNote", note, "alice");
  auto todo = Text<v1::CreateTodoRequest>(R"pb(todo { title: "Send the forms" })pb");
  todo.set_parent(firm.name());
  todo.mutable_todo()->set_client(rossi);
  todo.mutable_todo()->set_assignee(bob.name());
  Race<v1::Todo>(directory(), work + "CreateTodo", todo, "alice");

  v1::MergeClientsRequest merge;
  merge.set_name(clients[1].name());
  merge.set_source_client(clients[2].name());
  Race<v1::MergeClientsResponse>(directory(), dir + "MergeClients", merge, "alice");

  // A company invited through accounts, connected by the cell as accounts
  // asks: the invitee, with accounts beside them.
  auto connect = Text<v1::ConnectInvitedClientRequest>(
      absl::StrCat("invitation { name: 'invitations/", names::kFirstAccountsId,
                   "' company_id: '", names::kFirstAccountsId + 1,
                   "' client_display_name: 'Blu SpA' client_type: BUSINESS "
                   "invitee_email: 'alice@conti.example' inviter_user_id: 'blu' }"));
  connect.set_parent(firm.name());
  Race<v1::Client>(directory(), dir + "ConnectInvitedClient", connect, "alice",
                   {{"x-user-email", "alice@conti.example"},
                    {"x-clientbook-go-between-x-user-id", "clientbook-accounts"},
                    {"x-clientbook-go-between-x-user-roles", "platform"}});

  ASSERT_THAT(cluster_.directory->ListClients(As("alice").get(), list_clients, &listed),
              IsOk());
  EXPECT_EQ(listed.clients_size(), 3) << "three created, one merged, one connected";

  v1::DeactivateClientRequest pause;
  pause.set_name(clients[1].name());
  Race<v1::Client>(directory(), dir + "DeactivateClient", pause, "alice");
  v1::ReactivateClientRequest resume;
  resume.set_name(clients[1].name());
  Race<v1::Client>(directory(), dir + "ReactivateClient", resume, "alice");
  v1::ChangeClientPrimaryAdminRequest owner;
  owner.set_name(rossi);
  owner.set_new_primary_admin_user_id("rossi-owner");
  Race<v1::Client>(directory(), dir + "ChangeClientPrimaryAdmin", owner, "alice");

  // Billing, through a subscription's life.
  auto subscribe = Text<v1::SubscribeClientRequest>(
      R"pb(subscription { plan: DIRECT_DISCOUNT products: PLUS })pb");
  subscribe.set_parent(rossi);
  const auto subscription =
      Race<v1::Subscription>(billing(), bill + "SubscribeClient", subscribe, "alice");
  const std::string sub = subscription.name();
  auto product = Text<v1::AddProductRequest>(R"pb(product: QUICKBOOKS_TIME)pb");
  product.set_name(sub);
  Race<v1::Subscription>(billing(), bill + "AddProduct", product, "alice");
  auto unproduct = Text<v1::RemoveProductRequest>(R"pb(product: QUICKBOOKS_TIME)pb");
  unproduct.set_name(sub);
  Race<v1::Subscription>(billing(), bill + "RemoveProduct", unproduct, "alice");
  v1::AddPaymentMethodRequest pay;
  pay.set_name(sub);
  Race<v1::Subscription>(billing(), bill + "AddPaymentMethod", pay, "rossi-owner");
  v1::AuthorizeBillingTransferRequest authorize;
  authorize.set_name(sub);
  authorize.set_firm(firm.name());
  Race<v1::BillingTransfer>(billing(), bill + "AuthorizeBillingTransfer", authorize,
                            "rossi-owner");
  v1::CompleteBillingTransferRequest complete;
  complete.set_name(sub);
  Race<v1::BillingTransfer>(billing(), bill + "CompleteBillingTransfer", complete,
                            "alice");
  v1::RemoveFromWholesaleRequest off;
  off.set_name(sub);
  Race<v1::Subscription>(billing(), bill + "RemoveFromWholesale", off, "alice");
  Race<v1::BillingTransfer>(billing(), bill + "AuthorizeBillingTransfer", authorize,
                            "rossi-owner");
  v1::RevokeBillingTransferRequest revoke;
  revoke.set_name(sub);
  Race<v1::BillingTransfer>(billing(), bill + "RevokeBillingTransfer", revoke,
                            "rossi-owner");
  auto period = Text<v1::SetBillingPeriodRequest>(R"pb(billing_period: ANNUAL)pb");
  period.set_name(sub);
  Race<v1::Subscription>(billing(), bill + "SetBillingPeriod", period, "alice");

  // Imports, started and uploaded.
  const std::string csv = absl::StrCat("Company ID,Display Name,Client Number\n",
                                       clients[0].company_id(), ",Rossi SRL,R-1\n");
  v1::StartImportRequest start;
  start.set_parent(firm.name());
  start.set_csv(csv);
  Race<v1::ImportJob>(import(), imp + "StartImport", start, "alice");
  v1::UploadImportRequest upload;
  upload.set_parent(firm.name());
  upload.set_csv(csv);
  Race<v1::ImportJob>(import(), imp + "UploadImport", upload, "alice");
  v1::ListImportJobsRequest list_jobs;
  list_jobs.set_parent(firm.name());
  v1::ListImportJobsResponse jobs;
  ASSERT_THAT(cluster_.import->ListImportJobs(As("alice").get(), list_jobs, &jobs),
              IsOk());
  EXPECT_EQ(jobs.import_jobs_size(), 2);

  v1::RemoveFirmMemberRequest remove;
  remove.set_name(bob.name());
  remove.set_reassign_to(absl::StrCat(firm.name(), "/members/alice"));
  Race<v1::RemoveFirmMemberResponse>(directory(), dir + "RemoveFirmMember", remove,
                                     "alice");

  // What each request changed, as the feeds tell: never one resource twice,
  // nor two resources created of one type.
  std::set<std::string> changed;
  int events = 0;
  for (const std::string& target : {directory(), billing(), import()}) {
    std::map<std::string, std::set<std::string>> names;
    std::map<std::string, std::set<std::string>> created;
    for (const v1::ChangeEvent& event : Changes(target, firm.name())) {
      if (event.source() != "api" || !raced_.contains(event.request_id())) continue;
      SCOPED_TRACE(event.ShortDebugString());
      ++events;
      changed.insert(event.request_id());
      EXPECT_TRUE(names[event.request_id()].insert(event.name()).second)
          << "one request changed " << event.name() << " twice";
      if (event.type() == v1::ChangeEvent::CREATED) {
        EXPECT_TRUE(created[event.request_id()].insert(event.resource_type()).second)
            << "one request created two of " << event.resource_type();
      }
    }
  }
  EXPECT_EQ(changed, raced_) << "a raced request left no change";
  std::printf(
      "%zu request ids, each sent by %d callers at once: %d changes, none twice\n",
      raced_.size(), kCallers, events);
}

}  // namespace
}  // namespace clientbook
