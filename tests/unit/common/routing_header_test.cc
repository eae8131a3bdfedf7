// Routing across cells (AIP-4222): every firm-scoped RPC names its routing
// field in the contract, and the channel sends it URL-encoded in
// x-goog-request-params; calls that belong to no firm carry none.
#include "common/client/routing_header.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "clientbook/v1/billing.grpc.pb.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "clientbook/v1/import.grpc.pb.h"
#include "clientbook/v1/workspace.grpc.pb.h"
#include "google/api/routing.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientbook {
namespace {

using client::RoutingParams;
using ::clientbook::testing::IsOk;

// The calls no one firm answers: they are routed by what they are.
const std::set<std::string>& GlobalMethods() {
  static const auto* methods = new std::set<std::string>{
      "CreateFirm",      "ListMyFirms",      "CreateInvitation",
      "ListInvitations", "AcceptInvitation", "DeclineInvitation"};
  return *methods;
}

TEST(RoutingHeaderTest, EveryFirmScopedMethodNamesAStringFieldToRouteBy) {
  int routed = 0;
  for (const char* file : {"clientbook/v1/directory.proto",
                           "clientbook/v1/workspace.proto", "clientbook/v1/billing.proto",
                           "clientbook/v1/import.proto", "clientbook/v1/changes.proto"}) {
    const google::protobuf::FileDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(file);
    ASSERT_NE(descriptor, nullptr) << file;
    for (int s = 0; s < descriptor->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = descriptor->service(s);
      // Operators call these at each service's own address, never routed.
      if (service->name() == "BillingOperatorService") continue;
      for (int m = 0; m < service->method_count(); ++m) {
        const google::protobuf::MethodDescriptor* method = service->method(m);
        const bool global = GlobalMethods().contains(method->name());
        const auto& rule = method->options().GetExtension(google::api::routing);
        ASSERT_EQ(rule.routing_parameters_size(), global ? 0 : 1) << method->full_name();
        if (global) continue;
        ++routed;
        // A request naming a firm's resource routes to the firm's cell.
        google::protobuf::DynamicMessageFactory factory;
        std::unique_ptr<google::protobuf::Message> request(
            factory.GetPrototype(method->input_type())->New());
        const std::string path = rule.routing_parameters(0).field();
        google::protobuf::Message* at = request.get();
        const google::protobuf::FieldDescriptor* field = nullptr;
        for (absl::string_view part : absl::StrSplit(path, '.')) {
          if (field != nullptr) {
            at = at->GetReflection()->MutableMessage(at, field, &factory);
          }
          field = at->GetDescriptor()->FindFieldByName(std::string(part));
          ASSERT_NE(field, nullptr) << method->full_name() << ": " << path;
        }
        ASSERT_EQ(field->type(), google::protobuf::FieldDescriptor::TYPE_STRING)
            << method->full_name();
        at->GetReflection()->SetString(at, field, "firms/2000000000001/clients/7");
        EXPECT_EQ(
            RoutingParams(absl::StrCat("/", service->full_name(), "/", method->name()),
                          request->SerializeAsString()),
            path + "=firms%2F2000000000001%2Fclients%2F7")
            << method->full_name();
      }
    }
  }
  EXPECT_GE(routed, 54);  // the loop saw every contract
}

TEST(RoutingHeaderTest, ANestedFieldIsKeyedByItsPath) {
  v1::UpdateClientRequest update;
  update.mutable_client()->set_name("firms/3/clients/9");
  update.mutable_client()->set_display_name("Rossi & Figli / Milano");
  update.mutable_update_mask()->add_paths("display_name");
  EXPECT_EQ(RoutingParams("/clientbook.v1.DirectoryService/UpdateClient",
                          update.SerializeAsString()),
            "client.name=firms%2F3%2Fclients%2F9");
}

TEST(RoutingHeaderTest, NoRuleNoValueOrBadBytesSendNothing) {
  v1::CreateFirmRequest create;
  create.mutable_firm()->set_display_name("Studio");
  EXPECT_EQ(RoutingParams("/clientbook.v1.DirectoryService/CreateFirm",
                          create.SerializeAsString()),
            "");
  EXPECT_EQ(RoutingParams("/clientbook.v1.DirectoryService/GetClient", ""), "");
  v1::GetClientRequest oversized;
  oversized.set_name("firms/" + std::string(10 * 1024, '1') + "/clients/2");
  EXPECT_EQ(RoutingParams("/clientbook.v1.DirectoryService/GetClient",
                          oversized.SerializeAsString()),
            "");
  EXPECT_EQ(RoutingParams("/clientbook.v1.DirectoryService/GetClient",
                          "\x0a\x7f"
                          "ab"),
            "");
  EXPECT_EQ(RoutingParams("/no.Such/Method", "\x0a\x01x"), "");
  EXPECT_EQ(RoutingParams("no-slash", "\x0a\x01x"), "");
}

// Records the routing header each call arrived with.
class RecordingDirectory final : public v1::DirectoryService::Service {
 public:
  grpc::Status GetClient(grpc::ServerContext* context, const v1::GetClientRequest*,
                         v1::Client*) override {
    Record(*context);
    return grpc::Status::OK;
  }
  grpc::Status CreateFirm(grpc::ServerContext* context, const v1::CreateFirmRequest*,
                          v1::Firm*) override {
    Record(*context);
    return grpc::Status::OK;
  }
  std::string last() {
    absl::MutexLock lock(&mu_);
    return last_;
  }

 private:
  void Record(const grpc::ServerContext& context) {
    absl::MutexLock lock(&mu_);
    auto it = context.client_metadata().find(client::kRoutingHeader);
    last_ = it == context.client_metadata().end()
                ? "(none)"
                : std::string(it->second.data(), it->second.size());
  }
  absl::Mutex mu_;
  std::string last_;
};

class RecordingImport final : public v1::ImportService::Service {
 public:
  grpc::Status UploadImport(grpc::ServerContext* context,
                            grpc::ServerReader<v1::UploadImportRequest>* reader,
                            v1::ImportJob*) override {
    v1::UploadImportRequest message;
    while (reader->Read(&message)) {
    }
    auto it = context->client_metadata().find(client::kRoutingHeader);
    absl::MutexLock lock(&mu_);
    last_ = it == context->client_metadata().end()
                ? "(none)"
                : std::string(it->second.data(), it->second.size());
    return grpc::Status::OK;
  }
  std::string last() {
    absl::MutexLock lock(&mu_);
    return last_;
  }

 private:
  absl::Mutex mu_;
  std::string last_;
};

TEST(RoutingHeaderTest, ARoutedChannelSendsTheHeaderWithEachCall) {
  RecordingDirectory directory;
  RecordingImport import;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&directory);
  builder.RegisterService(&import);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  auto channel = client::RoutedChannel(absl::StrCat("127.0.0.1:", port),
                                       grpc::InsecureChannelCredentials());

  auto directory_stub = v1::DirectoryService::NewStub(channel);
  v1::GetClientRequest get;
  get.set_name("firms/1000000000005/clients/1000000000042");
  v1::Client client;
  grpc::ClientContext get_context;
  ASSERT_THAT(directory_stub->GetClient(&get_context, get, &client), IsOk());
  EXPECT_EQ(directory.last(), "name=firms%2F1000000000005%2Fclients%2F1000000000042");

  v1::Firm firm;
  grpc::ClientContext create_context;
  ASSERT_THAT(directory_stub->CreateFirm(&create_context, {}, &firm), IsOk());
  EXPECT_EQ(directory.last(), "(none)");

  // A client stream carries it when its metadata leaves with the first message.
  auto import_stub = v1::ImportService::NewStub(channel);
  grpc::ClientContext upload_context;
  upload_context.set_initial_metadata_corked(true);
  v1::ImportJob job;
  auto upload = import_stub->UploadImport(&upload_context, &job);
  v1::UploadImportRequest first;
  first.set_parent("firms/7");
  first.set_csv("Company ID\r\n");
  ASSERT_TRUE(upload->Write(first));
  ASSERT_TRUE(upload->WritesDone());
  ASSERT_THAT(upload->Finish(), IsOk());
  EXPECT_EQ(import.last(), "parent=firms%2F7");
  server->Shutdown();
}

}  // namespace
}  // namespace clientbook
