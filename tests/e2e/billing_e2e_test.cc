// Starts the real directory and billing binaries, billing on a fake clock,
// and walks the billing transfer and the delete rule across both processes.
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "clientbook/testing/v1/clock.grpc.pb.h"
#include "clientbook/v1/billing.grpc.pb.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/seed_firm.h"
#include "tests/support/service_process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;

std::unique_ptr<grpc::ClientContext> As(const std::string& user,
                                        bool operator_role = false) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("x-user-id", user);
  if (operator_role) ctx->AddMetadata("x-user-roles", "operator");
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return ctx;
}

class BillingE2eTest : public ::testing::Test {
 protected:
  BillingE2eTest()
      : directory_target_(absl::StrCat("127.0.0.1:", testing::FreePort())),
        billing_target_(absl::StrCat("127.0.0.1:", testing::FreePort())),
        operator_target_(absl::StrCat("127.0.0.1:", testing::FreePort())),
        directory_(DIRECTORY_BINARY,
                   {"--listen=" + directory_target_,
                    "--data_dir=" + dir_.Sub("directory"), "--metrics_listen=",
                    "--drain_delay=0s", "--billing_target=" + billing_target_},
                   dir_.Sub("directory.log")),
        billing_(BILLING_BINARY,
                 {"--listen=" + billing_target_, "--data_dir=" + dir_.Sub("billing"),
                  "--metrics_listen=", "--drain_delay=0s",
                  "--operator_listen=" + operator_target_,
                  "--directory_target=" + directory_target_,
                  "--fake_clock=2026-03-02T12:00:00Z"},
                 dir_.Sub("billing.log")) {}

  void SetUp() override {
    ASSERT_TRUE(directory_.Start() && billing_.Start());
    ASSERT_TRUE(directory_.WaitServing(directory_target_)) << directory_.Log();
    ASSERT_TRUE(billing_.WaitServing(billing_target_)) << billing_.Log();
    auto billing_channel =
        grpc::CreateChannel(billing_target_, grpc::InsecureChannelCredentials());
    dir_stub_ = v1::DirectoryService::NewStub(
        grpc::CreateChannel(directory_target_, grpc::InsecureChannelCredentials()));
    billing_stub_ = v1::BillingService::NewStub(billing_channel);
    clock_stub_ = testing::v1::ClockService::NewStub(billing_channel);
  }

  void AdvanceBillingClock(absl::Duration d) {
    testing::v1::AdvanceRequest req;
    *req.mutable_by() = google::protobuf::util::TimeUtil::MicrosecondsToDuration(
        absl::ToInt64Microseconds(d));
    google::protobuf::Timestamp now;
    ASSERT_THAT(clock_stub_->Advance(As("ops", /*operator_role=*/true).get(), req, &now),
                IsOk());
  }

  grpc::Status Authorize(const std::string& subscription, const std::string& firm) {
    v1::AuthorizeBillingTransferRequest req;
    req.set_name(subscription);
    req.set_firm(firm);
    v1::BillingTransfer out;
    return billing_stub_->AuthorizeBillingTransfer(As("rossi-owner").get(), req, &out);
  }

  grpc::Status Complete(const std::string& subscription) {
    v1::CompleteBillingTransferRequest req;
    req.set_name(subscription);
    v1::BillingTransfer out;
    return billing_stub_->CompleteBillingTransfer(As("alice").get(), req, &out);
  }

  grpc::Status Delete(const std::string& client) {
    v1::DeleteClientRequest req;
    req.set_name(client);
    google::protobuf::Empty out;
    return dir_stub_->DeleteClient(As("alice").get(), req, &out);
  }

  testing::TempDir dir_;
  std::string directory_target_;
  std::string billing_target_;
  std::string operator_target_;
  testing::ServiceProcess directory_;
  testing::ServiceProcess billing_;
  std::unique_ptr<v1::DirectoryService::Stub> dir_stub_;
  std::unique_ptr<v1::BillingService::Stub> billing_stub_;
  std::unique_ptr<testing::v1::ClockService::Stub> clock_stub_;
};

TEST_F(BillingE2eTest, TransferAcrossBothServicesAndDeleteOnlyOffWholesale) {
  v1::CreateFirmRequest create_firm;
  create_firm.mutable_firm()->set_display_name("Studio Conti");
  create_firm.set_creator_email("alice@conti.example");
  v1::Firm firm;
  ASSERT_THAT(dir_stub_->CreateFirm(As("alice").get(), create_firm, &firm), IsOk());
  v1::CreateClientRequest create_client;
  create_client.set_parent(firm.name());
  create_client.set_make_me_primary_admin(true);
  create_client.mutable_client()->set_display_name("Rossi SRL");
  create_client.mutable_client()->set_client_type(v1::BUSINESS);
  v1::Client client;
  ASSERT_THAT(dir_stub_->CreateClient(As("alice").get(), create_client, &client), IsOk());
  v1::ChangeClientPrimaryAdminRequest change;
  change.set_name(client.name());
  change.set_new_primary_admin_user_id("rossi-owner");
  ASSERT_THAT(dir_stub_->ChangeClientPrimaryAdmin(As("alice").get(), change, &client),
              IsOk());

  v1::SubscribeClientRequest subscribe;
  subscribe.set_parent(client.name());
  subscribe.mutable_subscription()->set_plan(v1::DIRECT_DISCOUNT);
  subscribe.mutable_subscription()->add_products(v1::PLUS);
  v1::Subscription sub;
  const grpc::Status subscribed =
      billing_stub_->SubscribeClient(As("alice").get(), subscribe, &sub);
  ASSERT_THAT(subscribed, IsOk())
      << subscribed.error_code() << " " << subscribed.error_message();

  // Authorized, then 49 hours pass on billing's clock: too late.
  ASSERT_THAT(Authorize(sub.name(), firm.name()), IsOk());
  AdvanceBillingClock(absl::Hours(49));
  grpc::Status late = Complete(sub.name());
  EXPECT_THAT(late, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(late.error_message(), ::testing::HasSubstr("authorization expired"));

  // Authorized again and completed in time: now on wholesale.
  ASSERT_THAT(Authorize(sub.name(), firm.name()), IsOk());
  ASSERT_THAT(Complete(sub.name()), IsOk());

  // Deactivating keeps the client on wholesale billing.
  v1::DeactivateClientRequest deactivate;
  deactivate.set_name(client.name());
  ASSERT_THAT(dir_stub_->DeactivateClient(As("alice").get(), deactivate, &client),
              IsOk());
  v1::GetSubscriptionRequest get;
  get.set_name(sub.name());
  ASSERT_THAT(billing_stub_->GetSubscription(As("alice").get(), get, &sub), IsOk());
  EXPECT_EQ(sub.plan(), v1::WHOLESALE);

  EXPECT_THAT(Delete(client.name()), StatusIs(absl::StatusCode::kFailedPrecondition));
  v1::RemoveFromWholesaleRequest remove;
  remove.set_name(sub.name());
  ASSERT_THAT(billing_stub_->RemoveFromWholesale(As("alice").get(), remove, &sub),
              IsOk());
  EXPECT_THAT(Delete(client.name()), IsOk());

  EXPECT_EQ(billing_.Stop(SIGTERM), 0) << billing_.Log();
  EXPECT_EQ(directory_.Stop(SIGTERM), 0) << directory_.Log();
}

TEST_F(BillingE2eTest, TheClockServiceExistsOnlyWithFakeClock) {
  auto directory_clock = testing::v1::ClockService::NewStub(
      grpc::CreateChannel(directory_target_, grpc::InsecureChannelCredentials()));
  testing::v1::NowRequest req;
  google::protobuf::Timestamp now;
  grpc::ClientContext ctx;
  EXPECT_THAT(directory_clock->Now(&ctx, req, &now),
              StatusIs(absl::StatusCode::kUnimplemented));
  ASSERT_THAT(clock_stub_->Now(As("ops", /*operator_role=*/true).get(), req, &now),
              IsOk());
  EXPECT_EQ(google::protobuf::util::TimeUtil::ToString(now), "2026-03-02T12:00:00Z");
  // Moving time is an operator's act: no firm member may.
  EXPECT_THAT(clock_stub_->Now(As("alice").get(), req, &now),
              StatusIs(absl::StatusCode::kPermissionDenied));
  testing::v1::AdvanceRequest advance;
  advance.mutable_by()->set_seconds(3600);
  EXPECT_THAT(clock_stub_->Advance(As("alice").get(), advance, &now),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(BillingE2eTest, TheClockNeverMovesPastWhatATimestampHolds) {
  google::protobuf::Timestamp now;
  auto advance = [&](int64_t seconds, int32_t nanos) {
    testing::v1::AdvanceRequest req;
    req.mutable_by()->set_seconds(seconds);
    req.mutable_by()->set_nanos(nanos);
    return clock_stub_->Advance(As("ops", /*operator_role=*/true).get(), req, &now);
  };
  // Past a Duration's range, a valid one of 10,000 years, one that ends
  // past year 9000 (every time the services derive must still fit a
  // Timestamp), backwards: each refused, the clock where it was. Year
  // 22027 ended the process at its next call.
  for (const auto& [seconds, nanos] :
       std::vector<std::pair<int64_t, int32_t>>{{int64_t{1} << 62, 0},
                                                {315'576'000'000, 0},
                                                {221'845'392'000 - 1'772'452'800 + 1, 0},
                                                {0, 1'000'000'000},
                                                {0, -5},
                                                {-1, 0}}) {
    EXPECT_THAT(advance(seconds, nanos), StatusIs(absl::StatusCode::kInvalidArgument))
        << seconds << " s " << nanos << " ns";
  }
  ASSERT_THAT(advance(221'845'392'000 - 1'772'452'800, 0), IsOk())
      << "to 9000-01-01 exactly";
  EXPECT_EQ(google::protobuf::util::TimeUtil::ToString(now), "9000-01-01T00:00:00Z");
  EXPECT_THAT(advance(0, 1), StatusIs(absl::StatusCode::kInvalidArgument));
  // Billing still serves, writing and reading a subscription (its trial
  // ends 30 days later) at that time.
  const testing::SeededFirm firm = testing::SeedFirm(*dir_stub_, 1);
  ASSERT_THAT(firm.status, IsOk());
  v1::SubscribeClientRequest subscribe;
  subscribe.set_parent(absl::StrCat(firm.name, "/clients/", firm.company_ids[0]));
  subscribe.mutable_subscription()->set_plan(v1::DIRECT_DISCOUNT);
  subscribe.mutable_subscription()->add_products(v1::PLUS);
  v1::Subscription sub;
  ASSERT_THAT(billing_stub_->SubscribeClient(As("alice").get(), subscribe, &sub), IsOk())
      << billing_.Log();
  EXPECT_EQ(google::protobuf::util::TimeUtil::ToString(sub.trial_end_time()),
            "9000-01-31T00:00:00Z");
  EXPECT_EQ(billing_.Stop(SIGTERM), 0) << billing_.Log();

  // Nor may it start there: a service given such a clock does not start.
  for (const char* start :
       {"infinite-future", "9000-01-01T00:00:01Z", "1969-12-31T23:59:59Z"}) {
    std::string output;
    EXPECT_NE(testing::RunToEnd(
                  BILLING_BINARY,
                  {"--listen=" + billing_target_, "--data_dir=" + dir_.Sub("never"),
                   "--metrics_listen=", "--directory_target=" + directory_target_,
                   absl::StrCat("--fake_clock=", start)},
                  dir_.Sub("never.log"), output),
              0)
        << start;
    EXPECT_THAT(output, ::testing::HasSubstr("is not between 1970-01-01")) << start;
  }
}

TEST_F(BillingE2eTest, TheTrialSweepIsServedOnlyOnTheOperatorAddress) {
  v1::SweepExpiredTrialsRequest req;
  v1::SweepExpiredTrialsResponse resp;
  auto on_public_port = v1::BillingOperatorService::NewStub(
      grpc::CreateChannel(billing_target_, grpc::InsecureChannelCredentials()));
  const grpc::Status unserved =
      on_public_port->SweepExpiredTrials(As("alice").get(), req, &resp);
  EXPECT_THAT(unserved, StatusIs(absl::StatusCode::kUnimplemented));
  EXPECT_THAT(unserved.error_message(),
              ::testing::HasSubstr("SweepExpiredTrials is not served at this address "
                                   "(billing's API)"));
  EXPECT_EQ(errors::ReasonOf(FromGrpcStatus(unserved)), "METHOD_NOT_SERVED_HERE");
  EXPECT_EQ(errors::ReasonMetadataOf(FromGrpcStatus(unserved))["method"],
            "/clientbook.v1.BillingOperatorService/SweepExpiredTrials");
  auto on_operator_port = v1::BillingOperatorService::NewStub(
      grpc::CreateChannel(operator_target_, grpc::InsecureChannelCredentials()));
  EXPECT_THAT(on_operator_port->SweepExpiredTrials(As("alice").get(), req, &resp),
              StatusIs(absl::StatusCode::kPermissionDenied));
  grpc::Status swept = on_operator_port->SweepExpiredTrials(
      As("ops", /*operator_role=*/true).get(), req, &resp);
  EXPECT_THAT(swept, IsOk()) << swept.error_message();
}

}  // namespace
}  // namespace clientbook
