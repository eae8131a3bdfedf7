// Every RPC of every public service, called by a member of another firm and
// by a user of no firm with each of firm A's resource names: none succeeds on
// firm A's data and no answer, error or not, shows any of it. Operator RPCs,
// called by firm A's own primary admin without the operator role, are
// refused. The list of RPCs comes from the service descriptors, so a new RPC
// is covered the day it is added.
#include <set>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "clientbook/v1/backup.pb.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "clientbook/v1/reconcile.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "grpcpp/support/proto_buffer_writer.h"
#include "gtest/gtest.h"
#include "tests/support/cluster.h"
#include "tests/support/csv_stream.h"
#include "tests/support/status_matchers.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using testing::As;

// Every name-like field of firm A's resources carries this, so a leak shows.
constexpr char kSecret[] = "AlphaSecret";
constexpr char kStranger[] = "mallory";
// Member of no firm at all.
constexpr char kNobody[] = "nobody";

// RPCs that act on the caller's own things, not on a named resource: a
// stranger may succeed, but must still see nothing of firm A.
const std::set<std::string> kCallerScoped = {"CreateFirm", "ListMyFirms",
                                             "ListInvitations", "CreateInvitation"};

// Sets every string field that names a resource to `name`, at any depth,
// adding one element to repeated fields.
void FillNames(Message& message, const std::string& name, int depth = 0) {
  static const std::set<std::string> kNameFields = {
      "name", "parent", "client", "firm", "names", "source_client", "assignee", "author"};
  const google::protobuf::Reflection& r = *message.GetReflection();
  const google::protobuf::Descriptor& d = *message.GetDescriptor();
  for (int i = 0; i < d.field_count(); ++i) {
    const FieldDescriptor* f = d.field(i);
    if (f->type() == FieldDescriptor::TYPE_STRING && kNameFields.contains(f->name())) {
      if (f->is_repeated()) {
        r.AddString(&message, f, name);
      } else {
        r.SetString(&message, f, name);
      }
    } else if (f->type() == FieldDescriptor::TYPE_MESSAGE && depth < 2 &&
               f->message_type()->file()->package() == "clientbook.v1") {
      Message* child =
          f->is_repeated() ? r.AddMessage(&message, f) : r.MutableMessage(&message, f);
      FillNames(*child, name, depth + 1);
    }
  }
}

class StrangerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(cluster_.Start(why)) << why;
    // Firm A, with a client, a note, a to-do, a subscription and an import
    // job; the stranger is the primary admin of firm B.
    firm_ = CreateFirm("alice", absl::StrCat("Studio ", kSecret));
    CreateFirm(kStranger, "Studio Beta");
    v1::CreateClientRequest create;
    create.set_parent(firm_);
    create.mutable_client()->set_display_name(absl::StrCat("Client ", kSecret));
    create.mutable_client()->set_client_type(v1::BUSINESS);
    create.mutable_client()->set_client_number(absl::StrCat("N-", kSecret));
    v1::Client client;
    ASSERT_THAT(cluster_.directory->CreateClient(As("alice").get(), create, &client),
                IsOk());
    client_ = client.name();
    v1::CreateNoteRequest note;
    note.set_parent(firm_);
    note.mutable_note()->set_client(client_);
    note.mutable_note()->set_kind(v1::Note::GENERAL);
    note.mutable_note()->set_text(absl::StrCat("Note ", kSecret));
    v1::Note written;
    ASSERT_THAT(cluster_.workspace->CreateNote(As("alice").get(), note, &written),
                IsOk());
    note_ = written.name();
    v1::CreateTodoRequest todo;
    todo.set_parent(firm_);
    todo.mutable_todo()->set_client(client_);
    todo.mutable_todo()->set_title(absl::StrCat("Todo ", kSecret));
    todo.mutable_todo()->set_assignee(firm_ + "/members/alice");
    v1::Todo planned;
    ASSERT_THAT(cluster_.workspace->CreateTodo(As("alice").get(), todo, &planned),
                IsOk());
    todo_ = planned.name();
    v1::SubscribeClientRequest subscribe;
    subscribe.set_parent(client_);
    subscribe.mutable_subscription()->set_plan(v1::WHOLESALE);
    v1::Subscription subscription;
    ASSERT_THAT(
        cluster_.billing->SubscribeClient(As("alice").get(), subscribe, &subscription),
        IsOk());
    v1::StartImportRequest start;
    start.set_parent(firm_);
    start.set_csv(absl::StrCat("Company ID,Display Name,Client Number\r\n",
                               client.company_id(), ",Wrong ", kSecret, ",X\r\n"));
    v1::ImportJob job;
    ASSERT_THAT(cluster_.import->StartImport(As("alice").get(), start, &job), IsOk());
    job_ = job.name();
  }

  std::string CreateFirm(const std::string& owner, const std::string& display_name) {
    v1::CreateFirmRequest req;
    req.mutable_firm()->set_display_name(display_name);
    req.set_creator_email(owner + "@example.com");
    v1::Firm firm;
    EXPECT_THAT(cluster_.directory->CreateFirm(As(owner).get(), req, &firm), IsOk());
    return firm.name();
  }

  std::vector<std::string> FirmANames() const {
    return {firm_,
            client_,
            client_ + "/subscription",
            client_ + "/subscription/transfer",
            job_,
            firm_ + "/members/alice",
            firm_ + "/members/alice/clientListView",
            note_,
            todo_};
  }

  // One unary call as `caller`; the answer's bytes in `answer`.
  grpc::Status CallUnary(grpc::GenericStub& stub, const std::string& caller,
                         const std::string& method, const Message& request,
                         std::string& answer) {
    grpc::ByteBuffer request_bytes;
    bool own_buffer = false;
    grpc::GenericSerialize<grpc::ProtoBufferWriter, Message>(request, &request_bytes,
                                                             &own_buffer);
    grpc::ByteBuffer response_bytes;
    grpc::Status status;
    absl::Notification done;
    auto ctx = As(caller);
    stub.UnaryCall(ctx.get(), method, grpc::StubOptions(), &request_bytes,
                   &response_bytes, [&](grpc::Status s) {
                     status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    std::vector<grpc::Slice> slices;
    if (response_bytes.Dump(&slices).ok()) {
      for (const grpc::Slice& slice : slices) {
        answer.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
    }
    return status;
  }

  testing::Cluster cluster_;
  std::string firm_;
  std::string client_;
  std::string note_;
  std::string todo_;
  std::string job_;
};

TEST_F(StrangerTest, NoRpcLetsAnotherFirmsMemberSeeOrChangeAnything) {
  int calls = 0;
  // Every public service; the change feeds are tried below, list and watch.
  for (const auto& [target, service_name, operator_only] : cluster_.Services()) {
    if (operator_only || service_name == "clientbook.v1.ChangeService") continue;
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service_name);
    ASSERT_NE(service, nullptr);
    grpc::GenericStub stub(testing::Channel(target));
    for (int m = 0; m < service->method_count(); ++m) {
      const google::protobuf::MethodDescriptor* method = service->method(m);
      if (method->client_streaming() || method->server_streaming()) continue;
      const std::string path = absl::StrCat("/", service_name, "/", method->name());
      for (const std::string& name : FirmANames()) {
        for (const char* caller : {kStranger, kNobody}) {
          std::unique_ptr<Message> request(
              google::protobuf::MessageFactory::generated_factory()
                  ->GetPrototype(method->input_type())
                  ->New());
          FillNames(*request, name);
          std::string answer;
          grpc::Status s = CallUnary(stub, caller, path, *request, answer);
          ++calls;
          SCOPED_TRACE(absl::StrCat(path, " on ", name, " by ", caller));
          EXPECT_FALSE(absl::StrContains(answer, kSecret));
          EXPECT_FALSE(absl::StrContains(s.error_message(), kSecret))
              << s.error_message();
          EXPECT_FALSE(absl::StrContains(s.error_details(), kSecret));
          if (!kCallerScoped.contains(method->name())) {
            EXPECT_FALSE(s.ok()) << "a stranger's call succeeded";
            EXPECT_THAT(s, ::testing::Not(StatusIs(absl::StatusCode::kUnimplemented)));
          }
        }
      }
    }
  }
  std::printf("stranger calls: %d, none saw or changed firm A\n", calls);

  // Operator services: every RPC on every operator address, as firm A's
  // primary admin with no role. (The descriptors named: links their code in.)
  ASSERT_NE(v1::ReconcileRequest::descriptor(), nullptr);
  ASSERT_NE(v1::CreateBackupRequest::descriptor(), nullptr);
  int operator_calls = 0;
  for (const auto& [target, service_name, operator_only] : cluster_.Services()) {
    if (!operator_only) continue;
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service_name);
    ASSERT_NE(service, nullptr);
    grpc::GenericStub stub(testing::Channel(target));
    for (int m = 0; m < service->method_count(); ++m) {
      const google::protobuf::MethodDescriptor* method = service->method(m);
      std::unique_ptr<Message> request(
          google::protobuf::MessageFactory::generated_factory()
              ->GetPrototype(method->input_type())
              ->New());
      std::string answer;
      grpc::Status s =
          CallUnary(stub, "alice", absl::StrCat("/", service_name, "/", method->name()),
                    *request, answer);
      ++operator_calls;
      EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied))
          << service_name << "/" << method->name() << " at " << target;
    }
  }
  EXPECT_GT(operator_calls, 0);

  // Every service's change feed: firm A's changes and every firm's, listed
  // and watched.
  for (const std::string& target :
       {cluster_.directory_target(), cluster_.billing_target(),
        cluster_.import_target()}) {
    auto changes = v1::ChangeService::NewStub(testing::Channel(target));
    for (const std::string& parent : {firm_, std::string("firms/-")}) {
      for (const char* caller : {kStranger, kNobody}) {
        SCOPED_TRACE(absl::StrCat(target, " ", parent, " by ", caller));
        v1::ListChangesRequest list;
        list.set_parent(parent);
        v1::ListChangesResponse listed;
        const grpc::Status s = changes->ListChanges(As(caller).get(), list, &listed);
        EXPECT_FALSE(s.ok());
        EXPECT_EQ(listed.events_size(), 0);
        EXPECT_FALSE(absl::StrContains(s.error_message(), kSecret));
        v1::WatchChangesRequest watch;
        watch.set_parent(parent);
        auto ctx = As(caller);
        auto stream = changes->WatchChanges(ctx.get(), watch);
        v1::WatchChangesResponse response;
        EXPECT_FALSE(stream->Read(&response));
        EXPECT_FALSE(stream->Finish().ok());
      }
    }
  }

  // The streaming RPCs, by hand.
  v1::ExportClientsRequest export_request;
  export_request.set_parent(firm_);
  auto export_ctx = As(kStranger);
  testing::CsvDownload exported =
      testing::ReadCsv(*cluster_.import->ExportClients(export_ctx.get(), export_request));
  EXPECT_EQ(exported.chunks, 0);
  EXPECT_THAT(exported.status, StatusIs(absl::StatusCode::kPermissionDenied));

  v1::WatchImportJobRequest watch;
  watch.set_name(job_);
  auto watch_ctx = As(kStranger);
  auto watched = cluster_.import->WatchImportJob(watch_ctx.get(), watch);
  v1::ImportJob job;
  EXPECT_FALSE(watched->Read(&job));
  EXPECT_FALSE(watched->Finish().ok());

  v1::DownloadErrorReportRequest report;
  report.set_name(job_);
  auto report_ctx = As(kStranger);
  testing::CsvDownload downloaded =
      testing::ReadCsv(*cluster_.import->DownloadErrorReport(report_ctx.get(), report));
  EXPECT_EQ(downloaded.chunks, 0);
  EXPECT_FALSE(downloaded.status.ok());

  v1::ImportJob uploaded;
  auto upload_ctx = As(kStranger);
  auto upload = cluster_.import->UploadImport(upload_ctx.get(), &uploaded);
  v1::UploadImportRequest first;
  first.set_parent(firm_);
  first.set_csv("Company ID,Display Name,Client Number\r\n1,A,B\r\n");
  upload->Write(first);
  upload->WritesDone();
  EXPECT_THAT(upload->Finish(), StatusIs(absl::StatusCode::kPermissionDenied));

  // Firm A is as it was.
  v1::GetClientRequest get;
  get.set_name(client_);
  v1::Client client;
  ASSERT_THAT(cluster_.directory->GetClient(As("alice").get(), get, &client), IsOk());
  EXPECT_EQ(client.client_number(), absl::StrCat("N-", kSecret));
  v1::GetSubscriptionRequest get_subscription;
  get_subscription.set_name(client_ + "/subscription");
  v1::Subscription subscription;
  ASSERT_THAT(cluster_.billing->GetSubscription(As("alice").get(), get_subscription,
                                                &subscription),
              IsOk());
  EXPECT_EQ(subscription.plan(), v1::WHOLESALE);
}

}  // namespace
}  // namespace clientbook
