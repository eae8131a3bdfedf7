// A sibling gone silent: billing follows the directory's feed through a
// path that then drops without a word (a node lost: no FIN, no reset). Its
// pings go unanswered, so it gives the connection up, follows the feed
// again on a new one, and takes a deleted client's subscription out. Before,
// nothing but TCP watched a stream billing only reads, and TCP, with nothing
// of billing's left unacknowledged, never gives up: billing's lists kept the
// deleted client's subscription for as long as the connection lived.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/await_status.h"
#include "tests/support/cluster.h"
#include "tests/support/status_matchers.h"
#include "tests/support/tcp_relay.h"

namespace clientbook::testing {
namespace {

using ::clientbook::testing::IsOk;

TEST(SilentPeerTest, BillingFollowsTheDirectoryAgainAfterItsPathGoesSilent) {
  TempDir dir;
  const int directory_port = FreePort();
  const int relay_port = FreePort();
  const std::string directory_target = absl::StrCat("127.0.0.1:", directory_port);
  const std::string billing_target = absl::StrCat("127.0.0.1:", FreePort());
  TcpRelay relay(relay_port, directory_port);
  ASSERT_TRUE(relay.ok());
  ServiceProcess directory(
      DIRECTORY_BINARY,
      {"--listen=" + directory_target, "--data_dir=" + dir.Sub("directory"),
       "--metrics_listen=", "--drain_delay=0s", "--billing_target=" + billing_target,
       "--import_target=127.0.0.1:1"},
      dir.Sub("directory.log"));
  // Billing reaches the directory through the relay only, and gives up on
  // a connection whose pings go unanswered for a second.
  ServiceProcess billing(
      BILLING_BINARY,
      {"--listen=" + billing_target, "--data_dir=" + dir.Sub("billing"),
       "--metrics_listen=", "--drain_delay=0s",
       absl::StrCat("--directory_target=127.0.0.1:", relay_port), "--keepalive_time=1s",
       "--keepalive_timeout=1s"},
      dir.Sub("billing.log"));
  ASSERT_TRUE(directory.Start());
  ASSERT_TRUE(billing.Start());
  ASSERT_TRUE(directory.WaitServing(directory_target)) << directory.Log();
  ASSERT_TRUE(billing.WaitServing(billing_target)) << billing.Log();
  auto directory_stub = v1::DirectoryService::NewStub(Channel(directory_target));
  auto billing_stub = v1::BillingService::NewStub(Channel(billing_target));

  v1::Firm firm;
  ASSERT_THAT(CreateFirmAs(*directory_stub, "alice", &firm), IsOk());
  v1::CreateClientRequest create;
  create.set_parent(firm.name());
  create.mutable_client()->set_display_name("Rossi SpA");
  create.mutable_client()->set_client_type(v1::BUSINESS);
  v1::Client client;
  ASSERT_THAT(directory_stub->CreateClient(As("alice").get(), create, &client), IsOk());
  v1::SubscribeClientRequest subscribe;
  subscribe.set_parent(client.name());
  subscribe.mutable_subscription()->set_plan(v1::DIRECT_DISCOUNT);
  subscribe.mutable_subscription()->add_products(v1::PLUS);
  v1::Subscription subscription;
  ASSERT_THAT(billing_stub->SubscribeClient(As("alice").get(), subscribe, &subscription),
              IsOk());
  auto listed = [&] {
    v1::ListSubscriptionsRequest list;
    list.set_parent(firm.name());
    v1::ListSubscriptionsResponse out;
    const grpc::Status status =
        billing_stub->ListSubscriptions(As("alice").get(), list, &out);
    return status.ok() ? out.subscriptions_size() : -1;
  };
  ASSERT_EQ(listed(), 1);

  relay.Silence();
  // The delete asks billing first, which may find its own way to the
  // directory silent for a moment too: the caller asks again.
  v1::DeleteClientRequest remove;
  remove.set_name(client.name());
  auto gone = [](const grpc::Status& s) {
    return s.ok() || s.error_code() == grpc::StatusCode::NOT_FOUND;
  };
  const grpc::Status deleted = AwaitStatus(
      [&] {
        google::protobuf::Empty out;
        return directory_stub->DeleteClient(As("alice").get(), remove, &out);
      },
      gone, absl::Seconds(20));
  ASSERT_TRUE(gone(deleted)) << deleted.error_code() << " " << deleted.error_message();
  const absl::Time deleted_at = absl::Now();
  int left = listed();
  for (const absl::Time give_up = deleted_at + absl::Seconds(20);
       left != 0 && absl::Now() < give_up;) {
    left = listed();
  }
  EXPECT_EQ(left, 0) << "billing still lists the deleted client's subscription\n"
                     << billing.Log();
  std::printf(
      "billing took the deleted client out %s after the delete, its path silent\n",
      absl::FormatDuration(absl::Now() - deleted_at).c_str());
}

}  // namespace
}  // namespace clientbook::testing
