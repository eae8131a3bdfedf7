// A client's permanent delete and its move to wholesale billing sent at the
// same moment, a hundred times over the real services: the client is never
// both deleted and on wholesale. One of the two is refused — the delete as
// CLIENT_ON_WHOLESALE_BILLING, or the move as ABORTED (the client was being
// removed) or NOT_FOUND (it is gone) — and nothing else ever answers.
#include <algorithm>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/cluster.h"
#include "tests/support/status_matchers.h"
#include "tests/support/text_proto.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using testing::As;
using testing::Text;

constexpr int kPairs = 120;
// Pairs sent at once: 16 callers.
constexpr int kAtOnce = 8;

class ClientRemovalRaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(cluster_.Start(why)) << why;
    v1::Firm firm;
    ASSERT_THAT(testing::CreateFirmAs(*cluster_.directory, "alice", &firm), IsOk());
    firm_ = firm.name();
  }

  // A client of firm_ on DIRECT_DISCOUNT whose company's primary admin has
  // authorized its move to the firm's wholesale billing; its subscription's
  // name.
  std::string AuthorizedClient(int i) {
    auto create = Text<v1::CreateClientRequest>(R"pb(client { client_type: BUSINESS }
                                                     make_me_primary_admin: true)pb");
    create.set_parent(firm_);
    create.mutable_client()->set_display_name(absl::StrCat("Client ", i));
    v1::Client client;
    EXPECT_THAT(cluster_.directory->CreateClient(As("alice").get(), create, &client),
                IsOk());
    auto owner = Text<v1::ChangeClientPrimaryAdminRequest>(
        R"pb(new_primary_admin_user_id: "client-owner")pb");
    owner.set_name(client.name());
    EXPECT_THAT(
        cluster_.directory->ChangeClientPrimaryAdmin(As("alice").get(), owner, &client),
        IsOk());
    auto subscribe = Text<v1::SubscribeClientRequest>(
        R"pb(subscription { plan: DIRECT_DISCOUNT products: PLUS })pb");
    subscribe.set_parent(client.name());
    v1::Subscription subscription;
    EXPECT_THAT(
        cluster_.billing->SubscribeClient(As("alice").get(), subscribe, &subscription),
        IsOk());
    v1::AuthorizeBillingTransferRequest authorize;
    authorize.set_name(subscription.name());
    authorize.set_firm(firm_);
    v1::BillingTransfer transfer;
    EXPECT_THAT(cluster_.billing->AuthorizeBillingTransfer(As("client-owner").get(),
                                                           authorize, &transfer),
                IsOk());
    return subscription.name();
  }

  testing::Cluster cluster_;
  std::string firm_;
};

TEST_F(ClientRemovalRaceTest, AClientIsNeverBothDeletedAndMovedToWholesale) {
  std::vector<std::string> subscriptions;
  for (int i = 0; i < kPairs; ++i) subscriptions.push_back(AuthorizedClient(i));
  ASSERT_FALSE(HasFailure());

  struct Outcome {
    grpc::Status deleted;
    grpc::Status moved;
  };
  std::vector<Outcome> outcomes(kPairs);
  absl::BitGen random;
  for (int first = 0; first < kPairs; first += kAtOnce) {
    std::vector<std::thread> callers;
    for (int i = first; i < std::min(first + kAtOnce, kPairs); ++i) {
      const std::string& subscription = subscriptions[i];
      const std::string client = subscription.substr(0, subscription.rfind('/'));
      // The delete leaves up to 2 ms after the move: it asks billing while
      // the move is being checked, or after.
      const absl::Duration lag = absl::Microseconds(absl::Uniform(random, 0, 2000));
      callers.emplace_back([&, i, subscription] {
        v1::CompleteBillingTransferRequest complete;
        complete.set_name(subscription);
        v1::BillingTransfer transfer;
        outcomes[i].moved = cluster_.billing->CompleteBillingTransfer(
            As("alice").get(), complete, &transfer);
      });
      callers.emplace_back([&, i, client, lag] {
        absl::SleepFor(lag);
        v1::DeleteClientRequest remove;
        remove.set_name(client);
        google::protobuf::Empty out;
        outcomes[i].deleted =
            cluster_.directory->DeleteClient(As("alice").get(), remove, &out);
      });
    }
    for (std::thread& caller : callers) caller.join();
  }

  int both = 0, deleted = 0, moved = 0, aborted = 0;
  for (int i = 0; i < kPairs; ++i) {
    const Outcome& o = outcomes[i];
    SCOPED_TRACE(subscriptions[i]);
    both += o.deleted.ok() && o.moved.ok();
    deleted += o.deleted.ok();
    moved += o.moved.ok();
    aborted += o.moved.error_code() == grpc::StatusCode::ABORTED;
    EXPECT_TRUE(o.deleted.ok() ||
                o.deleted.error_code() == grpc::StatusCode::FAILED_PRECONDITION)
        << "delete: " << o.deleted.error_code() << " " << o.deleted.error_message();
    EXPECT_TRUE(o.moved.ok() || o.moved.error_code() == grpc::StatusCode::ABORTED ||
                o.moved.error_code() == grpc::StatusCode::NOT_FOUND)
        << "move: " << o.moved.error_code() << " " << o.moved.error_message();
    // The client stands exactly when its delete was refused.
    v1::GetClientRequest get;
    get.set_name(subscriptions[i].substr(0, subscriptions[i].rfind('/')));
    v1::Client client;
    const grpc::Status read =
        cluster_.directory->GetClient(As("alice").get(), get, &client);
    EXPECT_EQ(read.ok(), !o.deleted.ok()) << read.error_message();
  }
  EXPECT_EQ(both, 0) << "clients deleted while moved to wholesale";
  std::printf(
      "pairs: %d, deleted: %d, moved to wholesale: %d, move aborted: %d, both: %d\n",
      kPairs, deleted, moved, aborted, both);
}

}  // namespace
}  // namespace clientbook
