// Starts the real `directory` binary, talks to it over TCP like a platform
// service or an operator would, restarts it, and stops it with SIGTERM.
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <array>

#include "absl/strings/str_cat.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/loopback.h"
#include "tests/support/service_process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::testing::HasSubstr;

// Runs a shell command and returns what it printed, or nullopt if it failed.
std::optional<std::string> RunShell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  if (pclose(pipe) != 0) return std::nullopt;
  return out;
}

class DirectoryE2eTest : public ::testing::Test {
 protected:
  DirectoryE2eTest()
      : port_(testing::FreePort()),
        metrics_port_(testing::FreePort()),
        target_(absl::StrCat("127.0.0.1:", port_)),
        process_(DIRECTORY_BINARY,
                 {absl::StrCat("--listen=", target_), "--data_dir=" + dir_.Sub("data"),
                  absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port_),
                  "--sync_writes", "--drain_delay=0s"},
                 dir_.Sub("directory.log")) {}

  void StartServing() {
    ASSERT_TRUE(process_.Start());
    ASSERT_TRUE(process_.WaitServing(target_)) << process_.Log();
    stub_ = v1::DirectoryService::NewStub(
        grpc::CreateChannel(target_, grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("x-user-id", user);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  std::vector<std::string> ListNames(const std::string& firm, const std::string& query) {
    v1::ListClientsRequest req;
    req.set_parent(firm);
    req.set_name_query(query);
    v1::ListClientsResponse resp;
    grpc::Status s = stub_->ListClients(As("alice").get(), req, &resp);
    EXPECT_THAT(s, IsOk()) << s.error_message();
    std::vector<std::string> names;
    for (const auto& c : resp.clients()) names.push_back(c.display_name());
    return names;
  }

  testing::TempDir dir_;
  int port_;
  int metrics_port_;
  std::string target_;
  testing::ServiceProcess process_;
  std::unique_ptr<v1::DirectoryService::Stub> stub_;
};

TEST_F(DirectoryE2eTest, KeepsItsDataAcrossRestartsAndStopsCleanly) {
  StartServing();
  v1::CreateFirmRequest create_firm;
  create_firm.mutable_firm()->set_display_name("Studio Bianchi");
  create_firm.set_creator_email("alice@studio.example");
  v1::Firm firm;
  ASSERT_THAT(stub_->CreateFirm(As("alice").get(), create_firm, &firm), IsOk());
  for (const char* name : {"Società Rossi", "Verdi SpA", "Rossini & Figli"}) {
    v1::CreateClientRequest req;
    req.set_parent(firm.name());
    req.mutable_client()->set_display_name(name);
    req.mutable_client()->set_client_type(v1::BUSINESS);
    v1::Client client;
    ASSERT_THAT(stub_->CreateClient(As("alice").get(), req, &client), IsOk());
  }
  EXPECT_THAT(ListNames(firm.name(), ""),
              ::testing::ElementsAre("Rossini & Figli", "Società Rossi", "Verdi SpA"));
  EXPECT_THAT(ListNames(firm.name(), "ross"),
              ::testing::ElementsAre("Società Rossi", "Rossini & Figli"));
  EXPECT_EQ(process_.Stop(SIGTERM), 0) << process_.Log();
  EXPECT_THAT(process_.Log(), HasSubstr("stopped cleanly"));

  StartServing();
  EXPECT_THAT(ListNames(firm.name(), ""),
              ::testing::ElementsAre("Rossini & Figli", "Società Rossi", "Verdi SpA"));
  EXPECT_THAT(ListNames(firm.name(), "societa"), ::testing::ElementsAre("Società Rossi"));
  EXPECT_EQ(process_.Stop(SIGTERM), 0) << process_.Log();
}

TEST_F(DirectoryE2eTest, ServesPrometheusMetrics) {
  StartServing();
  v1::ListMyFirmsRequest req;
  v1::ListMyFirmsResponse resp;
  ASSERT_THAT(stub_->ListMyFirms(As("alice").get(), req, &resp), IsOk());
  std::string metrics = testing::HttpGet(metrics_port_, "/metrics");
  EXPECT_THAT(metrics,
              HasSubstr("clientbook_rpc_total{code=\"OK\",method=\"/clientbook.v1."
                        "DirectoryService/ListMyFirms\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("clientbook_rpc_duration_seconds_bucket"));
  // The fair share: the service's seats and its refusals by reason.
  EXPECT_THAT(metrics, HasSubstr("clientbook_fair_share_seats 16"));
  EXPECT_THAT(
      metrics,
      HasSubstr("clientbook_fair_share_refused_total{reason=\"FIRM_OVER_CAPACITY\"}"));
  EXPECT_EQ(process_.Stop(SIGINT), 0) << process_.Log();
}

TEST_F(DirectoryE2eTest, ReflectionListsTheDirectoryMethodsToBuf) {
  if (!RunShell("command -v buf >/dev/null 2>&1").has_value()) {
    GTEST_SKIP() << "buf is not installed (npm install -g @bufbuild/buf)";
  }
  StartServing();
  std::optional<std::string> methods = RunShell(absl::StrCat(
      "buf curl --protocol grpc --http2-prior-knowledge --list-methods http://",
      target_));
  ASSERT_TRUE(methods.has_value());
  EXPECT_THAT(*methods, HasSubstr("clientbook.v1.DirectoryService/ListClients"));
  EXPECT_THAT(*methods,
              HasSubstr("clientbook.v1.DirectoryService/BatchUpdateClientNumbers"));
  EXPECT_THAT(*methods, HasSubstr("grpc.health.v1.Health/Check"));
  std::optional<std::string> health =
      RunShell(absl::StrCat("buf curl --protocol grpc --http2-prior-knowledge http://",
                            target_, "/grpc.health.v1.Health/Check"));
  ASSERT_TRUE(health.has_value());
  EXPECT_THAT(*health, HasSubstr("SERVING"));
}

TEST_F(DirectoryE2eTest, RefusesToStartOnAPortInUse) {
  StartServing();
  testing::ServiceProcess second(
      DIRECTORY_BINARY,
      {absl::StrCat("--listen=", target_), "--data_dir=" + dir_.Sub("other"),
       "--metrics_listen=", "--drain_delay=0s"},
      dir_.Sub("second.log"));
  ASSERT_TRUE(second.Start());
  EXPECT_EQ(second.Wait(), 1) << second.Log();
  EXPECT_THAT(second.Log(), HasSubstr("cannot serve gRPC"));
}

}  // namespace
}  // namespace clientbook
