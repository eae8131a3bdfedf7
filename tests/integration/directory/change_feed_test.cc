// The directory's change feed over the wire: every writing RPC leaves its
// changes, readers see only what they may, tokens resume and refuse, and a
// consumer that lists then follows the feed ends equal to the directory.
#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "clientbook/v1/workspace.grpc.pb.h"
#include "common/names/cell.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "prometheus/metric_family.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/in_process_directory.h"
#include "tests/support/list_changes.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/text_proto.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::ElementsAre;

using testing::Text;

// Follows a List call's pages from `request` (`list` answers one), each
// asked for up to 1,000: the names `names_in` finds in them, in order. Each
// page is answered, none is empty before the last, and there are several.
template <typename Response, typename Request, typename List, typename Names>
std::vector<std::string> EveryPageOf(Request request, List list, Names names_in) {
  std::vector<std::string> names;
  int pages = 0;
  request.set_page_size(1000);
  while (true) {
    Response page;
    const grpc::Status status = list(request, &page);
    EXPECT_THAT(status, IsOk()) << "page " << pages + 1;
    if (!status.ok()) return names;
    ++pages;
    const std::vector<std::string> found = names_in(page);
    names.insert(names.end(), found.begin(), found.end());
    if (page.next_page_token().empty()) break;
    EXPECT_FALSE(found.empty()) << "page " << pages;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_GT(pages, 2);
  return names;
}

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ =
        std::make_unique<testing::InProcessDirectory>(dir_.Sub("db"), clock_, wholesale_);
    auto channel =
        grpc::CreateChannel(service_->target(), grpc::InsecureChannelCredentials());
    directory_ = v1::DirectoryService::NewStub(channel);
    workspace_ = v1::WorkspaceService::NewStub(channel);
    changes_ = v1::ChangeService::NewStub(channel);
  }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& user,
                                                 const std::string& email = "",
                                                 const std::string& roles = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("x-user-id", user);
    if (!email.empty()) ctx->AddMetadata("x-user-email", email);
    if (!roles.empty()) ctx->AddMetadata("x-user-roles", roles);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return ctx;
  }

  std::string NewFirm(const std::string& owner) {
    v1::Firm firm;
    EXPECT_THAT(
        directory_->CreateFirm(As(owner).get(),
                               Text<v1::CreateFirmRequest>(absl::StrCat(
                                   "firm { display_name: 'Studio ", owner,
                                   "' } creator_email: '", owner, "@studio.example'")),
                               &firm),
        IsOk());
    return firm.name();
  }

  // `user` joins `firm` as STAFF, added by its owner.
  v1::FirmMember AddStaff(const std::string& firm, const std::string& user) {
    v1::FirmMember member;
    EXPECT_THAT(
        directory_->AddFirmMember(As("owner").get(),
                                  Text<v1::AddFirmMemberRequest>(absl::StrCat(
                                      "parent: '", firm, "' member { user_id: '", user,
                                      "' email: '", user, "@x.example' role: STAFF }")),
                                  &member),
        IsOk());
    return member;
  }

  // `user` saves their own list view of `firm` (one column).
  grpc::Status SaveListView(const std::string& firm, const std::string& user) {
    v1::ClientListView view;
    return directory_->UpdateClientListView(
        As(user).get(),
        Text<v1::UpdateClientListViewRequest>(
            absl::StrCat("client_list_view { name: '", firm, "/members/", user,
                         "/clientListView' columns: 'display_name' }")),
        &view);
  }

  v1::Client NewClient(const std::string& firm, const std::string& name) {
    v1::Client client;
    EXPECT_THAT(
        directory_->CreateClient(As("owner").get(),
                                 Text<v1::CreateClientRequest>(absl::StrCat(
                                     "parent: '", firm, "' client { display_name: '",
                                     name, "' client_type: BUSINESS }")),
                                 &client),
        IsOk());
    return client;
  }

  v1::Client GetClient(const std::string& name) {
    v1::GetClientRequest req;
    req.set_name(name);
    v1::Client client;
    EXPECT_THAT(directory_->GetClient(As("owner").get(), req, &client), IsOk());
    return client;
  }

  // The owner's copy of the clients `req` lists, every page of it.
  grpc::Status ListClientsIntoCopy(const v1::ListClientsRequest& req,
                                   testing::NamesToEtags& copy,
                                   std::string* change_token = nullptr) {
    return testing::ListIntoCopy<v1::ListClientsRequest, v1::ListClientsResponse>(
        req,
        [&](const v1::ListClientsRequest& page_req, v1::ListClientsResponse& page) {
          return directory_->ListClients(As("owner").get(), page_req, &page);
        },
        [](const v1::ListClientsResponse& page) -> const auto& { return page.clients(); },
        copy, change_token);
  }

  // Every change from `next` on, read as the platform; moves `next` on.
  std::vector<v1::ChangeEvent> ChangesFrom(uint64_t& next) {
    std::vector<v1::ChangeEvent> events;
    v1::ListChangesRequest req;
    req.set_parent("firms/-");
    req.set_page_size(1000);
    v1::ListChangesResponse resp;
    EXPECT_THAT(changes_->ListChanges(As("search", "", "platform").get(), req, &resp),
                IsOk());
    for (const v1::ChangeEvent& event : resp.events()) {
      if (event.sequence() >= next) events.push_back(event);
    }
    if (!events.empty()) next = events.back().sequence() + 1;
    return events;
  }

  // A watch's bulk reads (a snapshot's batches, a watch catching up) take
  // their firm's share of the server as its pages would: while other firms'
  // work holds every seat, the watch waits for one. `req` is that watch.
  void ExpectTheFirstBatchWaitsForASeat(const v1::WatchChangesRequest& req) {
    server::FairShare& share = service_->frame().fair_share();
    std::vector<server::FairShare::Seat> held;  // one read each of other firms
    for (int i = 0; i < share.Report(0).seats; ++i) {
      absl::StatusOr<server::FairShare::Seat> seat =
          share.AwaitSeat({.flow = absl::StrCat("firms/99", i)}, [] { return false; });
      ASSERT_THAT(seat, IsOk());
      held.push_back(*std::move(seat));
    }
    // Set once a message with events has come (a watch resumed begins with
    // one that says where it is).
    std::atomic<bool> read{false};
    v1::WatchChangesResponse first;
    auto ctx = As("owner");
    auto stream = changes_->WatchChanges(ctx.get(), req);
    std::thread reader([&] {
      while (stream->Read(&first)) {
        if (first.events_size() > 0) {
          read = true;
          return;
        }
      }
    });
    const absl::Time limit = absl::Now() + absl::Seconds(30);
    bool waited = false;
    while (!(waited = share.Report(0).queued == 1) && absl::Now() < limit) {
      std::this_thread::yield();
    }
    const bool read_while_held = read;
    held.clear();
    reader.join();
    EXPECT_TRUE(waited) << "the watch's batch never waited for a seat";
    EXPECT_FALSE(read_while_held);
    EXPECT_TRUE(read);
    ctx->TryCancel();
    stream->Finish();
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  FakeWholesaleCheck wholesale_;
  std::unique_ptr<testing::InProcessDirectory> service_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
  std::unique_ptr<v1::WorkspaceService::Stub> workspace_;
  std::unique_ptr<v1::ChangeService::Stub> changes_;
};

// The table: each writing RPC, called once, and the change it must leave
// (its type and resource type; a call may leave more). Every RPC of the two
// services is either in it or among the reads: a new RPC fails this test
// until it is placed, so none writes without its changes being checked.
TEST_F(ChangeFeedTest, EveryWritingRpcLeavesItsChange) {
  const std::set<std::string> reads = {
      "GetFirm",         "ListMyFirms",     "ListFirmMembers",
      "GetFirmMember",   "GetClient",       "FindDuplicateClients",
      "ListClients",     "BatchGetClients", "GetClientListView",
      "ListInvitations", "GetNote",         "ListNotes",
      "GetTodo",         "ListTodos",       "GetClientWorkSummary"};
  std::string firm, a, b, c, note, todo, invited, declined;
  struct Step {
    std::string method;
    std::function<grpc::Status()> call;
    std::string type;
    std::string resource_type;
  };
  const std::vector<Step> steps = {
      {"CreateFirm",
       [&] {
         firm = NewFirm("owner");
         return grpc::Status::OK;
       },
       "CREATED", "clientbook.v1.Firm"},
      {"UpdateFirm",
       [&] {
         v1::Firm out;
         return directory_->UpdateFirm(As("owner").get(),
                                       Text<v1::UpdateFirmRequest>(absl::StrCat(
                                           "firm { name: '", firm,
                                           "' display_name: 'Studio Bianchi' } "
                                           "update_mask { paths: 'display_name' }")),
                                       &out);
       },
       "UPDATED", "clientbook.v1.Firm"},
      {"AddFirmMember",
       [&] {
         v1::FirmMember out;
         for (const char* user : {"carol", "bob"}) {
           grpc::Status s = directory_->AddFirmMember(
               As("owner").get(),
               Text<v1::AddFirmMemberRequest>(
                   absl::StrCat("parent: '", firm, "' member { user_id: '", user,
                                "' email: '", user, "@studio.example' role: ADMIN }")),
               &out);
           if (!s.ok()) return s;
         }
         return grpc::Status::OK;
       },
       "CREATED", "clientbook.v1.FirmMember"},
      {"UpdateFirmMember",
       [&] {
         v1::FirmMember out;
         return directory_->UpdateFirmMember(
             As("owner").get(),
             Text<v1::UpdateFirmMemberRequest>(
                 absl::StrCat("member { name: '", firm,
                              "/members/bob' display_name: 'Bob' etag: 'r1' } "
                              "update_mask { paths: 'display_name' }")),
             &out);
       },
       "UPDATED", "clientbook.v1.FirmMember"},
      {"CreateClient",
       [&] {
         v1::Client out;
         grpc::Status s = directory_->CreateClient(
             As("owner").get(),
             Text<v1::CreateClientRequest>(absl::StrCat(
                 "parent: '", firm,
                 "' request_id: '5f0c2d3e-0000-4000-8000-000000000001' "
                 "client { display_name: 'Rossi SpA' client_type: BUSINESS }")),
             &out);
         a = out.name();
         b = NewClient(firm, "Verdi Srl").name();
         c = NewClient(firm, "Neri Snc").name();
         return s;
       },
       "CREATED", "clientbook.v1.Client"},
      {"UpdateClient",
       [&] {
         v1::Client out;
         return directory_->UpdateClient(
             As("owner").get(),
             Text<v1::UpdateClientRequest>(absl::StrCat(
                 "client { name: '", a, "' display_name: 'Rossi Srl' etag: '",
                 GetClient(a).etag(), "' } update_mask { paths: 'display_name' }")),
             &out);
       },
       "UPDATED", "clientbook.v1.Client"},
      {"DeactivateClient",
       [&] {
         v1::Client out;
         return directory_->DeactivateClient(
             As("owner").get(),
             Text<v1::DeactivateClientRequest>(absl::StrCat("name: '", a, "'")), &out);
       },
       "DEACTIVATED", "clientbook.v1.Client"},
      {"ReactivateClient",
       [&] {
         v1::Client out;
         return directory_->ReactivateClient(
             As("owner").get(),
             Text<v1::ReactivateClientRequest>(absl::StrCat("name: '", a, "'")), &out);
       },
       "REACTIVATED", "clientbook.v1.Client"},
      {"BatchUpdateClientNumbers",
       [&] {
         v1::BatchUpdateClientNumbersResponse out;
         return directory_->BatchUpdateClientNumbers(
             As("owner").get(),
             Text<v1::BatchUpdateClientNumbersRequest>(
                 absl::StrCat("parent: '", firm, "' requests { client: '", a,
                              "' client_number: 'C-1' } requests { client: '", b,
                              "' client_number: 'C-2' }")),
             &out);
       },
       "UPDATED", "clientbook.v1.Client"},
      {"MergeClients",
       [&] {
         v1::MergeClientsResponse out;
         return directory_->MergeClients(As("owner").get(),
                                         Text<v1::MergeClientsRequest>(absl::StrCat(
                                             "name: '", a, "' source_client: '", b, "'")),
                                         &out);
       },
       "MERGED", "clientbook.v1.Client"},
      {"UpdateClientListView", [&] { return SaveListView(firm, "owner"); }, "CREATED",
       "clientbook.v1.ClientListView"},
      {"CreateInvitation",
       [&] {
         v1::Invitation out;
         grpc::Status s = directory_->CreateInvitation(
             As("gialli").get(),
             Text<v1::CreateInvitationRequest>(
                 "invitation { client_display_name: 'Gialli SpA' client_type: BUSINESS "
                 "invitee_email: 'owner@studio.example' }"),
             &out);
         invited = out.token();
         directory_->CreateInvitation(
             As("viola").get(),
             Text<v1::CreateInvitationRequest>(
                 "invitation { client_display_name: 'Viola SpA' client_type: BUSINESS "
                 "invitee_email: 'owner@studio.example' }"),
             &out);
         declined = out.token();
         return s;
       },
       "CREATED", "clientbook.v1.Invitation"},
      {"AcceptInvitation",
       [&] {
         v1::Invitation out;
         v1::AcceptInvitationRequest req;
         req.set_token(invited);
         return directory_->AcceptInvitation(As("owner", "owner@studio.example").get(),
                                             req, &out);
       },
       "CREATED", "clientbook.v1.Client"},
      {"DeclineInvitation",
       [&] {
         v1::Invitation out;
         v1::DeclineInvitationRequest req;
         req.set_token(declined);
         return directory_->DeclineInvitation(As("owner", "owner@studio.example").get(),
                                              req, &out);
       },
       "UPDATED", "clientbook.v1.Invitation"},
      {"ConnectInvitedClient",
       [&] {
         // As accounts carries it: the invitee, and accounts beside them.
         auto context = As("owner", "owner@studio.example");
         context->AddMetadata("x-clientbook-go-between-x-user-id", "clientbook-accounts");
         context->AddMetadata("x-clientbook-go-between-x-user-roles", "platform");
         v1::Client out;
         return directory_->ConnectInvitedClient(
             context.get(),
             Text<v1::ConnectInvitedClientRequest>(absl::StrCat(
                 "parent: '", firm, "' invitation { name: 'invitations/",
                 names::kFirstAccountsId, "' company_id: '", names::kFirstAccountsId + 1,
                 "' client_display_name: 'Blu SpA' client_type: BUSINESS "
                 "invitee_email: 'owner@studio.example' inviter_user_id: 'blu' } "
                 "request_id: 'accept-invitation-1'")),
             &out);
       },
       "CREATED", "clientbook.v1.Client"},
      {"ChangeClientPrimaryAdmin",
       [&] {
         v1::ListClientsResponse listed;
         directory_->ListClients(As("owner").get(),
                                 Text<v1::ListClientsRequest>(absl::StrCat(
                                     "parent: '", firm, "' name_query: 'Gialli'")),
                                 &listed);
         v1::Client out;
         return directory_->ChangeClientPrimaryAdmin(
             As("gialli").get(),
             Text<v1::ChangeClientPrimaryAdminRequest>(
                 absl::StrCat("name: '", listed.clients(0).name(),
                              "' new_primary_admin_user_id: 'gialli-2'")),
             &out);
       },
       "UPDATED", "clientbook.v1.Client"},
      {"CreateNote",
       [&] {
         v1::Note out;
         grpc::Status s =
             workspace_->CreateNote(As("owner").get(),
                                    Text<v1::CreateNoteRequest>(absl::StrCat(
                                        "parent: '", firm, "' note { client: '", a,
                                        "' kind: GENERAL text: 'Called about VAT' }")),
                                    &out);
         note = out.name();
         return s;
       },
       "CREATED", "clientbook.v1.Note"},
      {"UpdateNote",
       [&] {
         v1::Note out;
         v1::GetNoteRequest get;
         get.set_name(note);
         workspace_->GetNote(As("owner").get(), get, &out);
         return workspace_->UpdateNote(
             As("owner").get(),
             Text<v1::UpdateNoteRequest>(absl::StrCat(
                 "note { name: '", note, "' text: 'Called about IVA' etag: '", out.etag(),
                 "' } update_mask { paths: 'text' }")),
             &out);
       },
       "UPDATED", "clientbook.v1.Note"},
      {"DeleteNote",
       [&] {
         v1::Note out;
         return workspace_->DeleteNote(
             As("owner").get(),
             Text<v1::DeleteNoteRequest>(absl::StrCat("name: '", note, "'")), &out);
       },
       "DELETED", "clientbook.v1.Note"},
      {"UndeleteNote",
       [&] {
         v1::Note out;
         return workspace_->UndeleteNote(
             As("owner").get(),
             Text<v1::UndeleteNoteRequest>(absl::StrCat("name: '", note, "'")), &out);
       },
       "UNDELETED", "clientbook.v1.Note"},
      {"CreateTodo",
       [&] {
         v1::Todo out;
         grpc::Status s = workspace_->CreateTodo(
             As("owner").get(),
             Text<v1::CreateTodoRequest>(absl::StrCat(
                 "parent: '", firm, "' todo { client: '", a,
                 "' title: 'File VAT' assignee: '", firm, "/members/bob' }")),
             &out);
         todo = out.name();
         return s;
       },
       "CREATED", "clientbook.v1.Todo"},
      {"UpdateTodo",
       [&] {
         v1::Todo out;
         v1::GetTodoRequest get;
         get.set_name(todo);
         workspace_->GetTodo(As("owner").get(), get, &out);
         return workspace_->UpdateTodo(
             As("owner").get(),
             Text<v1::UpdateTodoRequest>(
                 absl::StrCat("todo { name: '", todo, "' state: IN_PROGRESS etag: '",
                              out.etag(), "' } update_mask { paths: 'state' }")),
             &out);
       },
       "UPDATED", "clientbook.v1.Todo"},
      {"DeleteClient",
       [&] {
         google::protobuf::Empty out;
         return directory_->DeleteClient(
             As("owner").get(),
             Text<v1::DeleteClientRequest>(absl::StrCat("name: '", c, "'")), &out);
       },
       "DELETED", "clientbook.v1.Client"},
      {"RemoveFirmMember",
       [&] {
         v1::RemoveFirmMemberResponse out;
         return directory_->RemoveFirmMember(
             As("owner").get(),
             Text<v1::RemoveFirmMemberRequest>(
                 absl::StrCat("name: '", firm, "/members/bob' reassign_to: '", firm,
                              "/members/carol'")),
             &out);
       },
       "DELETED", "clientbook.v1.FirmMember"},
      {"TransferPrimaryAdmin",
       [&] {
         v1::TransferPrimaryAdminResponse out;
         return directory_->TransferPrimaryAdmin(
             As("owner").get(),
             Text<v1::TransferPrimaryAdminRequest>(absl::StrCat(
                 "firm: '", firm, "' new_primary_admin: '", firm, "/members/carol'")),
             &out);
       },
       "UPDATED", "clientbook.v1.FirmMember"},
  };

  uint64_t next = 1;
  std::set<std::string> covered;
  for (const Step& step : steps) {
    SCOPED_TRACE(step.method);
    const grpc::Status status = step.call();
    ASSERT_THAT(status, IsOk()) << status.error_message();
    const std::vector<v1::ChangeEvent> events = ChangesFrom(next);
    ASSERT_FALSE(events.empty());
    const v1::ChangeEvent* found = nullptr;
    for (const v1::ChangeEvent& event : events) {
      if (v1::ChangeEvent::Type_Name(event.type()) == step.type &&
          event.resource_type() == step.resource_type) {
        found = &event;
      }
    }
    ASSERT_NE(found, nullptr) << "no " << step.type << " " << step.resource_type;
    EXPECT_TRUE(absl::EndsWith(found->method(), absl::StrCat("Service/", step.method)))
        << found->method();
    // Each resource after its change carries its etag (a list view's since
    // session 53, an invitation's since session 54).
    if (found->has_resource()) {
      EXPECT_FALSE(found->etag().empty()) << found->ShortDebugString();
    }
    // And the audit has it, under its firm, by its method.
    if (absl::StartsWith(found->name(), "firms/")) {
      const std::vector<std::string> parts = absl::StrSplit(found->name(), '/');
      v1::ListAuditEntriesRequest req;
      req.set_parent(absl::StrCat("firms/", parts[1]));
      req.set_filter(absl::StrCat("method = \"", step.method, "\""));
      v1::ListAuditEntriesResponse audit;
      ASSERT_THAT(
          changes_->ListAuditEntries(As("ops", "", "operator").get(), req, &audit),
          IsOk());
      EXPECT_TRUE(std::any_of(audit.audit_entries().begin(), audit.audit_entries().end(),
                              [&](const v1::AuditEntry& entry) {
                                return entry.change().sequence() == found->sequence();
                              }))
          << "not in the firm's audit";
    }
    covered.insert(step.method);
  }
  for (const char* name :
       {"clientbook.v1.DirectoryService", "clientbook.v1.WorkspaceService"}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    ASSERT_NE(service, nullptr);
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string& method = service->method(i)->name();
      EXPECT_TRUE(covered.contains(method) || reads.contains(method))
          << method << " is neither a checked write nor a read";
    }
  }
}

TEST_F(ChangeFeedTest, AnEventCarriesWhoWhatAndThePriorValues) {
  const std::string firm = NewFirm("owner");
  v1::Client client;
  ASSERT_THAT(
      directory_->CreateClient(As("owner").get(),
                               Text<v1::CreateClientRequest>(absl::StrCat(
                                   "parent: '", firm,
                                   "' request_id: '5f0c2d3e-0000-4000-8000-00000000000a' "
                                   "client { display_name: 'Rossi SpA' client_type: "
                                   "BUSINESS }")),
                               &client),
      IsOk());
  clock_.Advance(absl::Seconds(1));
  v1::Client updated;
  ASSERT_THAT(
      directory_->UpdateClient(
          As("owner", "", "auditor,operator").get(),
          Text<v1::UpdateClientRequest>(absl::StrCat(
              "client { name: '", client.name(), "' display_name: 'Rossi Srl' etag: '",
              client.etag(), "' } update_mask { paths: 'display_name' }")),
          &updated),
      IsOk());
  uint64_t next = 1;
  std::vector<v1::ChangeEvent> events = ChangesFrom(next);
  ASSERT_GE(events.size(), 4u);  // firm, member, client created, updated
  const v1::ChangeEvent& created = events[events.size() - 2];
  EXPECT_EQ(created.type(), v1::ChangeEvent::CREATED);
  EXPECT_EQ(created.actor(), "owner");
  EXPECT_EQ(created.request_id(), "5f0c2d3e-0000-4000-8000-00000000000a");
  EXPECT_EQ(created.source(), "api");
  EXPECT_EQ(created.method(), "/clientbook.v1.DirectoryService/CreateClient");
  EXPECT_THAT(created.actor_roles(), ::testing::IsEmpty());
  const v1::ChangeEvent& update = events.back();
  EXPECT_EQ(update.method(), "/clientbook.v1.DirectoryService/UpdateClient");
  EXPECT_THAT(update.actor_roles(), ElementsAre("auditor", "operator"));
  EXPECT_EQ(update.name(), client.name());
  EXPECT_EQ(update.etag(), updated.etag());
  EXPECT_EQ(update.resource().client().display_name(), "Rossi Srl");
  EXPECT_THAT(update.changed_fields().paths(),
              ElementsAre("display_name", "update_time"));
  EXPECT_EQ(update.prior().client().display_name(), "Rossi SpA");
  EXPECT_TRUE(update.prior().client().client_type() == v1::CLIENT_TYPE_UNSPECIFIED)
      << "unchanged fields are left out of prior";
  EXPECT_GT(update.sequence(), created.sequence());
}

// An update that sets every field to what it is writes nothing: the answer
// is the stored resource with its etag, and the feed (so the audit) says
// nothing changed. The same updates with one value changed each leave one.
TEST_F(ChangeFeedTest, AnUpdateThatChangesNothingLeavesNoChangeAndKeepsItsEtag) {
  const std::string firm = NewFirm("owner");
  const v1::FirmMember bob = AddStaff(firm, "bob");
  v1::Client client;
  ASSERT_THAT(directory_->CreateClient(
                  As("owner").get(),
                  Text<v1::CreateClientRequest>(absl::StrCat(
                      "parent: '", firm,
                      "' make_me_primary_admin: true client { display_name: 'Rossi' "
                      "client_type: BUSINESS email: 'r@rossi.example' }")),
                  &client),
              IsOk());
  v1::Note note;
  ASSERT_THAT(
      workspace_->CreateNote(As("owner").get(),
                             Text<v1::CreateNoteRequest>(absl::StrCat(
                                 "parent: '", firm, "' note { client: '", client.name(),
                                 "' kind: GENERAL text: 'VAT due' }")),
                             &note),
      IsOk());
  v1::Todo todo;
  ASSERT_THAT(workspace_->CreateTodo(
                  As("owner").get(),
                  Text<v1::CreateTodoRequest>(absl::StrCat(
                      "parent: '", firm, "' todo { client: '", client.name(),
                      "' title: 'File VAT' assignee: '", bob.name(), "' progress: 10 }")),
                  &todo),
              IsOk());
  ASSERT_THAT(SaveListView(firm, "owner"), IsOk());
  uint64_t next = 1;
  ChangesFrom(next);

  // Each update twice: with the values as they are, then with one changed.
  struct Values {
    std::string firm_name, member_email, client_email, note_text;
    int progress;
    std::string column;
  };
  auto update_all = [&](const Values& v) {
    v1::Firm firm_out;
    EXPECT_THAT(directory_->UpdateFirm(
                    As("owner").get(),
                    Text<v1::UpdateFirmRequest>(absl::StrCat(
                        "firm { name: '", firm, "' display_name: '", v.firm_name,
                        "' } update_mask { paths: 'display_name' }")),
                    &firm_out),
                IsOk());
    v1::FirmMember member_out;
    EXPECT_THAT(directory_->UpdateFirmMember(
                    As("owner").get(),
                    Text<v1::UpdateFirmMemberRequest>(absl::StrCat(
                        "member { name: '", bob.name(), "' email: '", v.member_email,
                        "' etag: '", bob.etag(), "' } update_mask { paths: 'email' }")),
                    &member_out),
                IsOk());
    v1::Client client_out;
    EXPECT_THAT(
        directory_->UpdateClient(
            As("owner").get(),
            Text<v1::UpdateClientRequest>(absl::StrCat(
                "client { name: '", client.name(),
                "' display_name: 'Rossi' client_type: BUSINESS email: '", v.client_email,
                "' etag: '", client.etag(), "' } update_mask { paths: ['display_name', ",
                "'client_type', 'email'] }")),
            &client_out),
        IsOk());
    v1::Note note_out;
    EXPECT_THAT(workspace_->UpdateNote(
                    As("owner").get(),
                    Text<v1::UpdateNoteRequest>(absl::StrCat(
                        "note { name: '", note.name(), "' text: '", v.note_text,
                        "' etag: '", note.etag(), "' } update_mask { paths: 'text' }")),
                    &note_out),
                IsOk());
    v1::Todo todo_out;
    EXPECT_THAT(workspace_->UpdateTodo(
                    As("owner").get(),
                    Text<v1::UpdateTodoRequest>(absl::StrCat(
                        "todo { name: '", todo.name(),
                        "' state: OPEN progress: ", v.progress, " etag: '", todo.etag(),
                        "' } update_mask { paths: ['state', 'progress'] }")),
                    &todo_out),
                IsOk());
    v1::ClientListView view_out;
    EXPECT_THAT(directory_->UpdateClientListView(
                    As("owner").get(),
                    Text<v1::UpdateClientListViewRequest>(absl::StrCat(
                        "client_list_view { name: '", firm,
                        "/members/owner/clientListView' columns: '", v.column, "' }")),
                    &view_out),
                IsOk());
    return std::vector<std::string>{member_out.etag(), client_out.etag(), note_out.etag(),
                                    todo_out.etag()};
  };
  EXPECT_THAT(update_all({"Studio owner", "bob@x.example", "r@rossi.example", "VAT due",
                          10, "display_name"}),
              ElementsAre(bob.etag(), client.etag(), note.etag(), todo.etag()));
  v1::Client same_admin;
  ASSERT_THAT(directory_->ChangeClientPrimaryAdmin(
                  As("owner").get(),
                  Text<v1::ChangeClientPrimaryAdminRequest>(absl::StrCat(
                      "name: '", client.name(), "' new_primary_admin_user_id: 'owner'")),
                  &same_admin),
              IsOk());
  EXPECT_EQ(same_admin.etag(), client.etag());
  v1::Client still_active;
  ASSERT_THAT(directory_->ReactivateClient(As("owner").get(),
                                           Text<v1::ReactivateClientRequest>(absl::StrCat(
                                               "name: '", client.name(), "'")),
                                           &still_active),
              IsOk());
  EXPECT_EQ(still_active.etag(), client.etag());
  EXPECT_THAT(ChangesFrom(next), ::testing::IsEmpty());

  const std::vector<std::string> etags =
      update_all({"Studio Rossi", "bob@rossi.example", "info@rossi.example", "VAT paid",
                  20, "email"});
  std::vector<std::string> changed;
  for (const v1::ChangeEvent& event : ChangesFrom(next)) {
    EXPECT_EQ(event.type(), v1::ChangeEvent::UPDATED);
    changed.push_back(event.name());
  }
  EXPECT_THAT(changed, ElementsAre(firm, bob.name(), client.name(), note.name(),
                                   todo.name(), firm + "/members/owner/clientListView"));
  EXPECT_NE(etags[0], bob.etag());
}

// 64 saves of one member's list view at once, while an admin removes
// another member who is saving theirs: each change's prior columns are the
// columns the change before it saved, and no view is saved for the removed
// member after their removal.
TEST_F(ChangeFeedTest, RacingListViewSavesEachRecordTheViewTheyReplaced) {
  const std::string firm = NewFirm("owner");
  AddStaff(firm, "bob");
  const std::vector<std::string> columns = {
      "display_name",    "company_id", "client_number", "client_type",
      "lead_accountant", "email",      "status",        "products"};
  auto save = [&](const std::string& user, int i) {
    v1::ClientListView view;
    return directory_->UpdateClientListView(
        As(user).get(),
        Text<v1::UpdateClientListViewRequest>(absl::StrCat(
            "client_list_view { name: '", firm, "/members/", user,
            "/clientListView' columns: ['", columns[i % columns.size()], "', '",
            columns[(i + 1 + i / columns.size() % 7) % columns.size()], "'] }")),
        &view);
  };
  std::vector<std::thread> savers;
  for (int i = 0; i < 64; ++i) {
    savers.emplace_back([&, i] { EXPECT_THAT(save("owner", i), IsOk()); });
  }
  std::thread bob([&] {
    for (int i = 0; save("bob", i).ok(); ++i) {
    }
  });
  v1::RemoveFirmMemberResponse removed;
  EXPECT_THAT(directory_->RemoveFirmMember(As("owner").get(),
                                           Text<v1::RemoveFirmMemberRequest>(absl::StrCat(
                                               "name: '", firm, "/members/bob'")),
                                           &removed),
              IsOk());
  for (std::thread& t : savers) t.join();
  bob.join();

  v1::ListChangesRequest req;
  req.set_parent("firms/-");  // as the platform, who sees every member's view
  std::vector<v1::ChangeEvent> events;
  ASSERT_THAT(testing::ListEveryChange(
                  *changes_, req, [] { return As("search", "", "platform"); }, events),
              IsOk());
  std::optional<v1::ClientListView> last;
  int saves = 0;
  bool bob_removed = false;
  for (const v1::ChangeEvent& event : events) {
    if (event.name() == firm + "/members/bob" && event.type() == v1::ChangeEvent::DELETED)
      bob_removed = true;
    if (event.name() == firm + "/members/bob/clientListView") {
      EXPECT_FALSE(bob_removed && event.has_resource())
          << "a view saved after its member was removed";
    }
    if (event.name() != firm + "/members/owner/clientListView") continue;
    ++saves;
    if (last.has_value()) {
      EXPECT_THAT(event.prior().client_list_view().columns(),
                  ElementsAre(last->columns(0), last->columns(1)))
          << "change " << event.sequence();
    }
    last = event.resource().client_list_view();
  }
  EXPECT_TRUE(bob_removed);
  EXPECT_GE(saves, 8);  // the distinct column pairs, saved in some order
}

TEST_F(ChangeFeedTest, AReaderSeesItsOwnFirmOnlyAndNotOthersListViews) {
  const std::string firm = NewFirm("owner");
  const std::string other = NewFirm("stranger");
  NewClient(firm, "Rossi SpA");
  AddStaff(firm, "bob");
  ASSERT_THAT(SaveListView(firm, "owner"), IsOk());

  v1::ListChangesRequest req;
  req.set_parent(firm);
  v1::ListChangesResponse resp;
  ASSERT_THAT(changes_->ListChanges(As("bob").get(), req, &resp), IsOk());
  std::set<std::string> types;
  for (const v1::ChangeEvent& event : resp.events()) {
    EXPECT_TRUE(event.name().rfind(firm, 0) == 0) << event.name();
    types.insert(event.resource_type());
  }
  EXPECT_TRUE(types.contains("clientbook.v1.Client"));
  EXPECT_FALSE(types.contains("clientbook.v1.ClientListView")) << "owner's own view";
  ASSERT_THAT(changes_->ListChanges(As("owner").get(), req, &resp), IsOk());
  EXPECT_EQ(resp.events().rbegin()->resource_type(), "clientbook.v1.ClientListView");

  EXPECT_THAT(changes_->ListChanges(As("stranger").get(), req, &resp),
              StatusIs(absl::StatusCode::kPermissionDenied));
  req.set_parent("firms/-");
  EXPECT_THAT(changes_->ListChanges(As("owner").get(), req, &resp),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_THAT(changes_->ListChanges(As("ops", "", "operator").get(), req, &resp), IsOk());
  bool saw_other = false;
  for (const v1::ChangeEvent& event : resp.events()) saw_other |= event.name() == other;
  EXPECT_TRUE(saw_other);
  req.set_parent("firms/x");
  EXPECT_THAT(changes_->ListChanges(As("owner").get(), req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A page says whether it reached the newest change. One call looks through
// at most 10,000 changes, so a filter that matches one note behind 11,000
// client changes gets an empty page first, not caught up; a full page
// with more behind it is not caught up either.
TEST_F(ChangeFeedTest, APageSaysWhetherItCaughtUpEvenWhenItIsEmpty) {
  const std::string firm = NewFirm("owner");
  std::vector<std::string> clients;
  for (int i = 0; i < 1000; ++i)
    clients.push_back(NewClient(firm, absl::StrCat("C", i)).name());
  for (int round = 0; round < 11; ++round) {
    v1::BatchUpdateClientNumbersRequest batch;
    batch.set_parent(firm);
    for (size_t i = 0; i < clients.size(); ++i) {
      v1::UpdateClientNumberRequest* entry = batch.add_requests();
      entry->set_client(clients[i]);
      entry->set_client_number(absl::StrCat("N", round, "-", i));
    }
    v1::BatchUpdateClientNumbersResponse out;
    ASSERT_THAT(directory_->BatchUpdateClientNumbers(As("owner").get(), batch, &out),
                IsOk());
  }
  v1::Note note;
  ASSERT_THAT(
      workspace_->CreateNote(As("owner").get(),
                             Text<v1::CreateNoteRequest>(absl::StrCat(
                                 "parent: '", firm, "' note { client: '", clients[0],
                                 "' kind: GENERAL text: 'behind them all' }")),
                             &note),
      IsOk());

  v1::ListChangesRequest req;
  req.set_parent(firm);
  req.set_filter("resource_type = \"clientbook.v1.Note\"");
  std::vector<int> page_sizes;
  std::vector<bool> caught_up;
  for (int page = 0; page < 5 && (caught_up.empty() || !caught_up.back()); ++page) {
    v1::ListChangesResponse resp;
    ASSERT_THAT(changes_->ListChanges(As("owner").get(), req, &resp), IsOk());
    page_sizes.push_back(resp.events_size());
    caught_up.push_back(resp.caught_up());
    req.set_resume_token(resp.resume_token());
  }
  EXPECT_THAT(page_sizes, ElementsAre(0, 1));
  EXPECT_THAT(caught_up, ElementsAre(false, true));

  req.set_filter("");
  req.clear_resume_token();
  req.set_page_size(1000);
  v1::ListChangesResponse full;
  ASSERT_THAT(changes_->ListChanges(As("owner").get(), req, &full), IsOk());
  EXPECT_EQ(full.events_size(), 1000);
  EXPECT_FALSE(full.caught_up());
  std::vector<v1::ChangeEvent> rest;
  req.set_resume_token(full.resume_token());
  ASSERT_THAT(testing::ListEveryChange(
                  *changes_, req, [] { return As("owner"); }, rest),
              IsOk());
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back().name(), note.name());
}

TEST_F(ChangeFeedTest, TokensResumeAndRefuseWhatIsNotTheirs) {
  const std::string firm = NewFirm("owner");
  NewClient(firm, "Rossi SpA");
  v1::ListChangesRequest req;
  req.set_parent(firm);
  req.set_filter("resource_type = \"clientbook.v1.Client\"");
  v1::ListChangesResponse first;
  ASSERT_THAT(changes_->ListChanges(As("owner").get(), req, &first), IsOk());
  ASSERT_EQ(first.events_size(), 1);
  NewClient(firm, "Verdi Srl");
  req.set_resume_token(first.resume_token());
  v1::ListChangesResponse second;
  ASSERT_THAT(changes_->ListChanges(As("owner").get(), req, &second), IsOk());
  ASSERT_EQ(second.events_size(), 1);
  EXPECT_EQ(second.events(0).resource().client().display_name(), "Verdi Srl");

  // Another filter's token, an edited one: INVALID_ARGUMENT.
  req.set_filter("type = DELETED");
  EXPECT_THAT(changes_->ListChanges(As("owner").get(), req, &second),
              StatusIs(absl::StatusCode::kInvalidArgument));
  req.set_filter("resource_type = \"clientbook.v1.Client\"");
  std::string edited = first.resume_token();
  edited[edited.size() - 3] = edited[edited.size() - 3] == 'x' ? 'y' : 'x';
  req.set_resume_token(edited);
  EXPECT_THAT(changes_->ListChanges(As("owner").get(), req, &second),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A list's change_token serves a watch of its parent with any filter.
  v1::ListClientsResponse listed;
  ASSERT_THAT(
      directory_->ListClients(
          As("owner").get(),
          Text<v1::ListClientsRequest>(absl::StrCat("parent: '", firm, "'")), &listed),
      IsOk());
  ASSERT_FALSE(listed.change_token().empty());
  NewClient(firm, "Neri Snc");
  req.set_resume_token(listed.change_token());
  ASSERT_THAT(changes_->ListChanges(As("owner").get(), req, &second), IsOk());
  ASSERT_EQ(second.events_size(), 1);
  EXPECT_EQ(second.events(0).resource().client().display_name(), "Neri Snc");
  // And so does a list of the firm's members.
  v1::ListFirmMembersResponse members;
  ASSERT_THAT(directory_->ListFirmMembers(
                  As("owner").get(),
                  Text<v1::ListFirmMembersRequest>(absl::StrCat("parent: '", firm, "'")),
                  &members),
              IsOk());
  ASSERT_FALSE(members.change_token().empty());
  AddStaff(firm, "carla");
  req.clear_filter();
  req.set_resume_token(members.change_token());
  ASSERT_THAT(changes_->ListChanges(As("owner").get(), req, &second), IsOk());
  ASSERT_GE(second.events_size(), 1);
  EXPECT_EQ(second.events(0).name(), firm + "/members/carla");
  // And a list of a client's notes, or of the firm's to-dos (until session
  // 53 neither named a position).
  const std::string client = NewClient(firm, "Bianchi Sas").name();
  v1::ListNotesResponse notes;
  ASSERT_THAT(workspace_->ListNotes(As("owner").get(),
                                    Text<v1::ListNotesRequest>(absl::StrCat(
                                        "parent: '", firm, "' client: '", client, "'")),
                                    &notes),
              IsOk());
  ASSERT_FALSE(notes.change_token().empty());
  v1::ListTodosResponse todos;
  ASSERT_THAT(
      workspace_->ListTodos(
          As("owner").get(),
          Text<v1::ListTodosRequest>(absl::StrCat("parent: '", firm, "'")), &todos),
      IsOk());
  ASSERT_FALSE(todos.change_token().empty());
  v1::Note note;
  ASSERT_THAT(workspace_->CreateNote(As("owner").get(),
                                     Text<v1::CreateNoteRequest>(absl::StrCat(
                                         "parent: '", firm, "' note { client: '", client,
                                         "' kind: GENERAL text: 'Called about VAT' }")),
                                     &note),
              IsOk());
  for (const std::string& token : {notes.change_token(), todos.change_token()}) {
    req.set_resume_token(token);
    ASSERT_THAT(changes_->ListChanges(As("owner").get(), req, &second), IsOk());
    ASSERT_GE(second.events_size(), 1);
    EXPECT_EQ(second.events(second.events_size() - 1).name(), note.name());
  }
  // But not of another firm.
  req.set_parent(NewFirm("owner"));
  EXPECT_THAT(changes_->ListChanges(As("owner").get(), req, &second),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ChangeFeedTest, AWatchDeliversInOrderAndEndsWhenItsMemberIsRemoved) {
  const std::string firm = NewFirm("owner");
  AddStaff(firm, "bob");
  auto ctx = As("bob");
  v1::WatchChangesRequest req;
  req.set_parent(firm);
  req.set_filter("resource_type = \"clientbook.v1.Client\"");
  auto stream = changes_->WatchChanges(ctx.get(), req);
  v1::WatchChangesResponse response;
  ASSERT_TRUE(stream->Read(&response));  // the start: a token, no events
  EXPECT_EQ(response.events_size(), 0);
  EXPECT_FALSE(response.resume_token().empty());
  for (int i = 0; i < 20; ++i) NewClient(firm, absl::StrCat("Client ", i));
  std::vector<std::string> seen;
  while (seen.size() < 20 && stream->Read(&response)) {
    for (const v1::ChangeEvent& event : response.events()) {
      seen.push_back(event.resource().client().display_name());
    }
  }
  ASSERT_EQ(seen.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(seen[i], absl::StrCat("Client ", i));

  v1::RemoveFirmMemberResponse removed;
  ASSERT_THAT(directory_->RemoveFirmMember(As("owner").get(),
                                           Text<v1::RemoveFirmMemberRequest>(absl::StrCat(
                                               "name: '", firm, "/members/bob'")),
                                           &removed),
              IsOk());
  while (stream->Read(&response)) {
  }
  EXPECT_THAT(stream->Finish(), StatusIs(absl::StatusCode::kPermissionDenied));
}

// Watches of one view share the batches one of them made (SharedBatches):
// two of the owner's watches get the same events, the owner's own list view
// among them, and a colleague's watch of the same firm and filter, made
// from the same changes, never gets that view.
TEST_F(ChangeFeedTest, WatchesShareBatchesOnlyWithTheirOwnCaller) {
  const std::string firm = NewFirm("owner");
  AddStaff(firm, "bob");
  v1::WatchChangesRequest req;
  req.set_parent(firm);
  struct Watch {
    std::unique_ptr<grpc::ClientContext> ctx;
    std::unique_ptr<grpc::ClientReader<v1::WatchChangesResponse>> stream;
  };
  std::vector<Watch> watches;
  for (const char* user : {"owner", "owner", "bob"}) {
    Watch watch{As(user), nullptr};
    watch.stream = changes_->WatchChanges(watch.ctx.get(), req);
    v1::WatchChangesResponse started;
    ASSERT_TRUE(watch.stream->Read(&started));
    watches.push_back(std::move(watch));
  }
  for (int i = 0; i < 3; ++i) {
    NewClient(firm, absl::StrCat("Client ", i));
    ASSERT_THAT(SaveListView(firm, "owner"), IsOk());
  }
  NewClient(firm, "Last");
  auto names_until_last = [](Watch& watch) {
    std::vector<std::string> names;
    v1::WatchChangesResponse response;
    while (watch.stream->Read(&response)) {
      for (const v1::ChangeEvent& event : response.events()) {
        names.push_back(event.name());
        if (event.resource().client().display_name() == "Last") return names;
      }
    }
    return names;
  };
  const std::vector<std::string> owner = names_until_last(watches[0]);
  EXPECT_EQ(names_until_last(watches[1]), owner);
  const std::vector<std::string> bob = names_until_last(watches[2]);
  const std::string view = firm + "/members/owner/clientListView";
  const auto owners_views = std::count(owner.begin(), owner.end(), view);
  EXPECT_GE(owners_views, 1);
  EXPECT_EQ(std::count(bob.begin(), bob.end(), view), 0) << "the owner's own view";
  EXPECT_EQ(bob.size(), owner.size() - owners_views);
  for (Watch& watch : watches) watch.ctx->TryCancel();
}

// A watcher that stops reading falls behind, and the metrics say by how
// many changes and how long; once it reads again it catches up and the lag
// is gone.
TEST_F(ChangeFeedTest, ASlowWatchersLagIsMeasuredUntilItCatchesUp) {
  auto gauge = [this](const std::string& name) {
    for (const prometheus::MetricFamily& family : service_->change_feed().Collect()) {
      if (family.name == name) return family.metric.front().gauge.value;
    }
    ADD_FAILURE() << "no metric " << name;
    return -1.0;
  };
  const std::string firm = NewFirm("owner");
  // A small receive window, so what the watcher does not read stays in the
  // service.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 * 1024);
  auto slow = v1::ChangeService::NewStub(grpc::CreateCustomChannel(
      service_->target(), grpc::InsecureChannelCredentials(), args));
  auto ctx = As("owner");
  v1::WatchChangesRequest req;
  req.set_parent(firm);
  auto stream = slow->WatchChanges(ctx.get(), req);
  v1::WatchChangesResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(gauge("clientbook_change_watches_behind"), 0);
  constexpr int kClients = 2000;
  for (int i = 0; i < kClients; ++i) NewClient(firm, absl::StrCat("Client ", i));
  EXPECT_EQ(gauge("clientbook_change_watches_behind"), 1);
  EXPECT_GT(gauge("clientbook_change_watch_lag_sequences_max"), 0);
  EXPECT_GT(gauge("clientbook_change_watch_lag_seconds_max"), 0);

  int seen = 0;
  while (seen < kClients && stream->Read(&response)) seen += response.events_size();
  ASSERT_EQ(seen, kClients);
  // The stream notes its position once the last write is done.
  for (int wait = 0; gauge("clientbook_change_watches_behind") != 0; ++wait) {
    ASSERT_LT(wait, 500) << "the watch never caught up";
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(gauge("clientbook_change_watch_lag_sequences_max"), 0);
  ctx->TryCancel();
  stream->Finish();
}

// A removal deletes the leaver's list view: a change when they had saved
// one, none when they never had.
// Pages of large resources come short, with a token, and each fits a
// message (4 MiB): a page of 100 change events of notes of 80 KB was 15 MB,
// refused "Sent message larger than max" at every try, so the feed could not
// be read past it; notes, to-dos and the audit alike.
TEST_F(ChangeFeedTest, PagesOfLargeResourcesComeShortAndEachFitsAMessage) {
  const std::string firm = NewFirm("owner");
  const std::string client = NewClient(firm, "Rossi SRL").name();
  // 60 notes and 60 to-dos of 20,000 characters of four bytes: 80 KB each.
  std::string big = "ledger ";
  for (int i = 0; i < 19'993; ++i) big += "\xF0\x9F\x98\x80";
  for (int i = 0; i < 60; ++i) {
    v1::CreateNoteRequest note;
    note.set_parent(firm);
    note.mutable_note()->set_client(client);
    note.mutable_note()->set_kind(v1::Note::GENERAL);
    note.mutable_note()->set_text(big);
    v1::Note noted;
    ASSERT_THAT(workspace_->CreateNote(As("owner").get(), note, &noted), IsOk());
    v1::CreateTodoRequest todo;
    todo.set_parent(firm);
    todo.mutable_todo()->set_client(client);
    todo.mutable_todo()->set_title(absl::StrCat("todo ", i));
    todo.mutable_todo()->set_description(big);
    todo.mutable_todo()->set_assignee(firm + "/members/owner");
    v1::Todo made;
    ASSERT_THAT(workspace_->CreateTodo(As("owner").get(), todo, &made), IsOk());
  }

  auto list_notes = [&](v1::ListNotesRequest request) {
    request.set_parent(firm);
    request.set_client(client);
    return EveryPageOf<v1::ListNotesResponse>(
        request,
        [&](const v1::ListNotesRequest& r, v1::ListNotesResponse* out) {
          return workspace_->ListNotes(As("owner").get(), r, out);
        },
        [](const v1::ListNotesResponse& page) {
          std::vector<std::string> names;
          for (const v1::Note& note : page.notes()) names.push_back(note.name());
          return names;
        });
  };
  // Read together at the end of the walk, read one by one as the walk
  // filters, and found through the word index.
  const std::vector<std::string> notes = list_notes({});
  EXPECT_EQ(notes.size(), 60u);
  EXPECT_EQ(std::set<std::string>(notes.begin(), notes.end()).size(), 60u);
  v1::ListNotesRequest by_author;
  by_author.set_author(firm + "/members/owner");
  EXPECT_EQ(list_notes(by_author), notes);
  v1::ListNotesRequest by_word;
  by_word.set_query("ledger");
  EXPECT_EQ(list_notes(by_word).size(), 60u);

  auto list_todos = [&](v1::ListTodosRequest request) {
    request.set_parent(firm);
    return EveryPageOf<v1::ListTodosResponse>(
        request,
        [&](const v1::ListTodosRequest& r, v1::ListTodosResponse* out) {
          return workspace_->ListTodos(As("owner").get(), r, out);
        },
        [](const v1::ListTodosResponse& page) {
          std::vector<std::string> names;
          for (const v1::Todo& todo : page.todos()) names.push_back(todo.name());
          return names;
        });
  };
  const std::vector<std::string> todos = list_todos({});
  EXPECT_EQ(std::set<std::string>(todos.begin(), todos.end()).size(), 60u);
  v1::ListTodosRequest open;
  open.set_open_only(true);
  EXPECT_EQ(list_todos(open).size(), 60u);
  // The work summary counts them a page at a time.
  v1::GetClientWorkSummaryRequest summarize;
  summarize.set_client(client);
  v1::ClientWorkSummary summary;
  ASSERT_THAT(workspace_->GetClientWorkSummary(As("owner").get(), summarize, &summary),
              IsOk());
  EXPECT_EQ(summary.open_todos(), 60);

  // The feed: every change once, in order, in pages that each fit.
  std::vector<v1::ChangeEvent> events;
  ASSERT_THAT(testing::ListEveryChange(
                  *changes_, Text<v1::ListChangesRequest>("parent: '" + firm + "'"),
                  [] { return As("owner"); }, events),
              IsOk());
  ASSERT_GE(events.size(), 122u);
  for (size_t i = 1; i < events.size(); ++i) {
    ASSERT_EQ(events[i].sequence(), events[i - 1].sequence() + 1);
  }

  v1::ListAuditEntriesRequest audit;
  audit.set_parent(firm);
  const std::vector<std::string> entries = EveryPageOf<v1::ListAuditEntriesResponse>(
      audit,
      [&](const v1::ListAuditEntriesRequest& r, v1::ListAuditEntriesResponse* out) {
        return changes_->ListAuditEntries(As("owner").get(), r, out);
      },
      [](const v1::ListAuditEntriesResponse& page) {
        std::vector<std::string> sequences;
        for (const v1::AuditEntry& entry : page.audit_entries()) {
          sequences.push_back(absl::StrCat(entry.change().sequence()));
        }
        return sequences;
      });
  EXPECT_EQ(std::set<std::string>(entries.begin(), entries.end()).size(), entries.size());
  EXPECT_GE(entries.size(), 120u);
}

TEST_F(ChangeFeedTest, OnlyAListViewThatExistedLeavesADeletion) {
  const std::string firm = NewFirm("owner");
  for (const char* user : {"bob", "carol"}) {
    AddStaff(firm, user);
  }
  ASSERT_THAT(SaveListView(firm, "carol"), IsOk());
  uint64_t next = 1;
  ChangesFrom(next);
  for (const char* user : {"bob", "carol"}) {
    v1::RemoveFirmMemberResponse removed;
    ASSERT_THAT(
        directory_->RemoveFirmMember(As("owner").get(),
                                     Text<v1::RemoveFirmMemberRequest>(absl::StrCat(
                                         "name: '", firm, "/members/", user, "'")),
                                     &removed),
        IsOk());
  }
  std::vector<std::string> deleted;
  for (const v1::ChangeEvent& event : ChangesFrom(next)) {
    EXPECT_EQ(event.type(), v1::ChangeEvent::DELETED);
    deleted.push_back(event.name());
  }
  EXPECT_THAT(deleted,
              ElementsAre(firm + "/members/bob", firm + "/members/carol/clientListView",
                          firm + "/members/carol"));
}

// The bootstrap recipe: list (keeping the first page's change_token), then
// apply the feed from that token; with writers running throughout, the copy
// ends equal to the directory.
TEST_F(ChangeFeedTest, ListThenFollowEndsEqualToTheStoreUnderConcurrentWrites) {
  const std::string firm = NewFirm("owner");
  std::vector<std::string> names;
  for (int i = 0; i < 150; ++i)
    names.push_back(NewClient(firm, absl::StrCat("C", i)).name());
  std::atomic<bool> stop = false;
  std::atomic<int> writes = 0;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i, ++writes) {
      const std::string& name = names[i % names.size()];
      if (i % 7 == 3) {
        google::protobuf::Empty out;
        directory_->DeleteClient(
            As("owner").get(),
            Text<v1::DeleteClientRequest>(absl::StrCat("name: '", name, "'")), &out);
      } else if (i % 5 == 0) {
        NewClient(firm, absl::StrCat("New ", i));
      } else {
        v1::Client now;
        v1::GetClientRequest get;
        get.set_name(name);
        if (!directory_->GetClient(As("owner").get(), get, &now).ok()) continue;
        v1::Client out;
        directory_->UpdateClient(
            As("owner").get(),
            Text<v1::UpdateClientRequest>(absl::StrCat(
                "client { name: '", name, "' display_name: 'C", i, "' etag: '",
                now.etag(),
                "' } update_mask { paths: 'display_name' } allow_duplicate_name: true")),
            &out);
      }
    }
  });
  auto list_all = [&](std::string* token) {
    testing::NamesToEtags copy;
    v1::ListClientsRequest req;
    req.set_parent(firm);
    req.set_page_size(20);
    req.set_show_inactive(true);
    EXPECT_THAT(ListClientsIntoCopy(req, copy, token), IsOk());
    return copy;
  };
  std::string token;
  testing::NamesToEtags copy = list_all(&token);
  // More writes after the list.
  for (const int listed = writes; writes < listed + 30;) std::this_thread::yield();
  stop = true;
  writer.join();

  v1::ListChangesRequest req;
  req.set_parent(firm);
  req.set_filter("resource_type = \"clientbook.v1.Client\"");
  req.set_resume_token(token);
  ASSERT_THAT(testing::FollowInto(
                  *changes_, req, [] { return As("owner"); }, copy),
              IsOk());
  EXPECT_EQ(copy, list_all(nullptr));
}

TEST_F(ChangeFeedTest, BadWatchesAreRefusedWithClearStatuses) {
  const std::string firm = NewFirm("owner");
  v1::ListChangesRequest req;
  req.set_parent(firm);
  v1::ListChangesResponse resp;
  for (const char* filter : {"color = red", "type = EXPLODED", "name"}) {
    req.set_filter(filter);
    const grpc::Status status = changes_->ListChanges(As("owner").get(), req, &resp);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << filter;
  }
  req.set_filter("");
  req.set_page_size(-1);
  EXPECT_THAT(changes_->ListChanges(As("owner").get(), req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument));
  req.set_page_size(0);
  req.set_resume_token("bm90IGEgdG9rZW4");
  EXPECT_THAT(changes_->ListChanges(As("owner").get(), req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument));

  auto ctx = As("owner");
  v1::WatchChangesRequest watch;
  watch.set_parent(firm);
  watch.set_resume_token("bm90IGEgdG9rZW4");
  watch.set_start(v1::WatchChangesRequest::NOW);
  auto stream = changes_->WatchChanges(ctx.get(), watch);
  v1::WatchChangesResponse response;
  EXPECT_FALSE(stream->Read(&response));
  const grpc::Status status = stream->Finish();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::ReasonOf(FromGrpcStatus(status)), "INVALID_ARGUMENT")
      << "neither expired nor of another epoch";
}

// SNAPSHOT: every resource of the firm the member may read, as EXISTS
// events without tokens, then snapshot_complete with the token the live
// changes follow from.
TEST_F(ChangeFeedTest, ASnapshotHoldsEveryResourceTheReaderMaySeeThenTheLiveChanges) {
  const std::string firm = NewFirm("owner");
  NewFirm("stranger");
  AddStaff(firm, "bob");
  const v1::Client a = NewClient(firm, "Alpha");
  NewClient(firm, "Beta");
  for (const char* user : {"owner", "bob"}) {
    ASSERT_THAT(SaveListView(firm, user), IsOk());
  }
  v1::Note note;
  ASSERT_THAT(
      workspace_->CreateNote(As("owner").get(),
                             Text<v1::CreateNoteRequest>(absl::StrCat(
                                 "parent: '", firm, "' note { client: '", a.name(),
                                 "' kind: GENERAL text: 'Called about VAT' }")),
                             &note),
      IsOk());
  v1::Todo todo;
  ASSERT_THAT(workspace_->CreateTodo(
                  As("owner").get(),
                  Text<v1::CreateTodoRequest>(absl::StrCat(
                      "parent: '", firm, "' todo { client: '", a.name(),
                      "' title: 'File VAT' assignee: '", firm, "/members/bob' }")),
                  &todo),
              IsOk());
  // A pending invitation is no firm's yet: not in the firm's snapshot.
  v1::Invitation invitation;
  ASSERT_THAT(directory_->CreateInvitation(
                  As("gialli").get(),
                  Text<v1::CreateInvitationRequest>(
                      "invitation { client_display_name: 'Gialli SpA' client_type: "
                      "BUSINESS invitee_email: 'owner@studio.example' }"),
                  &invitation),
              IsOk());
  uint64_t next = 1;
  const std::vector<v1::ChangeEvent> before = ChangesFrom(next);
  ASSERT_FALSE(before.empty());
  const uint64_t last = before.back().sequence();

  auto ctx = As("bob");
  v1::WatchChangesRequest req;
  req.set_parent(firm);
  req.set_start(v1::WatchChangesRequest::SNAPSHOT);
  auto stream = changes_->WatchChanges(ctx.get(), req);
  std::map<std::string, std::string> found;  // name -> resource type
  v1::WatchChangesResponse response;
  while (stream->Read(&response) && !response.snapshot_complete()) {
    EXPECT_TRUE(response.resume_token().empty());
    for (const v1::ChangeEvent& event : response.events()) {
      EXPECT_EQ(event.type(), v1::ChangeEvent::EXISTS);
      EXPECT_EQ(event.sequence(), last);
      EXPECT_FALSE(event.has_commit_time());
      EXPECT_TRUE(event.has_resource());
      if (event.resource().has_client()) {
        EXPECT_EQ(event.etag(), event.resource().client().etag());
        EXPECT_FALSE(event.etag().empty());
      }
      found[event.name()] = event.resource_type();
    }
  }
  ASSERT_TRUE(response.snapshot_complete());
  EXPECT_FALSE(response.resume_token().empty());
  EXPECT_EQ(response.events_size(), 0);
  const std::map<std::string, std::string> expected = {
      {firm, "clientbook.v1.Firm"},
      {firm + "/members/owner", "clientbook.v1.FirmMember"},
      {firm + "/members/bob", "clientbook.v1.FirmMember"},
      {a.name(), "clientbook.v1.Client"},
      {firm + "/members/bob/clientListView", "clientbook.v1.ClientListView"},
      {note.name(), "clientbook.v1.Note"},
      {todo.name(), "clientbook.v1.Todo"},
  };
  for (const auto& [name, type] : expected) {
    EXPECT_EQ(found[name], type) << name;
  }
  // Two clients, and neither the owner's view nor another firm's anything.
  EXPECT_EQ(found.size(), expected.size() + 1);
  EXPECT_FALSE(found.contains(firm + "/members/owner/clientListView"));

  const v1::Client gamma = NewClient(firm, "Gamma");
  std::vector<std::string> live;
  while (live.empty() && stream->Read(&response)) {
    EXPECT_FALSE(response.resume_token().empty());
    for (const v1::ChangeEvent& event : response.events()) live.push_back(event.name());
  }
  EXPECT_THAT(live, ElementsAre(gamma.name()));
  ctx->TryCancel();
  stream->Finish();
}

// A snapshot taken while writers run, then its live changes applied by
// etag, ends equal to the directory: nothing the snapshot missed, nothing
// it held counted again.
TEST_F(ChangeFeedTest, ASnapshotsBatchesWaitForTheirFirmsShareOfTheServer) {
  v1::WatchChangesRequest req;
  req.set_parent(NewFirm("owner"));
  NewClient(req.parent(), "Alpha");
  req.set_start(v1::WatchChangesRequest::SNAPSHOT);
  ExpectTheFirstBatchWaitsForASeat(req);
}

TEST_F(ChangeFeedTest, AWatchCatchingUpReadsInItsFirmsShareOfTheServer) {
  v1::WatchChangesRequest req;
  req.set_parent(NewFirm("owner"));
  v1::ListChangesRequest list;
  list.set_parent(req.parent());
  list.set_page_size(1);
  v1::ListChangesResponse page;
  ASSERT_THAT(changes_->ListChanges(As("owner").get(), list, &page), IsOk());
  req.set_resume_token(page.resume_token());
  // A full batch behind (a live watch's batches hold what 20 ms brought).
  for (int i = 0; i < 500; ++i) NewClient(req.parent(), absl::StrCat("Client ", i));
  ExpectTheFirstBatchWaitsForASeat(req);
}

TEST_F(ChangeFeedTest, ASnapshotThenItsChangesEndEqualToTheStoreUnderConcurrentWrites) {
  const std::string firm = NewFirm("owner");
  std::vector<std::string> names;
  for (int i = 0; i < 1200; ++i)
    names.push_back(NewClient(firm, absl::StrCat("C", i)).name());
  std::atomic<bool> stop = false;
  std::atomic<int> writes = 0;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i, ++writes) {
      const std::string& name = names[(i * 37) % names.size()];
      if (i % 7 == 3) {
        google::protobuf::Empty out;
        directory_->DeleteClient(
            As("owner").get(),
            Text<v1::DeleteClientRequest>(absl::StrCat("name: '", name, "'")), &out);
      } else if (i % 5 == 0) {
        NewClient(firm, absl::StrCat("New ", i));
      } else {
        v1::Client out;
        directory_->UpdateClient(
            As("owner").get(),
            Text<v1::UpdateClientRequest>(absl::StrCat(
                "client { name: '", name, "' display_name: 'C", i,
                "' } update_mask { paths: 'display_name' } allow_duplicate_name: true")),
            &out);
      }
    }
  });
  auto ctx = As("owner");
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::WatchChangesRequest req;
  req.set_parent(firm);
  req.set_filter("resource_type = \"clientbook.v1.Client\"");
  req.set_start(v1::WatchChangesRequest::SNAPSHOT);
  auto stream = changes_->WatchChanges(ctx.get(), req);
  testing::NamesToEtags copy;
  v1::WatchChangesResponse response;
  bool complete = false;
  while (!complete && stream->Read(&response)) {
    for (const v1::ChangeEvent& event : response.events()) {
      testing::ApplyToCopy(event, copy);
    }
    complete = response.snapshot_complete();
  }
  ASSERT_TRUE(complete);
  for (const int seen = writes; writes < seen + 30;) std::this_thread::yield();
  stop = true;
  writer.join();
  const std::string marker = NewClient(firm, "Marker").name();
  while (!copy.contains(marker) && stream->Read(&response)) {
    for (const v1::ChangeEvent& event : response.events()) {
      testing::ApplyToCopy(event, copy);
    }
  }
  ctx->TryCancel();
  stream->Finish();

  testing::NamesToEtags listed;
  v1::ListClientsRequest list;
  list.set_parent(firm);
  list.set_page_size(1000);
  list.set_show_inactive(true);
  ASSERT_THAT(ListClientsIntoCopy(list, listed), IsOk());
  EXPECT_EQ(copy, listed);
}

}  // namespace
}  // namespace clientbook::directory
