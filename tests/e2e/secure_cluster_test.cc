// The three binaries as Kubernetes runs them: --auth=jwt with a JWKS file,
// mTLS on every port and between the services, on a CA made for the test by
// deploy/local/dev-pki and tokens minted by deploy/local/dev-token.
#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "clientbook/v1/billing.grpc.pb.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "clientbook/v1/import.grpc.pb.h"
#include "common/tls/credentials.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/support/service_process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using testing::FreePort;
using testing::ServiceProcess;

// What a command printed, trailing newline dropped; empty when it failed.
std::string Output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  if (pclose(pipe) != 0) return "";
  return std::string(absl::StripSuffix(out, "\n"));
}

class SecureClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& step :
         {absl::StrCat(DEV_TOOLS_DIR, "/dev-pki ", pki_, " >/dev/null"),
          absl::StrCat(DEV_TOOLS_DIR, "/dev-pki ", next_pki_, " >/dev/null"),
          absl::StrCat(DEV_TOOLS_DIR, "/dev-token keys ", auth_, " >/dev/null")}) {
      ASSERT_EQ(std::system(step.c_str()), 0) << step;
    }
    const std::vector<std::string> secure = {
        "--metrics_listen=",
        "--drain_delay=0s",
        "--auth=jwt",
        "--jwks_file=" + auth_ + "/jwks.json",
        "--jwt_issuer=https://id.clientbook.local",
        "--jwt_audience=clientbook",
        "--tls_cert_file=" + pki_ + "/server.pem",
        "--tls_key_file=" + pki_ + "/server.key",
        "--tls_client_ca_file=" + pki_ + "/ca.pem",
        "--tls_ca_file=" + pki_ + "/ca.pem",
        "--tls_client_cert_file=" + pki_ + "/server.pem",
        "--tls_client_key_file=" + pki_ + "/server.key",
        "--tls_refresh_interval=1s"};
    auto with = [&](std::vector<std::string> own) {
      own.insert(own.end(), secure.begin(), secure.end());
      return own;
    };
    directory_ = std::make_unique<ServiceProcess>(
        DIRECTORY_BINARY,
        with({"--listen=" + directory_target_, "--health_listen=" + health_target_,
              "--data_dir=" + dir_.Sub("directory"),
              "--billing_target=" + billing_target_}),
        dir_.Sub("directory.log"));
    billing_ = std::make_unique<ServiceProcess>(
        BILLING_BINARY,
        with({"--listen=" + billing_target_, "--data_dir=" + dir_.Sub("billing"),
              "--operator_listen=" + operator_target_,
              "--directory_target=" + directory_target_}),
        dir_.Sub("billing.log"));
    import_ = std::make_unique<ServiceProcess>(
        IMPORT_BINARY,
        with({"--listen=" + import_target_, "--data_dir=" + dir_.Sub("import"),
              "--directory_target=" + directory_target_}),
        dir_.Sub("import.log"));
    for (ServiceProcess* p : {directory_.get(), billing_.get(), import_.get()}) {
      ASSERT_TRUE(p->Start());
    }
    ASSERT_TRUE(directory_->WaitServing(Channel(directory_target_))) << directory_->Log();
    ASSERT_TRUE(billing_->WaitServing(Channel(billing_target_))) << billing_->Log();
    ASSERT_TRUE(import_->WaitServing(Channel(import_target_))) << import_->Log();
    dir_stub_ = v1::DirectoryService::NewStub(Channel(directory_target_));
    billing_stub_ = v1::BillingService::NewStub(Channel(billing_target_));
    import_stub_ = v1::ImportService::NewStub(Channel(import_target_));
  }

  // A channel trusting `ca` (the test CA by default), presenting the test
  // client certificate unless told not to.
  std::shared_ptr<grpc::Channel> Channel(const std::string& target, std::string ca = "",
                                         bool with_certificate = true) {
    tls::TlsClientOptions options{.ca_file = ca.empty() ? pki_ + "/ca.pem" : ca};
    if (with_certificate) {
      options.cert_file = pki_ + "/client.pem";
      options.key_file = pki_ + "/client.key";
    }
    auto channel = tls::SecureChannel(target, options);
    EXPECT_THAT(channel, IsOk()) << channel.status();
    return *channel;
  }

  std::string Mint(const std::string& subject, const std::string& flags = "") {
    std::string token = Output(
        absl::StrCat(DEV_TOOLS_DIR, "/dev-token mint ", auth_, " ", subject, " ", flags));
    EXPECT_FALSE(token.empty());
    return token;
  }

  static std::unique_ptr<grpc::ClientContext> With(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return ctx;
  }

  static grpc::Status Health(const std::shared_ptr<grpc::Channel>& channel) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    grpc::health::v1::HealthCheckResponse resp;
    return grpc::health::v1::Health::NewStub(channel)->Check(&ctx, {}, &resp);
  }

  std::string CreateFirm(const std::string& token, const std::string& creator_email) {
    v1::CreateFirmRequest req;
    req.mutable_firm()->set_display_name("Studio");
    req.set_creator_email(creator_email);
    v1::Firm firm;
    grpc::Status s = dir_stub_->CreateFirm(With(token).get(), req, &firm);
    EXPECT_THAT(s, IsOk()) << s.error_message();
    return firm.name();
  }

  testing::TempDir dir_;
  const std::string pki_ = dir_.Sub("pki");
  const std::string next_pki_ = dir_.Sub("pki-next");
  const std::string auth_ = dir_.Sub("auth");
  // "localhost", a name the certificates carry: the server name is checked.
  const std::string directory_target_ = absl::StrCat("localhost:", FreePort());
  const std::string billing_target_ = absl::StrCat("localhost:", FreePort());
  const std::string operator_target_ = absl::StrCat("localhost:", FreePort());
  const std::string import_target_ = absl::StrCat("localhost:", FreePort());
  // The directory's plaintext health port, for kubelet probes.
  const std::string health_target_ = absl::StrCat("127.0.0.1:", FreePort());
  std::unique_ptr<ServiceProcess> directory_;
  std::unique_ptr<ServiceProcess> billing_;
  std::unique_ptr<ServiceProcess> import_;
  std::unique_ptr<v1::DirectoryService::Stub> dir_stub_;
  std::unique_ptr<v1::BillingService::Stub> billing_stub_;
  std::unique_ptr<v1::ImportService::Stub> import_stub_;
};

TEST_F(SecureClusterTest, OnlyTlsClientsWithACertificateAndATokenGetIn) {
  for (const std::string& target : {directory_target_, billing_target_, import_target_}) {
    SCOPED_TRACE(target);
    EXPECT_THAT(Health(grpc::CreateChannel(target, grpc::InsecureChannelCredentials())),
                StatusIs(absl::StatusCode::kUnavailable));
    EXPECT_THAT(Health(Channel(target, "", /*with_certificate=*/false)),
                StatusIs(absl::StatusCode::kUnavailable));
    EXPECT_THAT(Health(Channel(target)), IsOk());
  }
  // Probes that speak no TLS get health, and nothing else.
  auto plaintext_health =
      grpc::CreateChannel(health_target_, grpc::InsecureChannelCredentials());
  EXPECT_THAT(Health(plaintext_health), IsOk());
  grpc::ClientContext on_health_port;
  on_health_port.AddMetadata("authorization", "Bearer " + Mint("alice"));
  v1::ListMyFirmsResponse nothing;
  EXPECT_THAT(v1::DirectoryService::NewStub(plaintext_health)
                  ->ListMyFirms(&on_health_port, {}, &nothing),
              StatusIs(absl::StatusCode::kUnimplemented));

  // The right certificate is not an identity: the call needs a token.
  v1::ListMyFirmsRequest req;
  v1::ListMyFirmsResponse resp;
  grpc::ClientContext header_only;
  header_only.AddMetadata("x-user-id", "alice");
  EXPECT_THAT(dir_stub_->ListMyFirms(&header_only, req, &resp),
              StatusIs(absl::StatusCode::kUnauthenticated));
  const std::string expired = Mint("alice", "--ttl -120");
  for (const std::string& bad : {expired, std::string("not.a.token"), Mint("alice") + "x",
                                 Mint("alice", "--audience someone-else")}) {
    grpc::Status s = dir_stub_->ListMyFirms(With(bad).get(), req, &resp);
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnauthenticated)) << s.error_message();
  }
  EXPECT_THAT(dir_stub_->ListMyFirms(With(Mint("alice")).get(), req, &resp), IsOk());
}

// Billing → directory, directory → billing and import → directory all carry
// the caller's token; each callee verifies it again.
TEST_F(SecureClusterTest, TransferDeleteAndImportFlowsRunOnTokens) {
  const std::string alice = Mint("alice");
  const std::string rossi = Mint("rossi-owner");
  const std::string firm = CreateFirm(alice, "alice@studio.example");
  v1::CreateClientRequest create;
  create.set_parent(firm);
  create.set_make_me_primary_admin(true);
  create.mutable_client()->set_display_name("Rossi SRL");
  create.mutable_client()->set_client_type(v1::BUSINESS);
  v1::Client client;
  ASSERT_THAT(dir_stub_->CreateClient(With(alice).get(), create, &client), IsOk());
  v1::ChangeClientPrimaryAdminRequest change;
  change.set_name(client.name());
  change.set_new_primary_admin_user_id("rossi-owner");
  ASSERT_THAT(dir_stub_->ChangeClientPrimaryAdmin(With(alice).get(), change, &client),
              IsOk());

  v1::SubscribeClientRequest subscribe;
  subscribe.set_parent(client.name());
  subscribe.mutable_subscription()->set_plan(v1::DIRECT_DISCOUNT);
  subscribe.mutable_subscription()->add_products(v1::PLUS);
  v1::Subscription subscription;
  grpc::Status s =
      billing_stub_->SubscribeClient(With(alice).get(), subscribe, &subscription);
  ASSERT_THAT(s, IsOk()) << s.error_message();
  v1::AuthorizeBillingTransferRequest authorize;
  authorize.set_name(subscription.name());
  authorize.set_firm(firm);
  v1::BillingTransfer transfer;
  s = billing_stub_->AuthorizeBillingTransfer(With(rossi).get(), authorize, &transfer);
  ASSERT_THAT(s, IsOk()) << s.error_message();
  v1::CompleteBillingTransferRequest complete;
  complete.set_name(subscription.name());
  EXPECT_THAT(
      billing_stub_->CompleteBillingTransfer(With(rossi).get(), complete, &transfer),
      StatusIs(absl::StatusCode::kPermissionDenied));
  s = billing_stub_->CompleteBillingTransfer(With(alice).get(), complete, &transfer);
  ASSERT_THAT(s, IsOk()) << s.error_message();

  v1::DeleteClientRequest remove;
  remove.set_name(client.name());
  google::protobuf::Empty empty;
  EXPECT_THAT(dir_stub_->DeleteClient(With(alice).get(), remove, &empty),
              StatusIs(absl::StatusCode::kFailedPrecondition))
      << "the directory asked billing, as alice, and heard 'wholesale'";

  v1::StartImportRequest start;
  start.set_parent(firm);
  start.set_csv(absl::StrCat("Company ID,Display Name,Client Number\r\n",
                             client.company_id(), ",Rossi SRL,R-1\r\n"));
  v1::ImportJob job;
  s = import_stub_->StartImport(With(alice).get(), start, &job);
  ASSERT_THAT(s, IsOk()) << s.error_message();
  v1::WatchImportJobRequest watch;
  watch.set_name(job.name());
  auto watch_ctx = With(alice);
  auto reader = import_stub_->WatchImportJob(watch_ctx.get(), watch);
  while (reader->Read(&job)) {
  }
  ASSERT_THAT(reader->Finish(), IsOk());
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
  v1::GetClientRequest get;
  get.set_name(client.name());
  ASSERT_THAT(dir_stub_->GetClient(With(alice).get(), get, &client), IsOk());
  EXPECT_EQ(client.client_number(), "R-1");

  // The audit names the token's subject, whatever header rides along, and
  // the import service that carried alice's token for the job.
  v1::UpdateClientRequest rename;
  rename.mutable_client()->set_name(client.name());
  rename.mutable_client()->set_display_name("Rossi & Figli SRL");
  rename.mutable_client()->set_etag(client.etag());
  rename.mutable_update_mask()->add_paths("display_name");
  auto forged = With(alice);
  forged->AddMetadata("x-user-id", "mallory");
  ASSERT_THAT(dir_stub_->UpdateClient(forged.get(), rename, &client), IsOk());
  auto changes = v1::ChangeService::NewStub(Channel(directory_target_));
  v1::ListAuditEntriesRequest history;
  history.set_parent(client.name());
  history.set_page_size(2);
  v1::ListAuditEntriesResponse entries;
  s = changes->ListAuditEntries(With(alice).get(), history, &entries);
  ASSERT_THAT(s, IsOk()) << s.error_message();
  ASSERT_EQ(entries.audit_entries_size(), 2);
  EXPECT_EQ(entries.audit_entries(0).change().actor(), "alice");
  EXPECT_EQ(entries.audit_entries(0).change().via(), "");
  EXPECT_EQ(entries.audit_entries(1).change().actor(), "alice");
  EXPECT_EQ(entries.audit_entries(1).change().via(), "import " + job.name());
}

TEST_F(SecureClusterTest, OperatorActionsNeedTheOperatorRole) {
  auto sweeper = v1::BillingOperatorService::NewStub(Channel(operator_target_));
  v1::SweepExpiredTrialsRequest req;
  v1::SweepExpiredTrialsResponse resp;
  const std::string alice = Mint("alice");
  CreateFirm(alice, "alice@studio.example");  // a primary admin is no operator
  EXPECT_THAT(sweeper->SweepExpiredTrials(With(alice).get(), req, &resp),
              StatusIs(absl::StatusCode::kPermissionDenied));
  grpc::Status s = sweeper->SweepExpiredTrials(
      With(Mint("ops", "--roles operator")).get(), req, &resp);
  EXPECT_THAT(s, IsOk()) << s.error_message();
}

// The leak found from outside: mallory typed anna's address as her own member
// email and then read anna's invitations. Only a verified email opens them.
TEST_F(SecureClusterTest, ATypedEmailOpensNobodysInvitations) {
  const std::string mallory = Mint("mallory", "--email mallory@evil.example");
  CreateFirm(mallory, "anna@studio.example");
  v1::CreateInvitationRequest invite;
  invite.mutable_invitation()->set_client_display_name("Rossi SRL");
  invite.mutable_invitation()->set_client_type(v1::BUSINESS);
  invite.mutable_invitation()->set_invitee_email("anna@studio.example");
  v1::Invitation invitation;
  ASSERT_THAT(
      dir_stub_->CreateInvitation(With(Mint("rossi-owner")).get(), invite, &invitation),
      IsOk());

  v1::ListInvitationsRequest list;
  list.set_invitee_email("anna@studio.example");
  v1::ListInvitationsResponse listed;
  EXPECT_THAT(dir_stub_->ListInvitations(With(mallory).get(), list, &listed),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(listed.invitations_size(), 0);

  const std::string anna = Mint("anna", "--email anna@studio.example");
  ASSERT_THAT(dir_stub_->ListInvitations(With(anna).get(), list, &listed), IsOk());
  EXPECT_EQ(listed.invitations_size(), 1);
}

TEST_F(SecureClusterTest, ARotatedServerCertificateIsServedWithoutARestart) {
  // A client that trusts only the next CA cannot connect yet.
  auto next_only = Channel(directory_target_, next_pki_ + "/ca.pem");
  EXPECT_THAT(Health(next_only), StatusIs(absl::StatusCode::kUnavailable));

  // cert-manager renews: the key and certificate files are replaced.
  for (const char* file : {"/server.key", "/server.pem"}) {
    const std::string staged = pki_ + file + ".new";
    std::filesystem::copy_file(next_pki_ + file, staged);
    std::filesystem::rename(staged, pki_ + file);
  }
  // The directory watches the files (--tls_refresh_interval=1s); each probe
  // is a fresh channel with its own deadline.
  bool rotated = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!rotated && std::chrono::steady_clock::now() < give_up) {
    rotated = Health(Channel(directory_target_, next_pki_ + "/ca.pem")).ok();
  }
  EXPECT_TRUE(rotated) << directory_->Log();
  EXPECT_TRUE(directory_->pid() > 0) << "the directory was not restarted";
}

}  // namespace
}  // namespace clientbook
