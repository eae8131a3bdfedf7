// The real DirectoryService on an ephemeral port over a temporary RocksDB,
// called through the generated stub: what a platform service sees.
#include "services/directory/api/directory_service.h"

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "clientbook/v1/workspace.grpc.pb.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/in_process_directory.h"
#include "tests/support/longest_products.h"
#include "tests/support/required_fields.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/text_proto.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::HasSubstr;
using v1::DirectoryService;

class DirectoryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ =
        std::make_unique<testing::InProcessDirectory>(dir_.Sub("db"), clock_, wholesale_);
    channel_ =
        grpc::CreateChannel(service_->target(), grpc::InsecureChannelCredentials());
    stub_ = v1::DirectoryService::NewStub(channel_);
  }

  // `verified_email`: the address header mode takes as proved.
  std::unique_ptr<grpc::ClientContext> As(const std::string& user,
                                          const std::string& verified_email = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!user.empty()) ctx->AddMetadata("x-user-id", user);
    if (!verified_email.empty()) ctx->AddMetadata("x-user-email", verified_email);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  std::string CreateFirm(const std::string& owner) {
    v1::CreateFirmRequest req;
    req.mutable_firm()->set_display_name("Studio " + owner);
    req.set_creator_email(owner + "@studio.example");
    v1::Firm firm;
    EXPECT_THAT(stub_->CreateFirm(As(owner).get(), req, &firm), IsOk());
    return firm.name();
  }

  // A staff member `user` of `firm`, added by its creator alice.
  v1::FirmMember AddStaff(const std::string& firm, const std::string& user) {
    v1::AddFirmMemberRequest add;
    add.set_parent(firm);
    add.mutable_member()->set_user_id(user);
    add.mutable_member()->set_email(absl::StrCat(user, "@studio.example"));
    add.mutable_member()->set_role(v1::STAFF);
    v1::FirmMember member;
    EXPECT_THAT(stub_->AddFirmMember(As("alice").get(), add, &member), IsOk());
    return member;
  }

  grpc::Status CreateClient(const std::string& user, const std::string& firm,
                            const std::string& name, const std::string& number,
                            v1::Client* out) {
    v1::CreateClientRequest req;
    req.set_parent(firm);
    req.mutable_client()->set_display_name(name);
    req.mutable_client()->set_client_type(v1::BUSINESS);
    req.mutable_client()->set_client_number(number);
    return stub_->CreateClient(As(user).get(), req, out);
  }

  grpc::StatusCode GetClientAsAlice(const std::string& name) {
    v1::GetClientRequest req;
    req.set_name(name);
    v1::Client out;
    return stub_->GetClient(As("alice").get(), req, &out).error_code();
  }

  // `method` of `stub` with `request`, which is the method's request type.
  template <typename Stub, typename Request, typename Response>
  static grpc::Status CallAs(Stub& stub,
                             grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                          const Request&, Response*),
                             grpc::ClientContext* ctx,
                             const google::protobuf::Message& request) {
    Response response;
    return (stub.*method)(ctx, static_cast<const Request&>(request), &response);
  }

  static google::rpc::Status Details(const grpc::Status& status) {
    google::rpc::Status details;
    details.ParseFromString(status.error_details());
    return details;
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  FakeWholesaleCheck wholesale_;
  std::unique_ptr<testing::InProcessDirectory> service_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::DirectoryService::Stub> stub_;
};

TEST_F(DirectoryServiceTest, HealthReportsServing) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_THAT(health->Check(As("").get(), req, &resp), IsOk());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

// AIP-154 on deletes: an etag sent with DeleteClient or RemoveFirmMember
// must be current; a stale one is ABORTED and nothing goes.
TEST_F(DirectoryServiceTest, AStaleEtagDeletesNoClientAndRemovesNoMember) {
  const std::string firm = CreateFirm("alice");
  const v1::FirmMember bruno = AddStaff(firm, "bruno");
  v1::Client rossi;
  ASSERT_THAT(CreateClient("alice", firm, "Rossi", "R-1", &rossi), IsOk());
  v1::UpdateClientRequest update;
  update.mutable_client()->set_name(rossi.name());
  update.mutable_client()->set_etag(rossi.etag());
  update.mutable_client()->set_email("info@rossi.example");
  v1::Client updated;
  ASSERT_THAT(stub_->UpdateClient(As("alice").get(), update, &updated), IsOk());

  v1::DeleteClientRequest drop;
  drop.set_name(rossi.name());
  drop.set_etag(rossi.etag());
  google::protobuf::Empty none;
  EXPECT_THAT(stub_->DeleteClient(As("alice").get(), drop, &none),
              StatusIs(absl::StatusCode::kAborted));
  v1::GetClientRequest get;
  get.set_name(rossi.name());
  v1::Client still;
  EXPECT_THAT(stub_->GetClient(As("alice").get(), get, &still), IsOk());
  drop.set_etag(updated.etag());
  EXPECT_THAT(stub_->DeleteClient(As("alice").get(), drop, &none), IsOk());

  v1::RemoveFirmMemberRequest remove;
  remove.set_name(bruno.name());
  remove.set_etag("r99");
  v1::RemoveFirmMemberResponse removed;
  EXPECT_THAT(stub_->RemoveFirmMember(As("alice").get(), remove, &removed),
              StatusIs(absl::StatusCode::kAborted));
  remove.set_etag(bruno.etag());
  ASSERT_THAT(stub_->RemoveFirmMember(As("alice").get(), remove, &removed), IsOk());
  EXPECT_EQ(removed.removed_member().name(), bruno.name());
}

TEST_F(DirectoryServiceTest, UpdatesAMembersRoleWithItsEtag) {
  const std::string firm = CreateFirm("alice");
  const v1::FirmMember bruno = AddStaff(firm, "bruno");
  EXPECT_FALSE(bruno.etag().empty());

  v1::UpdateFirmMemberRequest update;
  *update.mutable_member() = bruno;
  update.mutable_member()->set_role(v1::ADMIN);
  update.mutable_update_mask()->add_paths("role");
  v1::FirmMember promoted;
  ASSERT_THAT(stub_->UpdateFirmMember(As("alice").get(), update, &promoted), IsOk());
  EXPECT_EQ(promoted.role(), v1::ADMIN);
  EXPECT_NE(promoted.etag(), bruno.etag());
  // The same update again carries the etag it was read with: stale.
  const absl::Status stale =
      FromGrpcStatus(stub_->UpdateFirmMember(As("alice").get(), update, &promoted));
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(errors::ReasonOf(stale), "STALE_ETAG");
  EXPECT_EQ(errors::ReasonMetadataOf(stale)["current_etag"], promoted.etag());
  update.mutable_member()->set_name(absl::StrCat(firm, "/clients/1"));
  EXPECT_THAT(stub_->UpdateFirmMember(As("alice").get(), update, &promoted),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// AIP-131: one member, as ListFirmMembers shows it, to any member of the firm.
TEST_F(DirectoryServiceTest, GetsOneMemberWithItsEtag) {
  const std::string firm = CreateFirm("alice");
  const v1::FirmMember bruno = AddStaff(firm, "bruno");
  v1::GetFirmMemberRequest get;
  get.set_name(bruno.name());
  v1::FirmMember got;
  ASSERT_THAT(stub_->GetFirmMember(As("bruno").get(), get, &got), IsOk());
  EXPECT_EQ(got.SerializeAsString(), bruno.SerializeAsString());
  get.set_name(firm + "/members/alice");
  ASSERT_THAT(stub_->GetFirmMember(As("bruno").get(), get, &got), IsOk());
  EXPECT_EQ(got.role(), v1::PRIMARY_ADMIN);

  // AIP-193: a machine-readable reason, and what the message names in its
  // metadata.
  get.set_name(firm + "/members/nobody");
  const absl::Status missing =
      FromGrpcStatus(stub_->GetFirmMember(As("bruno").get(), get, &got));
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound, "members/nobody"));
  EXPECT_EQ(errors::ReasonOf(missing), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(errors::ReasonMetadataOf(missing)["resource"], get.name());
  get.set_name(bruno.name());
  const absl::Status stranger =
      FromGrpcStatus(stub_->GetFirmMember(As("mallory").get(), get, &got));
  EXPECT_THAT(stranger, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(errors::ReasonOf(stranger), "NOT_A_MEMBER");
  EXPECT_EQ(errors::ReasonMetadataOf(stranger)["firm"], firm);
  v1::RemoveFirmMemberRequest remove;
  remove.set_name(firm + "/members/alice");
  v1::RemoveFirmMemberResponse removed;
  const absl::Status staff =
      FromGrpcStatus(stub_->RemoveFirmMember(As("bruno").get(), remove, &removed));
  EXPECT_THAT(staff, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(errors::ReasonOf(staff), "ROLE_REQUIRED");
  EXPECT_EQ(errors::ReasonMetadataOf(staff)["role"], "ADMIN");
  get.set_name(firm + "/clients/1");
  EXPECT_THAT(stub_->GetFirmMember(As("bruno").get(), get, &got),
              StatusIs(absl::StatusCode::kInvalidArgument, "name"));
}

// AIP-203: a create with only the fields the contract marks REQUIRED (of
// its request and its resource) succeeds, and without any one of them is
// refused naming it: what a generated client is told it must send is what
// the service asks for.
TEST_F(DirectoryServiceTest, ACreateNeedsExactlyTheFieldsTheContractMarksRequired) {
  const std::string firm = CreateFirm("alice");
  v1::Client client;
  ASSERT_THAT(CreateClient("alice", firm, "Rossi SRL", "", &client), IsOk());
  auto workspace = v1::WorkspaceService::NewStub(channel_);
  using google::protobuf::Message;
  auto rpc = [this](auto& stub, auto method, const std::string& user) {
    return [this, &stub, method, user](const Message& request) {
      return CallAs(stub, method, As(user).get(), request);
    };
  };
  struct Create {
    std::unique_ptr<Message> minimal;
    std::function<grpc::Status(const Message&)> call;
  };
  auto make = [](auto request) -> std::unique_ptr<Message> {
    return std::make_unique<decltype(request)>(std::move(request));
  };
  std::vector<Create> creates;
  creates.push_back(
      {make(testing::Text<v1::CreateFirmRequest>(
           "firm { display_name: 'Studio Due' } creator_email: 'bea@studio.example'")),
       rpc(*stub_, &v1::DirectoryService::Stub::CreateFirm, "bea")});
  creates.push_back({make(testing::Text<v1::AddFirmMemberRequest>(absl::StrCat(
                         "parent: '", firm,
                         "' member { user_id: 'carla' email: 'carla@studio.example' "
                         "role: STAFF }"))),
                     rpc(*stub_, &v1::DirectoryService::Stub::AddFirmMember, "alice")});
  creates.push_back(
      {make(testing::Text<v1::CreateClientRequest>(
           absl::StrCat("parent: '", firm,
                        "' client { display_name: 'Bianchi' client_type: INDIVIDUAL }"))),
       rpc(*stub_, &v1::DirectoryService::Stub::CreateClient, "alice")});
  creates.push_back(
      {make(testing::Text<v1::CreateInvitationRequest>(
           "invitation { client_display_name: 'Verdi' client_type: BUSINESS "
           "invitee_email: 'alice@studio.example' }")),
       rpc(*stub_, &v1::DirectoryService::Stub::CreateInvitation, "verdi-owner")});
  creates.push_back({make(testing::Text<v1::CreateNoteRequest>(absl::StrCat(
                         "parent: '", firm, "' note { client: '", client.name(),
                         "' kind: GENERAL text: 'Called about VAT' }"))),
                     rpc(*workspace, &v1::WorkspaceService::Stub::CreateNote, "alice")});
  creates.push_back(
      {make(testing::Text<v1::CreateTodoRequest>(
           absl::StrCat("parent: '", firm, "' todo { client: '", client.name(),
                        "' title: 'VAT return' assignee: '", firm, "/members/alice' }"))),
       rpc(*workspace, &v1::WorkspaceService::Stub::CreateTodo, "alice")});

  for (const Create& create : creates) {
    const std::string method = create.minimal->GetDescriptor()->name();
    const std::vector<std::string> required =
        testing::RequiredPaths(*create.minimal->GetDescriptor());
    ASSERT_THAT(testing::SetPaths(*create.minimal),
                ::testing::UnorderedElementsAreArray(required))
        << method << " is tried with its REQUIRED fields, no more";
    for (const std::string& path : required) {
      std::unique_ptr<Message> without(create.minimal->New());
      without->CopyFrom(*create.minimal);
      testing::ClearPath(*without, path);
      const grpc::Status refused = create.call(*without);
      EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << method << " without " << path;
      EXPECT_THAT(
          errors::FieldViolationsOf(FromGrpcStatus(refused)),
          ::testing::Contains(::testing::Field(&errors::FieldViolation::field, path)))
          << method << " without " << path << ": " << refused.error_message();
    }
    EXPECT_THAT(create.call(*create.minimal), IsOk()) << method;
  }
}

TEST_F(DirectoryServiceTest, RemovesAMemberAndHandsTheirClientsToAnother) {
  const std::string firm = CreateFirm("alice");
  for (const char* user : {"bruno", "carla"}) AddStaff(firm, user);
  v1::Client rossi;
  ASSERT_THAT(CreateClient("bruno", firm, "Rossi SRL", "", &rossi), IsOk());

  v1::RemoveFirmMemberRequest remove;
  remove.set_name(firm + "/members/bruno");
  v1::RemoveFirmMemberResponse removed;
  grpc::Status refused = stub_->RemoveFirmMember(As("alice").get(), remove, &removed);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  google::rpc::ErrorInfo info;
  ASSERT_EQ(Details(refused).details_size(), 1);
  ASSERT_TRUE(Details(refused).details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "MEMBER_HAS_CLIENTS");
  EXPECT_EQ(info.metadata().at("clients"), "1");
  remove.set_reassign_to(firm + "/clients/1");
  EXPECT_THAT(stub_->RemoveFirmMember(As("alice").get(), remove, &removed),
              StatusIs(absl::StatusCode::kInvalidArgument));

  remove.set_reassign_to(firm + "/members/carla");
  remove.set_request_id("bruno-leaves");
  ASSERT_THAT(stub_->RemoveFirmMember(As("alice").get(), remove, &removed), IsOk());
  EXPECT_EQ(removed.removed_member().name(), firm + "/members/bruno");
  EXPECT_EQ(removed.reassigned_to(), firm + "/members/carla");
  EXPECT_EQ(removed.clients_reassigned(), 1);
  v1::RemoveFirmMemberResponse again;
  ASSERT_THAT(stub_->RemoveFirmMember(As("alice").get(), remove, &again), IsOk());
  EXPECT_EQ(again.clients_reassigned(), 1);

  v1::GetClientRequest get;
  get.set_name(rossi.name());
  v1::Client read;
  ASSERT_THAT(stub_->GetClient(As("alice").get(), get, &read), IsOk());
  EXPECT_EQ(read.lead_accountant(), firm + "/members/carla");
  EXPECT_THAT(stub_->GetClient(As("bruno").get(), get, &read),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(DirectoryServiceTest, CallsWithoutAUserIdAreUnauthenticated) {
  v1::ListMyFirmsRequest req;
  v1::ListMyFirmsResponse resp;
  EXPECT_THAT(stub_->ListMyFirms(As("").get(), req, &resp),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(DirectoryServiceTest, CreatesListsSearchesAndUpdatesClients) {
  std::string firm = CreateFirm("alice");
  v1::Client rossi, bianchi;
  ASSERT_THAT(CreateClient("alice", firm, "Società Rossi", "R-1", &rossi), IsOk());
  ASSERT_THAT(CreateClient("alice", firm, "Bianchi", "", &bianchi), IsOk());
  EXPECT_THAT(rossi.name(), HasSubstr(firm + "/clients/"));
  EXPECT_EQ(rossi.lead_accountant(), firm + "/members/alice");

  v1::ListClientsRequest list;
  list.set_parent(firm);
  list.set_name_query("societa");
  v1::ListClientsResponse found;
  ASSERT_THAT(stub_->ListClients(As("alice").get(), list, &found), IsOk());
  ASSERT_EQ(found.clients_size(), 1);
  EXPECT_EQ(found.clients(0).name(), rossi.name());

  v1::UpdateClientRequest update;
  *update.mutable_client() = rossi;
  update.mutable_client()->set_client_number("R-2");
  update.mutable_update_mask()->add_paths("client_number");
  v1::Client updated;
  ASSERT_THAT(stub_->UpdateClient(As("alice").get(), update, &updated), IsOk());
  EXPECT_EQ(updated.client_number(), "R-2");

  // The same update again carries the old etag now: ABORTED, not applied.
  update.mutable_client()->set_client_number("R-3");
  v1::Client ignored;
  EXPECT_THAT(stub_->UpdateClient(As("alice").get(), update, &ignored),
              StatusIs(absl::StatusCode::kAborted));
}

// AIP-134, as grpcurl users send it: a client read, edited and sent back
// without update_mask changes the fields it sets (its name, etag, status
// and times ignored); "*" sets every updatable field, clearing those left
// unset.
TEST_F(DirectoryServiceTest, AnUpdateWithoutAMaskChangesTheFieldsTheClientSets) {
  std::string firm = CreateFirm("alice");
  v1::Client rossi;
  ASSERT_THAT(CreateClient("alice", firm, "Rossi", "R-1", &rossi), IsOk());
  v1::UpdateClientRequest update;
  *update.mutable_client() = rossi;
  update.mutable_client()->set_email("info@rossi.example");
  update.mutable_client()->set_client_number("R-2");
  v1::Client updated;
  ASSERT_THAT(stub_->UpdateClient(As("alice").get(), update, &updated), IsOk());
  EXPECT_EQ(updated.email(), "info@rossi.example");
  EXPECT_EQ(updated.client_number(), "R-2");
  EXPECT_EQ(updated.display_name(), "Rossi");
  EXPECT_EQ(updated.create_time().seconds(), rossi.create_time().seconds());

  v1::UpdateClientRequest replace;
  replace.mutable_client()->set_name(rossi.name());
  replace.mutable_client()->set_etag(updated.etag());
  replace.mutable_client()->set_display_name("Rossi SRL");
  replace.mutable_client()->set_client_type(v1::BUSINESS);
  replace.mutable_update_mask()->add_paths("*");
  v1::Client replaced;
  EXPECT_THAT(
      stub_->UpdateClient(As("alice").get(), replace, &replaced),
      StatusIs(absl::StatusCode::kInvalidArgument, "client.lead_accountant: is required"))
      << "a client always has a lead accountant";
  replace.mutable_client()->set_lead_accountant(rossi.lead_accountant());
  ASSERT_THAT(stub_->UpdateClient(As("alice").get(), replace, &replaced), IsOk());
  EXPECT_EQ(replaced.display_name(), "Rossi SRL");
  EXPECT_EQ(replaced.email(), "");
  EXPECT_EQ(replaced.client_number(), "");

  replace.mutable_client()->set_etag(replaced.etag());
  replace.mutable_update_mask()->add_paths("email");
  EXPECT_THAT(stub_->UpdateClient(As("alice").get(), replace, &replaced),
              StatusIs(absl::StatusCode::kInvalidArgument, "'*'"));
  v1::UpdateClientRequest nothing;
  nothing.mutable_client()->set_name(rossi.name());
  nothing.mutable_client()->set_etag(replaced.etag());
  EXPECT_THAT(stub_->UpdateClient(As("alice").get(), nothing, &replaced),
              StatusIs(absl::StatusCode::kInvalidArgument, "update_mask"));
}

// AIP-203 and AIP-161: output-only paths in a mask are ignored, so a client
// read and sent back with the mask it was read with changes nothing; a
// member's user_id is IMMUTABLE; a path that is no field stays refused.
TEST_F(DirectoryServiceTest, AnUpdateIgnoresOutputOnlyPathsAndKeepsTheImmutable) {
  std::string firm = CreateFirm("alice");
  v1::Client rossi;
  ASSERT_THAT(CreateClient("alice", firm, "Rossi", "R-1", &rossi), IsOk());
  v1::UpdateClientRequest update;
  *update.mutable_client() = rossi;
  update.mutable_client()->set_status(v1::INACTIVE);
  update.mutable_client()->set_primary_admin_user_id("mallory");
  for (const char* path :
       {"name", "etag", "company_id", "status", "primary_admin_user_id", "create_time",
        "update_time", "display_name"}) {
    update.mutable_update_mask()->add_paths(path);
  }
  v1::Client updated;
  ASSERT_THAT(stub_->UpdateClient(As("alice").get(), update, &updated), IsOk());
  EXPECT_EQ(updated.etag(), rossi.etag()) << "nothing changed, nothing written";
  EXPECT_EQ(updated.status(), v1::ACTIVE);
  EXPECT_EQ(updated.primary_admin_user_id(), rossi.primary_admin_user_id());
  update.mutable_update_mask()->add_paths("notes");
  EXPECT_THAT(stub_->UpdateClient(As("alice").get(), update, &updated),
              StatusIs(absl::StatusCode::kInvalidArgument, "'notes' cannot be updated"));

  v1::ListFirmMembersRequest list;
  list.set_parent(firm);
  v1::ListFirmMembersResponse members;
  ASSERT_THAT(stub_->ListFirmMembers(As("alice").get(), list, &members), IsOk());
  v1::UpdateFirmMemberRequest member;
  *member.mutable_member() = members.members(0);
  member.mutable_member()->set_display_name("Alice R.");
  v1::FirmMember renamed;
  ASSERT_THAT(stub_->UpdateFirmMember(As("alice").get(), member, &renamed), IsOk())
      << "a member read and sent back names their user_id as it is";
  EXPECT_EQ(renamed.display_name(), "Alice R.");
  *member.mutable_member() = renamed;
  member.mutable_member()->set_user_id("bob");
  EXPECT_THAT(stub_->UpdateFirmMember(As("alice").get(), member, &renamed),
              StatusIs(absl::StatusCode::kInvalidArgument, "member.user_id"));
}

// AIP-157 partial responses: only the fields asked for come back; a path
// that is not a field of Client is INVALID_ARGUMENT.
TEST_F(DirectoryServiceTest, ListClientsReturnsTheFieldsOfItsReadMask) {
  std::string firm = CreateFirm("alice");
  v1::Client rossi;
  ASSERT_THAT(CreateClient("alice", firm, "Rossi", "R-1", &rossi), IsOk());
  v1::ListClientsRequest list;
  list.set_parent(firm);
  list.mutable_read_mask()->add_paths("company_id");
  list.mutable_read_mask()->add_paths("display_name");
  list.mutable_read_mask()->add_paths("client_number");
  v1::ListClientsResponse found;
  ASSERT_THAT(stub_->ListClients(As("alice").get(), list, &found), IsOk());
  v1::Client expected;
  expected.set_company_id(rossi.company_id());
  expected.set_display_name("Rossi");
  expected.set_client_number("R-1");
  ASSERT_EQ(found.clients_size(), 1);
  EXPECT_EQ(found.clients(0).SerializeAsString(), expected.SerializeAsString());

  list.mutable_read_mask()->add_paths("etag");
  ASSERT_THAT(stub_->ListClients(As("alice").get(), list, &found), IsOk());
  EXPECT_EQ(found.clients(0).etag(), rossi.etag());
  EXPECT_EQ(found.clients(0).lead_accountant(), "");

  // A field named thousands of times is one field.
  for (int i = 0; i < 5000; ++i) list.mutable_read_mask()->add_paths("email");
  ASSERT_THAT(stub_->ListClients(As("alice").get(), list, &found), IsOk());
  EXPECT_EQ(found.clients(0).display_name(), "Rossi");

  list.mutable_read_mask()->add_paths("wholesale_billing");
  grpc::Status bad = stub_->ListClients(As("alice").get(), list, &found);
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(bad.error_message(), HasSubstr("read_mask"));
}

// Clients as large as the rules allow (50 products of 100 four-byte
// characters, 21 KB): 1,000 of them in one answer came to 21 MB, refused by
// gRPC at every try (after BatchUpdateClientNumbers had written). A list
// page now comes short, every message fits; a batch's answer past 2 MiB is
// refused before anything is written, and a read mask makes it fit.
TEST_F(DirectoryServiceTest, AnswersOfLargeClientsFitAMessage) {
  const std::string firm = CreateFirm("alice");
  v1::BatchGetClientsRequest get;
  get.set_parent(firm);
  v1::BatchUpdateClientNumbersRequest numbers;
  numbers.set_parent(firm);
  numbers.set_request_id("numbers-1");
  for (int i = 0; i < 220; ++i) {
    v1::Client client;
    ASSERT_THAT(
        stub_->CreateClient(As("alice").get(),
                            testing::CreateLargestClient(firm, absl::StrCat("Rossi ", i)),
                            &client),
        IsOk());
    get.add_names(client.name());
    auto* entry = numbers.add_requests();
    entry->set_client(client.name());
    entry->set_client_number(absl::StrCat("R-", i));
  }
  v1::ListClientsRequest list;
  list.set_parent(firm);
  list.set_page_size(1000);
  std::set<std::string> listed;
  do {
    v1::ListClientsResponse page;
    ASSERT_THAT(stub_->ListClients(As("alice").get(), list, &page), IsOk());
    for (const v1::Client& c : page.clients()) listed.insert(c.name());
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_EQ(listed.size(), 220u);

  v1::BatchGetClientsResponse got;
  grpc::Status too_large = stub_->BatchGetClients(As("alice").get(), get, &got);
  EXPECT_THAT(too_large, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(too_large.error_message(), HasSubstr("read_mask"));
  v1::BatchUpdateClientNumbersResponse updated;
  too_large = stub_->BatchUpdateClientNumbers(As("alice").get(), numbers, &updated);
  EXPECT_THAT(too_large, StatusIs(absl::StatusCode::kResourceExhausted));
  get.mutable_read_mask()->add_paths("client_number");
  ASSERT_THAT(stub_->BatchGetClients(As("alice").get(), get, &got), IsOk());
  ASSERT_EQ(got.clients_size(), 220);
  EXPECT_EQ(got.clients(0).client_number(), "");  // nothing was written
  EXPECT_EQ(got.clients(0).display_name(), "");   // nor answered

  numbers.mutable_read_mask()->add_paths("name");
  ASSERT_THAT(stub_->BatchUpdateClientNumbers(As("alice").get(), numbers, &updated),
              IsOk());
  EXPECT_EQ(updated.clients_size(), 220);
  EXPECT_EQ(updated.clients(0).products_size(), 0);
  ASSERT_THAT(stub_->BatchGetClients(As("alice").get(), get, &got), IsOk());
  EXPECT_EQ(got.clients(219).client_number(), "R-219");
}

TEST_F(DirectoryServiceTest, InvalidArgumentNamesEveryBadField) {
  std::string firm = CreateFirm("alice");
  v1::Client out;
  grpc::Status status = CreateClient("alice", firm, "", std::string(101, 'x'), &out);
  ASSERT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  const std::vector<errors::FieldViolation> bad =
      errors::FieldViolationsOf(FromGrpcStatus(status));
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0].field, "client.display_name");
  EXPECT_EQ(bad[1].field, "client.client_number");
}

TEST_F(DirectoryServiceTest, AlreadyExistsNamesTheClientHoldingTheNumber) {
  std::string firm = CreateFirm("alice");
  v1::Client holder, out;
  ASSERT_THAT(CreateClient("alice", firm, "Rossi SRL", "A-17", &holder), IsOk());
  grpc::Status status = CreateClient("alice", firm, "Verdi", "a-17", &out);
  ASSERT_THAT(status, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(status.error_message(), HasSubstr("Rossi SRL"));
  EXPECT_EQ(errors::ResourceNameOf(FromGrpcStatus(status)), holder.name());
}

TEST_F(DirectoryServiceTest, MalformedNamesAreInvalidArgument) {
  CreateFirm("alice");
  for (const char* name : {"", "firms/abc/clients/1", "firms/1/clients/x",
                           "firms/1/clients/2/extra", "clients/1", "firms//clients/1"}) {
    EXPECT_EQ(GetClientAsAlice(name), grpc::StatusCode::INVALID_ARGUMENT) << name;
  }
}

TEST_F(DirectoryServiceTest, AnotherFirmIsOffLimits) {
  std::string mine = CreateFirm("alice");
  std::string theirs = CreateFirm("mallory");
  v1::Client client;
  ASSERT_THAT(CreateClient("alice", mine, "Rossi", "", &client), IsOk());

  v1::ListClientsRequest list;
  list.set_parent(mine);
  v1::ListClientsResponse resp;
  EXPECT_THAT(stub_->ListClients(As("mallory").get(), list, &resp),
              StatusIs(absl::StatusCode::kPermissionDenied));
  v1::GetClientRequest get;
  get.set_name(client.name());
  v1::Client out;
  EXPECT_THAT(stub_->GetClient(As("mallory").get(), get, &out),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Addressing alice's client through mallory's own firm finds nothing.
  get.set_name(theirs + "/clients/" + client.company_id());
  EXPECT_THAT(stub_->GetClient(As("mallory").get(), get, &out),
              StatusIs(absl::StatusCode::kNotFound));
}

// A call on one firm that names another firm's member or client is
// refused naming the field, and writes nothing.
TEST_F(DirectoryServiceTest, AnotherFirmsMembersAndClientsCannotBeNamed) {
  const std::string mine = CreateFirm("alice");
  const std::string theirs = CreateFirm("mallory");
  v1::Client keep, dup, their_client;
  ASSERT_THAT(CreateClient("alice", mine, "Rossi", "", &keep), IsOk());
  ASSERT_THAT(CreateClient("alice", mine, "Bianchi", "", &dup), IsOk());
  ASSERT_THAT(CreateClient("mallory", theirs, "Verdi", "", &their_client), IsOk());
  const std::string their_member = theirs + "/members/mallory";
  auto field_of = [](const grpc::Status& status) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    const std::vector<errors::FieldViolation> violations =
        errors::FieldViolationsOf(FromGrpcStatus(status));
    return violations.empty() ? std::string() : violations[0].field;
  };

  v1::CreateClientRequest create;
  create.set_parent(mine);
  create.mutable_client()->set_display_name("Neri");
  create.mutable_client()->set_client_type(v1::BUSINESS);
  create.mutable_client()->set_lead_accountant(their_member);
  v1::Client created;
  EXPECT_EQ(field_of(stub_->CreateClient(As("alice").get(), create, &created)),
            "client.lead_accountant");

  v1::MergeClientsRequest merge;
  merge.set_name(keep.name());
  merge.set_source_client(their_client.name());
  v1::MergeClientsResponse merged;
  EXPECT_EQ(field_of(stub_->MergeClients(As("alice").get(), merge, &merged)),
            "source_client");

  auto workspace = v1::WorkspaceService::NewStub(channel_);
  v1::CreateNoteRequest note;
  note.set_parent(mine);
  note.mutable_note()->set_client(their_client.name());
  note.mutable_note()->set_kind(v1::Note::GENERAL);
  note.mutable_note()->set_text("x");
  v1::Note written;
  EXPECT_EQ(field_of(workspace->CreateNote(As("alice").get(), note, &written)),
            "note.client");
  v1::CreateTodoRequest todo;
  todo.set_parent(mine);
  todo.mutable_todo()->set_client(keep.name());
  todo.mutable_todo()->set_title("x");
  todo.mutable_todo()->set_assignee(their_member);
  v1::Todo made;
  EXPECT_EQ(field_of(workspace->CreateTodo(As("alice").get(), todo, &made)),
            "todo.assignee");

  v1::ListClientsRequest list;
  list.set_parent(mine);
  v1::ListClientsResponse clients;
  ASSERT_THAT(stub_->ListClients(As("alice").get(), list, &clients), IsOk());
  EXPECT_EQ(clients.clients_size(), 2) << "nothing was created or merged away";
}

TEST_F(DirectoryServiceTest, RacingUpdatesGiveANumberToExactlyOneClient) {
  std::string firm = CreateFirm("alice");
  constexpr int kRacers = 8;
  std::vector<v1::Client> clients(kRacers);
  for (int i = 0; i < kRacers; ++i) {
    ASSERT_THAT(CreateClient("alice", firm, absl::StrCat("C", i), "", &clients[i]),
                IsOk());
  }
  std::atomic<int> won{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&, i] {
      v1::UpdateClientRequest req;
      *req.mutable_client() = clients[i];
      req.mutable_client()->set_client_number(i % 2 ? "HOT-1" : "hot-1");
      req.mutable_update_mask()->add_paths("client_number");
      v1::Client out;
      grpc::Status s = stub_->UpdateClient(As("alice").get(), req, &out);
      if (s.ok())
        ++won;
      else
        EXPECT_THAT(s, StatusIs(absl::StatusCode::kAlreadyExists));
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(won.load(), 1);
}

TEST_F(DirectoryServiceTest, OversizedRequestIsRefused) {
  std::string firm = CreateFirm("alice");
  v1::Client out;
  grpc::Status status = CreateClient("alice", firm, std::string(5 << 20, 'x'), "", &out);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(DirectoryServiceTest, BatchUpdateReportsEachBadEntryAndAppliesNothing) {
  std::string firm = CreateFirm("alice");
  v1::Client a, b;
  ASSERT_THAT(CreateClient("alice", firm, "A", "", &a), IsOk());
  ASSERT_THAT(CreateClient("alice", firm, "B", "", &b), IsOk());
  v1::BatchUpdateClientNumbersRequest req;
  req.set_parent(firm);
  auto* first = req.add_requests();
  first->set_client(a.name());
  first->set_client_number("N-1");
  auto* second = req.add_requests();
  second->set_client("firms/999/clients/1");
  second->set_client_number("N-2");
  v1::BatchUpdateClientNumbersResponse resp;
  grpc::Status status = stub_->BatchUpdateClientNumbers(As("alice").get(), req, &resp);
  ASSERT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(status.error_message(), HasSubstr("requests[1].client"));

  req.mutable_requests(1)->set_client(b.name());
  ASSERT_THAT(stub_->BatchUpdateClientNumbers(As("alice").get(), req, &resp), IsOk());
  ASSERT_EQ(resp.clients_size(), 2);
  EXPECT_EQ(resp.clients(1).client_number(), "N-2");
}

// Deletes wait on billing off gRPC's threads: while 32 of them wait, other
// calls are answered at once.
TEST_F(DirectoryServiceTest, DeletesWaitingOnBillingHoldUpNoOtherCall) {
  const std::string firm = CreateFirm("alice");
  std::vector<std::string> clients;
  for (int i = 0; i < 32; ++i) {
    v1::Client c;
    ASSERT_THAT(CreateClient("alice", firm, absl::StrCat("Client ", i), "", &c), IsOk());
    clients.push_back(c.name());
  }
  absl::Notification billing_answers;
  std::atomic<int> asked = 0;
  wholesale_.while_asked = [&] {
    ++asked;
    billing_answers.WaitForNotification();
  };
  std::atomic<int> deleted = 0;
  std::vector<std::thread> deletes;
  for (const std::string& name : clients) {
    deletes.emplace_back([&, name] {
      v1::DeleteClientRequest req;
      req.set_name(name);
      google::protobuf::Empty out;
      if (stub_->DeleteClient(As("alice").get(), req, &out).ok()) ++deleted;
    });
  }
  while (asked.load() == 0) std::this_thread::yield();

  v1::GetClientRequest get;
  get.set_name(clients[0]);
  v1::Client out;
  grpc::ClientContext quick;
  quick.AddMetadata("x-user-id", "alice");
  quick.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  EXPECT_THAT(stub_->GetClient(&quick, get, &out), IsOk());

  billing_answers.Notify();
  for (std::thread& t : deletes) t.join();
  EXPECT_EQ(deleted.load(), 32);
}

TEST_F(DirectoryServiceTest, InvitationFlowOverTheWire) {
  std::string firm = CreateFirm("alice");
  v1::CreateInvitationRequest create;
  create.mutable_invitation()->set_client_display_name("Rossi SRL");
  create.mutable_invitation()->set_client_type(v1::BUSINESS);
  create.mutable_invitation()->set_invitee_email("alice@studio.example");
  v1::Invitation inv;
  ASSERT_THAT(stub_->CreateInvitation(As("rossi-owner").get(), create, &inv), IsOk());
  ASSERT_FALSE(inv.token().empty());

  v1::AcceptInvitationRequest accept;
  accept.set_token(inv.token());
  v1::Invitation accepted;
  // Her member email says alice@studio.example, but only a proved one counts.
  EXPECT_THAT(stub_->AcceptInvitation(As("alice").get(), accept, &accepted),
              StatusIs(absl::StatusCode::kPermissionDenied));
  v1::ListInvitationsRequest list;
  list.set_invitee_email("alice@studio.example");
  v1::ListInvitationsResponse listed;
  EXPECT_THAT(stub_->ListInvitations(As("alice").get(), list, &listed),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_THAT(
      stub_->ListInvitations(As("alice", "alice@studio.example").get(), list, &listed),
      IsOk());
  EXPECT_EQ(listed.invitations_size(), 1);

  ASSERT_THAT(stub_->AcceptInvitation(As("alice", "alice@studio.example").get(), accept,
                                      &accepted),
              IsOk());
  EXPECT_EQ(accepted.state(), v1::ACCEPTED);
  EXPECT_EQ(accepted.client(), firm + "/clients/" + inv.company_id());
  EXPECT_TRUE(accepted.token().empty());
  EXPECT_THAT(stub_->AcceptInvitation(As("alice", "alice@studio.example").get(), accept,
                                      &accepted),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// Every RPC that echoes its input answers the real error, not the caller's
// own stack refusing a reply over its 8 KiB metadata limit.
TEST_F(DirectoryServiceTest, OversizedInputGetsTheRealErrorNotAnOversizedReply) {
  const std::string firm = CreateFirm("alice");
  const std::string huge(10 * 1024, '9');
  v1::Firm firm_out;
  v1::GetFirmRequest get_firm;
  get_firm.set_name("firms/" + huge);
  EXPECT_THAT(stub_->GetFirm(As("alice").get(), get_firm, &firm_out),
              StatusIs(absl::StatusCode::kInvalidArgument));
  v1::GetClientRequest get_client;
  get_client.set_name(firm + "/clients/x" + huge);
  v1::Client client;
  EXPECT_THAT(stub_->GetClient(As("alice").get(), get_client, &client),
              StatusIs(absl::StatusCode::kInvalidArgument));

  v1::UpdateClientListViewRequest view;
  view.mutable_client_list_view()->set_name(firm + "/members/alice/clientListView");
  for (int i = 0; i < 2000; ++i) {
    view.mutable_client_list_view()->add_columns("no-such-column-" + std::to_string(i));
  }
  v1::ClientListView view_out;
  EXPECT_THAT(stub_->UpdateClientListView(As("alice").get(), view, &view_out),
              StatusIs(absl::StatusCode::kInvalidArgument));

  // A thousand entries, each refused.
  v1::BatchUpdateClientNumbersRequest batch;
  batch.set_parent(firm);
  for (int i = 0; i < 1000; ++i) {
    auto* entry = batch.add_requests();
    entry->set_client(absl::StrCat(firm, "/clients/", 900000 + i));
    entry->set_client_number(std::string(100, 'n'));
  }
  v1::BatchUpdateClientNumbersResponse batch_out;
  grpc::Status refused =
      stub_->BatchUpdateClientNumbers(As("alice").get(), batch, &batch_out);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument))
      << refused.error_message();
  EXPECT_LT(refused.error_message().size() + refused.error_details().size(), 4096u);

  // validate_only answers every verdict in the body instead.
  batch.set_validate_only(true);
  grpc::Status checked =
      stub_->BatchUpdateClientNumbers(As("alice").get(), batch, &batch_out);
  ASSERT_THAT(checked, IsOk()) << checked.error_message();
  ASSERT_EQ(batch_out.results_size(), 1000);
  EXPECT_EQ(batch_out.results(999).refusal(), v1::ClientNumberResult::CLIENT_NOT_FOUND);
}

TEST_F(DirectoryServiceTest, NamesHaveOneSpellingAndEnumsMustBeKnown) {
  const std::string firm = CreateFirm("alice");
  v1::Client client;
  ASSERT_THAT(CreateClient("alice", firm, "Rossi", "", &client), IsOk());
  const std::string id = client.name().substr(client.name().rfind('/') + 1);
  for (const std::string& name :
       {firm + "/clients/0" + id, firm + "/clients/+" + id, firm + "/clients/" + id + " ",
        "firms/ " + firm.substr(6) + "/clients/" + id}) {
    EXPECT_EQ(GetClientAsAlice(name), grpc::StatusCode::INVALID_ARGUMENT) << name;
  }
  v1::ListClientsRequest list;
  list.set_parent(firm);
  list.set_client_type(static_cast<v1::ClientType>(42));
  v1::ListClientsResponse listed;
  grpc::Status unknown = stub_->ListClients(As("alice").get(), list, &listed);
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(unknown.error_message(), HasSubstr("client_type"));
}

TEST_F(DirectoryServiceTest, ABatchRequestIdReplaysOverTheWire) {
  const std::string firm = CreateFirm("alice");
  v1::Client client;
  ASSERT_THAT(CreateClient("alice", firm, "Rossi", "", &client), IsOk());
  v1::BatchUpdateClientNumbersRequest batch;
  batch.set_parent(firm);
  batch.set_request_id("import-1-1");
  auto* entry = batch.add_requests();
  entry->set_client(client.name());
  entry->set_client_number("R-1");
  entry->set_etag(client.etag());
  v1::BatchUpdateClientNumbersResponse first, again;
  ASSERT_THAT(stub_->BatchUpdateClientNumbers(As("alice").get(), batch, &first), IsOk());
  EXPECT_FALSE(first.replayed());
  EXPECT_TRUE(first.results(0).changed());
  // The etag is stale now, but the repeat is recognized before it matters.
  grpc::Status repeat = stub_->BatchUpdateClientNumbers(As("alice").get(), batch, &again);
  ASSERT_THAT(repeat, IsOk()) << repeat.error_message();
  EXPECT_TRUE(again.replayed());
  EXPECT_TRUE(again.results(0).changed());
}

}  // namespace
}  // namespace clientbook::directory
