// The real directory and billing services, each on an ephemeral port with
// its own RocksDB, calling each other over gRPC as in production.
#include "services/billing/api/billing_service.h"

#include <atomic>
#include <map>
#include <thread>

#include "clientbook/v1/billing.grpc.pb.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "common/auth/auth_flags.h"
#include "common/changes/change_service.h"
#include "common/client/outgoing_call.h"
#include "common/server/server.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/billing/api/billing_change_readers.h"
#include "services/billing/peers/directory_feed.h"
#include "services/billing/peers/grpc_directory_port.h"
#include "services/billing/store/rocksdb_billing_store.h"
#include "services/directory/api/directory_service.h"
#include "services/directory/peers/billing_wholesale_check.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "tests/support/callers.h"
#include "tests/support/in_process_directory.h"
#include "tests/support/list_changes.h"
#include "tests/support/required_fields.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr absl::Duration kTimeout = absl::Seconds(5);

class BillingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    billing_db_ = std::move(*storage::Database::Open(dir_.Sub("billing"), {}));
    billing_store_ =
        std::move(*billing::RocksBillingStore::Create(billing_db_.get(), clock_));

    // The directory starts first; its billing check connects on first use,
    // once billing's port is known.
    wholesale_ = std::make_unique<DeferredWholesaleCheck>(this);
    directory_ = std::make_unique<testing::InProcessDirectory>(dir_.Sub("directory"),
                                                               clock_, *wholesale_);
    StartBilling();
    wholesale_target_ = absl::StrCat("127.0.0.1:", billing_server_->port());
    directory_stub_ =
        v1::DirectoryService::NewStub(client::Connect(directory_->target()));
    billing_stub_ = v1::BillingService::NewStub(
        client::Connect(absl::StrCat("127.0.0.1:", billing_server_->port())));

    v1::CreateFirmRequest create_firm;
    create_firm.mutable_firm()->set_display_name("Studio");
    create_firm.set_creator_email("alice@studio.example");
    v1::Firm firm;
    ASSERT_THAT(directory_stub_->CreateFirm(Ctx("alice").get(), create_firm, &firm),
                IsOk());
    firm_ = firm.name();
    v1::CreateClientRequest req;
    req.set_parent(firm_);
    req.set_make_me_primary_admin(true);
    req.mutable_client()->set_display_name("Rossi SRL");
    req.mutable_client()->set_client_type(v1::BUSINESS);
    v1::Client client;
    ASSERT_THAT(directory_stub_->CreateClient(Ctx("alice").get(), req, &client), IsOk());
    // The company takes over its own primary admin role.
    v1::ChangeClientPrimaryAdminRequest change;
    change.set_name(client.name());
    change.set_new_primary_admin_user_id("rossi-owner");
    ASSERT_THAT(
        directory_stub_->ChangeClientPrimaryAdmin(Ctx("alice").get(), change, &client),
        IsOk());
    client_ = client.name();
    subscription_ = client_ + "/subscription";
  }

  void StartBilling() {
    directory_client_ = std::make_unique<billing::GrpcDirectoryPort>(
        client::Connect(directory_->target()), kTimeout);
    billing_ =
        std::make_unique<billing::Billing>(*billing_store_, clock_, *directory_client_);
    frame_ = std::make_unique<server::Frame>(authenticator_);
    billing_service_ = std::make_unique<billing::BillingService>(
        *billing_, billing_store_->change_log(), *frame_);
    change_readers_ = std::make_unique<billing::BillingChangeReaders>(*directory_client_);
    change_feed_ = std::make_unique<changes::ChangeService>(
        billing_store_->change_log(), *change_readers_, *frame_, real_time_);
    billing_server_ = std::move(*server::Server::Start(
        {.listen = "127.0.0.1:0"}, {billing_service_.get(), change_feed_.get()},
        frame_.get()));
  }

  // The directory's real BillingWholesaleCheck, created once billing's port
  // is known.
  class DeferredWholesaleCheck final : public directory::WholesaleCheck {
   public:
    explicit DeferredWholesaleCheck(BillingServiceTest* test) : test_(test) {}
    absl::StatusOr<bool> IsOnWholesale(const auth::Caller& caller,
                                       const directory::ClientRecord& client) override {
      return Check().IsOnWholesale(caller, client);
    }
    absl::StatusOr<bool> HasSubscription(const auth::Caller& caller,
                                         const directory::ClientRecord& client) override {
      return Check().HasSubscription(caller, client);
    }

   private:
    directory::BillingWholesaleCheck& Check() {
      if (!check_) {
        check_ = std::make_unique<directory::BillingWholesaleCheck>(
            client::Connect(test_->wholesale_target_), absl::Seconds(2));
      }
      return *check_;
    }

    BillingServiceTest* test_;
    std::unique_ptr<directory::BillingWholesaleCheck> check_;
  };

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& user) {
    return client::ContextFor(testing::As(user), kTimeout);
  }

  grpc::Status Subscribe(v1::Plan plan, std::vector<v1::Product> products) {
    v1::SubscribeClientRequest req;
    req.set_parent(client_);
    req.mutable_subscription()->set_plan(plan);
    for (auto p : products) req.mutable_subscription()->add_products(p);
    v1::Subscription out;
    return billing_stub_->SubscribeClient(Ctx("alice").get(), req, &out);
  }

  grpc::Status Transfer(const std::string& user, bool authorize) {
    v1::BillingTransfer out;
    if (authorize) {
      v1::AuthorizeBillingTransferRequest req;
      req.set_name(subscription_);
      req.set_firm(firm_);
      return billing_stub_->AuthorizeBillingTransfer(Ctx(user).get(), req, &out);
    }
    v1::CompleteBillingTransferRequest req;
    req.set_name(subscription_);
    return billing_stub_->CompleteBillingTransfer(Ctx(user).get(), req, &out);
  }

  grpc::Status DeleteClient() {
    v1::DeleteClientRequest req;
    req.set_name(client_);
    google::protobuf::Empty out;
    return directory_stub_->DeleteClient(Ctx("alice").get(), req, &out);
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  std::unique_ptr<storage::Database> billing_db_;
  std::unique_ptr<billing::RocksBillingStore> billing_store_;
  std::string wholesale_target_;
  std::unique_ptr<DeferredWholesaleCheck> wholesale_;
  std::unique_ptr<testing::InProcessDirectory> directory_;

  std::unique_ptr<billing::GrpcDirectoryPort> directory_client_;
  std::unique_ptr<billing::Billing> billing_;
  auth::HeaderAuthenticator authenticator_;
  std::unique_ptr<server::Frame> frame_;
  std::unique_ptr<billing::BillingService> billing_service_;
  std::unique_ptr<billing::BillingChangeReaders> change_readers_;
  SystemClock real_time_;
  std::unique_ptr<changes::ChangeService> change_feed_;
  std::unique_ptr<server::Server> billing_server_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_stub_;
  std::unique_ptr<v1::BillingService::Stub> billing_stub_;
  std::string firm_, client_, subscription_;
};

TEST_F(BillingServiceTest, TransferExpiresAfter48HoursOverTheWire) {
  ASSERT_THAT(Subscribe(v1::DIRECT_DISCOUNT, {v1::PLUS}), IsOk());
  ASSERT_THAT(Transfer("rossi-owner", /*authorize=*/true), IsOk());
  clock_.Advance(absl::Hours(49));
  grpc::Status late = Transfer("alice", /*authorize=*/false);
  EXPECT_THAT(late, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(errors::ReasonOf(FromGrpcStatus(late)),
              Optional(std::string("AUTHORIZATION_EXPIRED")));
  ASSERT_THAT(Transfer("rossi-owner", true), IsOk());
  EXPECT_THAT(Transfer("alice", false), IsOk());
}

TEST_F(BillingServiceTest, OnlyTheClientsPrimaryAdminAuthorizesAsTheDirectorySays) {
  ASSERT_THAT(Subscribe(v1::DIRECT_DISCOUNT, {v1::PLUS}), IsOk());
  EXPECT_THAT(Transfer("alice", true), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Transfer("mallory", true), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(BillingServiceTest, DeleteAsksBillingAboutWholesale) {
  ASSERT_THAT(Subscribe(v1::WHOLESALE, {v1::PLUS}), IsOk());
  grpc::Status refused = DeleteClient();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(errors::ReasonOf(FromGrpcStatus(refused)),
              Optional(std::string("CLIENT_ON_WHOLESALE_BILLING")));

  v1::RemoveFromWholesaleRequest remove;
  remove.set_name(subscription_);
  v1::Subscription sub;
  ASSERT_THAT(billing_stub_->RemoveFromWholesale(Ctx("alice").get(), remove, &sub),
              IsOk());
  EXPECT_EQ(sub.plan(), v1::DIRECT_DISCOUNT);
  EXPECT_THAT(DeleteClient(), IsOk());
}

TEST_F(BillingServiceTest, DeleteIsRefusedWhileBillingIsDown) {
  billing_server_->Shutdown();
  grpc::Status refused = DeleteClient();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(refused.error_message(), HasSubstr("billing"));
  v1::GetClientRequest get;
  get.set_name(client_);
  v1::Client still;
  EXPECT_THAT(directory_stub_->GetClient(Ctx("alice").get(), get, &still), IsOk());
}

TEST_F(BillingServiceTest, BillingRefusesWhenTheDirectoryIsDown) {
  directory_->Shutdown();
  EXPECT_THAT(Subscribe(v1::WHOLESALE, {v1::PLUS}),
              StatusIs(absl::StatusCode::kUnavailable));
}

// AIP-203: the subscription's REQUIRED fields alone subscribe; without
// either, INVALID_ARGUMENT naming it (as each of the directory's creates).
TEST_F(BillingServiceTest, SubscribingNeedsExactlyTheFieldsTheContractMarksRequired) {
  v1::SubscribeClientRequest minimal;
  minimal.set_parent(client_);
  minimal.mutable_subscription()->set_plan(v1::WHOLESALE);
  const std::vector<std::string> required =
      testing::RequiredPaths(*minimal.GetDescriptor());
  ASSERT_THAT(testing::SetPaths(minimal), ::testing::UnorderedElementsAreArray(required));
  v1::Subscription out;
  for (const std::string& path : required) {
    v1::SubscribeClientRequest without = minimal;
    testing::ClearPath(without, path);
    const grpc::Status refused =
        billing_stub_->SubscribeClient(Ctx("alice").get(), without, &out);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
    EXPECT_THAT(
        errors::FieldViolationsOf(FromGrpcStatus(refused)),
        ::testing::Contains(::testing::Field(&errors::FieldViolation::field, path)))
        << path << ": " << refused.error_message();
  }
  EXPECT_THAT(billing_stub_->SubscribeClient(Ctx("alice").get(), minimal, &out), IsOk());
}

TEST_F(BillingServiceTest, ClientsOfOtherFirmsAndUnknownClientsAreRefused) {
  v1::SubscribeClientRequest req;
  req.set_parent(firm_ + "/clients/999999");
  req.mutable_subscription()->set_plan(v1::WHOLESALE);
  v1::Subscription out;
  EXPECT_THAT(billing_stub_->SubscribeClient(Ctx("alice").get(), req, &out),
              StatusIs(absl::StatusCode::kNotFound));
  req.set_parent(client_);
  EXPECT_THAT(billing_stub_->SubscribeClient(Ctx("mallory").get(), req, &out),
              StatusIs(absl::StatusCode::kPermissionDenied));
  req.set_parent("firms/x/clients/1");
  EXPECT_THAT(billing_stub_->SubscribeClient(Ctx("alice").get(), req, &out),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Billing asks the directory on every call: a member removed there is
// refused here from the next call on.
TEST_F(BillingServiceTest, AMemberRemovedInTheDirectoryIsRefusedByBilling) {
  ASSERT_THAT(Subscribe(v1::DIRECT_DISCOUNT, {}), IsOk());
  v1::AddFirmMemberRequest add;
  add.set_parent(firm_);
  add.mutable_member()->set_user_id("bruno");
  add.mutable_member()->set_email("bruno@studio.example");
  add.mutable_member()->set_role(v1::STAFF);
  v1::FirmMember bruno;
  ASSERT_THAT(directory_stub_->AddFirmMember(Ctx("alice").get(), add, &bruno), IsOk());
  v1::GetSubscriptionRequest get;
  get.set_name(subscription_);
  v1::Subscription read;
  ASSERT_THAT(billing_stub_->GetSubscription(Ctx("bruno").get(), get, &read), IsOk());

  v1::RemoveFirmMemberRequest remove;
  remove.set_name(bruno.name());
  v1::RemoveFirmMemberResponse removed;
  ASSERT_THAT(directory_stub_->RemoveFirmMember(Ctx("alice").get(), remove, &removed),
              IsOk());
  EXPECT_THAT(billing_stub_->GetSubscription(Ctx("bruno").get(), get, &read),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(billing_stub_->GetSubscription(Ctx("alice").get(), get, &read), IsOk());
}

TEST_F(BillingServiceTest, ReadsShowEligibilityAndTheTransfer) {
  ASSERT_THAT(Subscribe(v1::DIRECT_DISCOUNT, {v1::PLUS}), IsOk());
  ASSERT_THAT(Transfer("rossi-owner", true), IsOk());
  v1::ListSubscriptionsRequest list;
  list.set_parent(firm_);
  list.set_transfer_eligibility(v1::ELIGIBLE);
  v1::ListSubscriptionsResponse resp;
  ASSERT_THAT(billing_stub_->ListSubscriptions(Ctx("alice").get(), list, &resp), IsOk());
  ASSERT_EQ(resp.subscriptions_size(), 1);
  EXPECT_EQ(resp.subscriptions(0).transfer().state(), v1::BillingTransfer::AUTHORIZED);
  EXPECT_EQ(resp.subscriptions(0).trial_state(), v1::IN_TRIAL);

  v1::GetBillingTransferRequest get;
  get.set_name(subscription_ + "/transfer");
  v1::BillingTransfer transfer;
  ASSERT_THAT(billing_stub_->GetBillingTransfer(Ctx("rossi-owner").get(), get, &transfer),
              IsOk());
  EXPECT_EQ(transfer.firm(), firm_);
}

TEST_F(BillingServiceTest, OversizedNamesAndUnknownEnumsAreInvalidArgument) {
  v1::GetSubscriptionRequest get;
  get.set_name("firms/" + std::string(10 * 1024, '1') + "/clients/2/subscription");
  v1::Subscription out;
  EXPECT_THAT(billing_stub_->GetSubscription(Ctx("alice").get(), get, &out),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_THAT(Subscribe(v1::WHOLESALE, {v1::PLUS}), IsOk());
  v1::RemoveProductRequest remove;
  remove.set_name(client_ + "/subscription");
  remove.set_product(static_cast<v1::Product>(99));
  EXPECT_THAT(billing_stub_->RemoveProduct(Ctx("alice").get(), remove, &out),
              StatusIs(absl::StatusCode::kInvalidArgument));
  v1::ListSubscriptionsRequest list;
  list.set_parent(client_.substr(0, client_.find("/clients")));
  list.set_transfer_eligibility(static_cast<v1::TransferEligibility>(50));
  v1::ListSubscriptionsResponse listed;
  EXPECT_THAT(billing_stub_->ListSubscriptions(Ctx("alice").get(), list, &listed),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Issue 21: ListSubscriptions, as ListClients, returns a change_token for
// the list-then-watch recipe: it named no position, so a consumer of
// billing could only bootstrap from a SNAPSHOT watch.
TEST_F(BillingServiceTest, AListOfSubscriptionsReturnsTheFeedPositionItWasReadAt) {
  v1::ListSubscriptionsRequest list;
  list.set_parent(firm_);
  v1::ListSubscriptionsResponse listed;
  ASSERT_THAT(billing_stub_->ListSubscriptions(Ctx("alice").get(), list, &listed),
              IsOk());
  ASSERT_FALSE(listed.change_token().empty());
  ASSERT_THAT(Subscribe(v1::WHOLESALE, {v1::PLUS}), IsOk());
  auto changes = v1::ChangeService::NewStub(
      client::Connect(absl::StrCat("127.0.0.1:", billing_server_->port())));
  v1::ListChangesRequest req;
  req.set_parent(firm_);
  req.set_resume_token(listed.change_token());
  v1::ListChangesResponse resp;
  ASSERT_THAT(changes->ListChanges(Ctx("alice").get(), req, &resp), IsOk());
  ASSERT_GE(resp.events_size(), 1);
  EXPECT_EQ(resp.events(0).type(), v1::ChangeEvent::CREATED);
  EXPECT_EQ(resp.events(0).name(), subscription_);
}

TEST_F(BillingServiceTest, AChangeSentWithAStaleEtagIsAbortedAndChangesNothing) {
  ASSERT_THAT(Subscribe(v1::WHOLESALE, {v1::PLUS}), IsOk());
  v1::SetBillingPeriodRequest annual;
  annual.set_name(subscription_);
  annual.set_billing_period(v1::ANNUAL);
  v1::Subscription read;
  ASSERT_THAT(billing_stub_->SetBillingPeriod(Ctx("alice").get(), annual, &read), IsOk());
  ASSERT_FALSE(read.etag().empty());

  v1::SetBillingPeriodRequest monthly = annual;
  monthly.set_billing_period(v1::MONTHLY);
  monthly.set_etag(read.etag());
  v1::Subscription changed;
  ASSERT_THAT(billing_stub_->SetBillingPeriod(Ctx("alice").get(), monthly, &changed),
              IsOk());
  EXPECT_NE(changed.etag(), read.etag());
  // A second admin, who read it annual, is told instead of overwriting.
  annual.set_etag(read.etag());
  v1::Subscription out;
  const grpc::Status stale =
      billing_stub_->SetBillingPeriod(Ctx("alice").get(), annual, &out);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(errors::ReasonOf(FromGrpcStatus(stale)),
              Optional(std::string("STALE_ETAG")));
  v1::GetSubscriptionRequest get;
  get.set_name(subscription_);
  ASSERT_THAT(billing_stub_->GetSubscription(Ctx("alice").get(), get, &out), IsOk());
  EXPECT_EQ(out.billing_period(), v1::MONTHLY);
  EXPECT_EQ(out.etag(), changed.etag());
}

// A transfer's etag is its subscription's: each of its steps sent with one
// read before the subscription changed is ABORTED and changes nothing, so
// a firm never completes (nor a client authorizes or revokes) unseen what
// changed since it read — a product added, a payment method.
TEST_F(BillingServiceTest, ATransferStepSentWithAStaleEtagIsAbortedAndChangesNothing) {
  ASSERT_THAT(Subscribe(v1::DIRECT_DISCOUNT, {v1::PLUS}), IsOk());
  v1::GetSubscriptionRequest get;
  get.set_name(subscription_);
  v1::Subscription subscribed;
  ASSERT_THAT(billing_stub_->GetSubscription(Ctx("alice").get(), get, &subscribed),
              IsOk());
  v1::AddPaymentMethodRequest pay;
  pay.set_name(subscription_);
  v1::Subscription paid;
  ASSERT_THAT(billing_stub_->AddPaymentMethod(Ctx("rossi-owner").get(), pay, &paid),
              IsOk());
  const auto expect_stale = [](const grpc::Status& status) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
    EXPECT_THAT(errors::ReasonOf(FromGrpcStatus(status)),
                Optional(std::string("STALE_ETAG")));
  };

  v1::AuthorizeBillingTransferRequest authorize;
  authorize.set_name(subscription_);
  authorize.set_firm(firm_);
  authorize.set_etag(subscribed.etag());
  v1::BillingTransfer transfer;
  expect_stale(billing_stub_->AuthorizeBillingTransfer(Ctx("rossi-owner").get(),
                                                       authorize, &transfer));
  authorize.set_etag(paid.etag());
  ASSERT_THAT(billing_stub_->AuthorizeBillingTransfer(Ctx("rossi-owner").get(), authorize,
                                                      &transfer),
              IsOk());
  v1::Subscription authorized;
  ASSERT_THAT(billing_stub_->GetSubscription(Ctx("alice").get(), get, &authorized),
              IsOk());
  EXPECT_EQ(transfer.etag(), authorized.etag());
  EXPECT_NE(transfer.etag(), paid.etag());

  v1::CompleteBillingTransferRequest complete;
  complete.set_name(subscription_);
  complete.set_etag(paid.etag());
  expect_stale(
      billing_stub_->CompleteBillingTransfer(Ctx("alice").get(), complete, &transfer));
  v1::RevokeBillingTransferRequest revoke;
  revoke.set_name(subscription_);
  revoke.set_etag(paid.etag());
  expect_stale(
      billing_stub_->RevokeBillingTransfer(Ctx("rossi-owner").get(), revoke, &transfer));
  v1::GetBillingTransferRequest read;
  read.set_name(subscription_ + "/transfer");
  ASSERT_THAT(billing_stub_->GetBillingTransfer(Ctx("alice").get(), read, &transfer),
              IsOk());
  EXPECT_EQ(transfer.state(), v1::BillingTransfer::AUTHORIZED);
  EXPECT_EQ(transfer.etag(), authorized.etag());

  complete.set_etag(transfer.etag());
  ASSERT_THAT(
      billing_stub_->CompleteBillingTransfer(Ctx("alice").get(), complete, &transfer),
      IsOk());
  EXPECT_EQ(transfer.state(), v1::BillingTransfer::COMPLETED);
  v1::Subscription completed;
  ASSERT_THAT(billing_stub_->GetSubscription(Ctx("alice").get(), get, &completed),
              IsOk());
  EXPECT_EQ(completed.plan(), v1::WHOLESALE);
  EXPECT_EQ(transfer.etag(), completed.etag());
}

// The bootstrap recipe on billing: list (keeping the first page's
// change_token), then apply billing's feed from it, each event's etag
// replacing the listed one; with a writer running throughout, the copy ends
// equal to billing. Before subscriptions had etags, a copy could not tell
// an event it had already listed from a newer one.
TEST_F(BillingServiceTest, ListThenFollowEndsEqualToBillingUnderConcurrentWrites) {
  std::vector<std::string> subscriptions;
  for (int i = 0; i < 12; ++i) {
    v1::CreateClientRequest create;
    create.set_parent(firm_);
    create.mutable_client()->set_display_name(absl::StrCat("Client ", i));
    create.mutable_client()->set_client_type(v1::BUSINESS);
    v1::Client client;
    ASSERT_THAT(directory_stub_->CreateClient(Ctx("alice").get(), create, &client),
                IsOk());
    v1::SubscribeClientRequest subscribe;
    subscribe.set_parent(client.name());
    subscribe.mutable_subscription()->set_plan(v1::WHOLESALE);
    v1::Subscription out;
    ASSERT_THAT(billing_stub_->SubscribeClient(Ctx("alice").get(), subscribe, &out),
                IsOk());
    subscriptions.push_back(out.name());
  }
  std::atomic<bool> stop = false;
  std::atomic<int> writes = 0;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i, ++writes) {
      v1::SetBillingPeriodRequest req;
      req.set_name(subscriptions[i % subscriptions.size()]);
      req.set_billing_period(i / subscriptions.size() % 2 == 0 ? v1::ANNUAL
                                                               : v1::MONTHLY);
      v1::Subscription out;
      billing_stub_->SetBillingPeriod(Ctx("alice").get(), req, &out);
    }
  });
  auto list_all = [&](std::string* token) {
    testing::NamesToEtags copy;
    v1::ListSubscriptionsRequest req;
    req.set_parent(firm_);
    req.set_page_size(5);
    const grpc::Status listed = testing::ListIntoCopy<v1::ListSubscriptionsRequest,
                                                      v1::ListSubscriptionsResponse>(
        req,
        [&](const v1::ListSubscriptionsRequest& page_req,
            v1::ListSubscriptionsResponse& page) {
          return billing_stub_->ListSubscriptions(Ctx("alice").get(), page_req, &page);
        },
        [](const v1::ListSubscriptionsResponse& page) -> const auto& {
          return page.subscriptions();
        },
        copy, token);
    EXPECT_THAT(listed, IsOk());
    return copy;
  };
  std::string token;
  testing::NamesToEtags copy = list_all(&token);
  for (const int listed = writes; writes < listed + 30;) std::this_thread::yield();
  stop = true;
  writer.join();

  auto changes = v1::ChangeService::NewStub(
      client::Connect(absl::StrCat("127.0.0.1:", billing_server_->port())));
  v1::ListChangesRequest req;
  req.set_parent(firm_);
  req.set_resume_token(token);
  ASSERT_THAT(testing::FollowInto(
                  *changes, req, [] { return Ctx("alice"); }, copy),
              IsOk());
  const testing::NamesToEtags billing = list_all(nullptr);
  EXPECT_EQ(copy, billing);
  EXPECT_EQ(billing.size(), subscriptions.size() + 0u);
  for (const auto& [name, etag] : billing) EXPECT_NE(etag, "") << name;
}

// Billing's own feed: every writing RPC leaves its change, typed for what it
// did. Every RPC of the service is either in the table or a read, so a new
// one fails here until it is placed.
TEST_F(BillingServiceTest, EveryBillingWriteLeavesItsChangeInBillingsFeed) {
  auto changes = v1::ChangeService::NewStub(
      client::Connect(absl::StrCat("127.0.0.1:", billing_server_->port())));
  uint64_t next = 1;
  auto changes_since = [&] {
    v1::ListChangesRequest req;
    req.set_parent(firm_);
    v1::ListChangesResponse resp;
    EXPECT_THAT(changes->ListChanges(Ctx("alice").get(), req, &resp), IsOk());
    std::vector<v1::ChangeEvent> events;
    for (const v1::ChangeEvent& e : resp.events()) {
      if (e.sequence() >= next) events.push_back(e);
    }
    if (!events.empty()) next = events.back().sequence() + 1;
    return events;
  };
  v1::Subscription sub;
  v1::BillingTransfer transfer;
  auto named = [&](auto request) {
    request.set_name(subscription_);
    return request;
  };
  struct Step {
    std::string method;
    std::function<grpc::Status()> call;
    v1::ChangeEvent::Type type;
  };
  const std::vector<Step> steps = {
      {"SubscribeClient", [&] { return Subscribe(v1::DIRECT_DISCOUNT, {v1::PLUS}); },
       v1::ChangeEvent::TRIAL_STARTED},
      {"AddProduct",
       [&] {
         auto req = named(v1::AddProductRequest());
         req.set_product(v1::QUICKBOOKS_TIME);
         return billing_stub_->AddProduct(Ctx("alice").get(), req, &sub);
       },
       v1::ChangeEvent::UPDATED},
      {"RemoveProduct",
       [&] {
         auto req = named(v1::RemoveProductRequest());
         req.set_product(v1::QUICKBOOKS_TIME);
         return billing_stub_->RemoveProduct(Ctx("alice").get(), req, &sub);
       },
       v1::ChangeEvent::UPDATED},
      {"SetBillingPeriod",
       [&] {
         // Annual, then monthly again (a transfer to wholesale needs monthly).
         auto req = named(v1::SetBillingPeriodRequest());
         req.set_billing_period(v1::ANNUAL);
         grpc::Status annual =
             billing_stub_->SetBillingPeriod(Ctx("alice").get(), req, &sub);
         if (!annual.ok()) return annual;
         changes_since();
         req.set_billing_period(v1::MONTHLY);
         return billing_stub_->SetBillingPeriod(Ctx("alice").get(), req, &sub);
       },
       v1::ChangeEvent::UPDATED},
      {"AddPaymentMethod",
       [&] {
         return billing_stub_->AddPaymentMethod(
             Ctx("rossi-owner").get(), named(v1::AddPaymentMethodRequest()), &sub);
       },
       v1::ChangeEvent::UPDATED},
      {"AuthorizeBillingTransfer", [&] { return Transfer("rossi-owner", true); },
       v1::ChangeEvent::TRANSFER_AUTHORIZED},
      {"RevokeBillingTransfer",
       [&] {
         return billing_stub_->RevokeBillingTransfer(
             Ctx("rossi-owner").get(), named(v1::RevokeBillingTransferRequest()),
             &transfer);
       },
       v1::ChangeEvent::TRANSFER_REVOKED},
      {"CompleteBillingTransfer",
       [&] {
         grpc::Status authorized = Transfer("rossi-owner", true);
         if (!authorized.ok()) return authorized;
         changes_since();  // the authorization's change
         return Transfer("alice", false);
       },
       v1::ChangeEvent::TRANSFER_COMPLETED},
      {"RemoveFromWholesale",
       [&] {
         return billing_stub_->RemoveFromWholesale(
             Ctx("alice").get(), named(v1::RemoveFromWholesaleRequest()), &sub);
       },
       // Back on direct discount, with a trial of its own.
       v1::ChangeEvent::TRIAL_STARTED},
  };
  std::set<std::string> covered;
  std::set<std::string> etags;
  for (const Step& step : steps) {
    SCOPED_TRACE(step.method);
    const grpc::Status status = step.call();
    ASSERT_THAT(status, IsOk()) << status.error_message();
    const std::vector<v1::ChangeEvent> events = changes_since();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type(), step.type) << events[0].ShortDebugString();
    EXPECT_EQ(events[0].name(), subscription_);
    EXPECT_EQ(events[0].resource().subscription().name(), subscription_);
    EXPECT_EQ(events[0].source(), "api");
    // The etag a copy kept from the feed guards its updates with: the
    // subscription's own, new with every change.
    v1::GetSubscriptionRequest get;
    get.set_name(subscription_);
    v1::Subscription now;
    ASSERT_THAT(billing_stub_->GetSubscription(Ctx("alice").get(), get, &now), IsOk());
    EXPECT_EQ(events[0].etag(), now.etag());
    EXPECT_TRUE(etags.insert(now.etag()).second) << now.etag() << " seen before";
    covered.insert(step.method);
  }
  const std::set<std::string> reads = {"GetSubscription", "ListSubscriptions",
                                       "GetBillingTransfer"};
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          "clientbook.v1.BillingService");
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string& method = service->method(i)->name();
    EXPECT_TRUE(covered.contains(method) || reads.contains(method))
        << method << " is neither a checked write nor a read";
  }
  // A stranger reads nothing of the firm's billing changes.
  v1::ListChangesRequest req;
  req.set_parent(firm_);
  v1::ListChangesResponse resp;
  EXPECT_THAT(changes->ListChanges(Ctx("mallory").get(), req, &resp),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

// The sweep is the actor of a lapse: no user, source "sweep".
TEST_F(BillingServiceTest, ALapsedTrialIsInTheFeedWithTheSweepAsItsActor) {
  ASSERT_THAT(Subscribe(v1::DIRECT_DISCOUNT, {v1::PLUS}), IsOk());
  clock_.Advance(absl::Hours(24 * 31));
  ASSERT_EQ(billing_->SweepExpiredTrials()->size(), 1u);
  auto changes = v1::ChangeService::NewStub(
      client::Connect(absl::StrCat("127.0.0.1:", billing_server_->port())));
  v1::ListChangesRequest req;
  req.set_parent(firm_);
  req.set_filter("type = TRIAL_LAPSED");
  v1::ListChangesResponse resp;
  ASSERT_THAT(changes->ListChanges(Ctx("alice").get(), req, &resp), IsOk());
  ASSERT_EQ(resp.events_size(), 1);
  EXPECT_EQ(resp.events(0).source(), "sweep");
  EXPECT_EQ(resp.events(0).actor(), "");
  EXPECT_EQ(resp.events(0).method(), "") << "no call made it";
  EXPECT_EQ(resp.events(0).resource().subscription().trial_state(), v1::LAPSED);
}

// Billing follows the directory's feed: a deleted client's subscription
// leaves the firm's lists and the trial sweep, once, however often the same
// changes are read again.
TEST_F(BillingServiceTest, ADeletedClientsSubscriptionLeavesListsAndSweepsOnce) {
  ASSERT_THAT(Subscribe(v1::DIRECT_DISCOUNT, {v1::PLUS}), IsOk());
  billing::DirectoryFeed feed(client::Connect(directory_->target()),
                              *auth::ServiceCallerFromFlags("clientbook-billing"),
                              *billing_, *billing_store_);
  ASSERT_THAT(feed.CatchUp(), IsOk());
  EXPECT_EQ(feed.subscriptions_detached(), 0u);
  auto listed = [&] {
    v1::ListSubscriptionsRequest req;
    req.set_parent(firm_);
    v1::ListSubscriptionsResponse resp;
    EXPECT_THAT(billing_stub_->ListSubscriptions(Ctx("alice").get(), req, &resp), IsOk());
    return resp.subscriptions_size();
  };
  EXPECT_EQ(listed(), 1);

  ASSERT_THAT(DeleteClient(), IsOk());
  ASSERT_THAT(feed.CatchUp(), IsOk());
  EXPECT_EQ(feed.subscriptions_detached(), 1u);
  EXPECT_EQ(listed(), 0);
  clock_.Advance(absl::Hours(24 * 31));
  EXPECT_TRUE(billing_->SweepExpiredTrials()->empty())
      << "a gone client's trial lapses unseen";
  const names::SubscriptionName ref = *names::SubscriptionName::Parse("s", subscription_);
  const auto kept = *billing_store_->Get(ref.firm_id, ref.company_id);
  ASSERT_TRUE(kept.has_value()) << "kept as the company's history";
  const uint64_t gone_at = kept->client_gone_sequence();
  EXPECT_GT(gone_at, 0u);

  // The position forgotten (as after a token refused): everything read again
  // changes nothing.
  ASSERT_THAT(billing_store_->PutFeedPosition(billing::DirectoryFeed::kFeed, ""), IsOk());
  ASSERT_THAT(feed.CatchUp(), IsOk());
  EXPECT_EQ(feed.subscriptions_detached(), 1u);
  EXPECT_EQ(billing_store_->Get(kept->firm_id(), kept->company_id())
                ->value()
                .client_gone_sequence(),
            gone_at);
}

// A SNAPSHOT of billing holds the firm's subscriptions, and once the
// directory's client is gone (and billing followed), no longer its own.
TEST_F(BillingServiceTest, ABillingSnapshotHoldsTheSubscriptionsOfClientsStillThere) {
  ASSERT_THAT(Subscribe(v1::DIRECT_DISCOUNT, {v1::PLUS}), IsOk());
  auto changes = v1::ChangeService::NewStub(
      client::Connect(absl::StrCat("127.0.0.1:", billing_server_->port())));
  auto snapshot = [&] {
    auto ctx = Ctx("alice");
    v1::WatchChangesRequest req;
    req.set_parent(firm_);
    req.set_start(v1::WatchChangesRequest::SNAPSHOT);
    auto stream = changes->WatchChanges(ctx.get(), req);
    std::vector<std::string> names;
    v1::WatchChangesResponse response;
    while (stream->Read(&response)) {
      for (const v1::ChangeEvent& event : response.events()) {
        EXPECT_EQ(event.type(), v1::ChangeEvent::EXISTS);
        EXPECT_EQ(event.resource().subscription().plan(), v1::DIRECT_DISCOUNT);
        names.push_back(event.name());
      }
      if (response.snapshot_complete()) break;
    }
    ctx->TryCancel();
    stream->Finish();
    return names;
  };
  EXPECT_THAT(snapshot(), ::testing::ElementsAre(subscription_));
  billing::DirectoryFeed feed(client::Connect(directory_->target()),
                              *auth::ServiceCallerFromFlags("clientbook-billing"),
                              *billing_, *billing_store_);
  ASSERT_THAT(DeleteClient(), IsOk());
  ASSERT_THAT(feed.CatchUp(), IsOk());
  EXPECT_THAT(snapshot(), ::testing::IsEmpty());
}

// A client's subscription history from billing's audit: each step with its
// actor and the transfer's state before and after, newest first; the
// same by the subscription's name; nothing for a stranger.
TEST_F(BillingServiceTest, ASubscriptionsHistoryIsInBillingsAudit) {
  ASSERT_THAT(Subscribe(v1::DIRECT_DISCOUNT, {v1::PLUS}), IsOk());
  ASSERT_THAT(Transfer("rossi-owner", /*authorize=*/true), IsOk());
  ASSERT_THAT(Transfer("alice", /*authorize=*/false), IsOk());
  auto changes = v1::ChangeService::NewStub(
      client::Connect(absl::StrCat("127.0.0.1:", billing_server_->port())));
  for (const std::string& parent : {client_, subscription_}) {
    v1::ListAuditEntriesRequest req;
    req.set_parent(parent);
    v1::ListAuditEntriesResponse resp;
    ASSERT_THAT(changes->ListAuditEntries(Ctx("alice").get(), req, &resp), IsOk());
    std::vector<std::string> steps;
    for (const v1::AuditEntry& entry : resp.audit_entries()) {
      EXPECT_EQ(entry.change().name(), subscription_);
      steps.push_back(absl::StrCat(v1::ChangeEvent::Type_Name(entry.change().type()),
                                   " by ", entry.change().actor()));
    }
    EXPECT_THAT(steps, ::testing::ElementsAre("TRANSFER_COMPLETED by alice",
                                              "TRANSFER_AUTHORIZED by rossi-owner",
                                              "TRIAL_STARTED by alice"))
        << parent;
    ASSERT_EQ(resp.audit_entries_size(), 3);
    const v1::AuditEntry& completed = resp.audit_entries(0);
    EXPECT_EQ(completed.change().method(),
              "/clientbook.v1.BillingService/CompleteBillingTransfer");
    bool transfer_changed = false;
    for (const v1::FieldChange& change : completed.field_changes()) {
      if (change.path() != "transfer") continue;
      transfer_changed = true;
      EXPECT_EQ(change.before().struct_value().fields().at("state").string_value(),
                "AUTHORIZED");
      EXPECT_EQ(change.after().struct_value().fields().at("state").string_value(),
                "COMPLETED");
    }
    EXPECT_TRUE(transfer_changed);
    EXPECT_THAT(changes->ListAuditEntries(Ctx("mallory").get(), req, &resp),
                StatusIs(absl::StatusCode::kPermissionDenied));
  }
}

TEST_F(BillingServiceTest, AStoredTokenTheDirectoryRefusesStartsOverFromItsOldest) {
  billing::DirectoryFeed feed(client::Connect(directory_->target()),
                              *auth::ServiceCallerFromFlags("clientbook-billing"),
                              *billing_, *billing_store_);
  ASSERT_THAT(
      billing_store_->PutFeedPosition(billing::DirectoryFeed::kFeed, "bm90IGEgdG9rZW4"),
      IsOk());
  // Not a token of this directory at all: refused INVALID_ARGUMENT, not
  // forgotten silently.
  EXPECT_EQ(feed.CatchUp().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_THAT(billing_store_->PutFeedPosition(billing::DirectoryFeed::kFeed, ""), IsOk());
  EXPECT_THAT(feed.CatchUp(), IsOk());
}

// Billing stopped following for longer than the directory keeps its feed
// (down a week, or restored from an old backup): the deletion it missed is
// past the oldest change it can read. It started over from the oldest and
// kept listing the deleted client's subscription for good; now the refused
// token makes it re-list the directory's clients and repair what they say.
TEST_F(BillingServiceTest, ATokenPastTheFeedsRetentionReListsTheDirectorysClients) {
  ASSERT_THAT(Subscribe(v1::DIRECT_DISCOUNT, {v1::PLUS}), IsOk());
  billing::DirectoryFeed feed(client::Connect(directory_->target()),
                              *auth::ServiceCallerFromFlags("clientbook-billing"),
                              *billing_, *billing_store_);
  ASSERT_THAT(feed.CatchUp(), IsOk());
  ASSERT_THAT(DeleteClient(), IsOk());
  clock_.Advance(absl::Hours(24 * 8));
  v1::CreateClientRequest create;  // the feed keeps its newest change
  create.set_parent(firm_);
  create.mutable_client()->set_display_name("Verdi");
  create.mutable_client()->set_client_type(v1::BUSINESS);
  v1::Client later;
  ASSERT_THAT(directory_stub_->CreateClient(Ctx("alice").get(), create, &later), IsOk());
  ASSERT_THAT(directory_->ExpireFeedBefore(clock_.Now()), IsOk());

  ASSERT_THAT(feed.CatchUp(), IsOk());
  v1::ListSubscriptionsRequest req;
  req.set_parent(firm_);
  v1::ListSubscriptionsResponse resp;
  ASSERT_THAT(billing_stub_->ListSubscriptions(Ctx("alice").get(), req, &resp), IsOk());
  EXPECT_EQ(resp.subscriptions_size(), 0);
  const names::SubscriptionName ref = *names::SubscriptionName::Parse("s", subscription_);
  const auto kept = *billing_store_->Get(ref.firm_id, ref.company_id);
  ASSERT_TRUE(kept.has_value()) << "kept as the company's history";
  EXPECT_NE(kept->client_gone_us(), 0);
  // The repair is billing's following the directory, in its feed.
  auto changes = v1::ChangeService::NewStub(
      client::Connect(absl::StrCat("127.0.0.1:", billing_server_->port())));
  v1::ListChangesRequest list;
  list.set_parent(firm_);
  v1::ListChangesResponse page;
  ASSERT_THAT(changes->ListChanges(Ctx("alice").get(), list, &page), IsOk());
  ASSERT_GT(page.events_size(), 0);
  EXPECT_EQ(page.events().rbegin()->source(), "directory");
  EXPECT_EQ(page.events().rbegin()->actor(), "");
}

TEST_F(BillingServiceTest, TheFeedNeedsThePlatformRole) {
  billing::DirectoryFeed feed(client::Connect(directory_->target()),
                              testing::As("clientbook-billing"), *billing_,
                              *billing_store_);
  EXPECT_EQ(feed.CatchUp().code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace clientbook
