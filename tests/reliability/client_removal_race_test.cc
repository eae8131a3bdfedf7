// A client's permanent delete and its move to wholesale billing sent at the
// same moment, and a merge and its source's subscription, each 120 times
// over the real services: the client is never both deleted and on
// wholesale, nor merged away with a subscription. One of the two is
// refused — the removal as FAILED_PRECONDITION, or billing's change as
// ABORTED (the client was being removed) or NOT_FOUND (it is gone) — and
// nothing else ever answers.
#include <algorithm>
#include <functional>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/authenticator.h"
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
    v1::Subscription subscription;
    EXPECT_THAT(testing::AuthorizeMoveToWholesale(
                    cluster_, "alice", firm_,
                    NewClient(absl::StrCat("Client ", i), /*make_me_primary_admin=*/true),
                    "client-owner", &subscription),
                IsOk());
    return subscription.name();
  }

  // A client of firm_ named "`name`", alice its company's primary admin if
  // asked; its name.
  std::string NewClient(const std::string& name, bool make_me_primary_admin = false) {
    auto create =
        Text<v1::CreateClientRequest>(R"pb(client { client_type: BUSINESS })pb");
    create.set_parent(firm_);
    create.mutable_client()->set_display_name(name);
    create.set_make_me_primary_admin(make_me_primary_admin);
    v1::Client client;
    EXPECT_THAT(cluster_.directory->CreateClient(As("alice").get(), create, &client),
                IsOk());
    return client.name();
  }

  // kPairs pairs of calls as alice, kAtOnce pairs at a time: `change(i)`
  // and `removal(i)`, one of them (either, at random) up to `spread` after
  // the other, so that billing's change is checked before, while or after the
  // removal asks billing. Their answers, in pair order.
  struct Answers {
    grpc::Status change;
    grpc::Status removal;
  };
  std::vector<Answers> Race(
      const std::function<grpc::Status(int, grpc::ClientContext*)>& change,
      const std::function<grpc::Status(int, grpc::ClientContext*)>& removal,
      absl::Duration spread) {
    std::vector<Answers> answers(kPairs);
    absl::BitGen random;
    for (int first = 0; first < kPairs; first += kAtOnce) {
      std::vector<std::thread> callers;
      for (int i = first; i < std::min(first + kAtOnce, kPairs); ++i) {
        const absl::Duration lag = absl::Microseconds(
            absl::Uniform<int64_t>(random, 0, absl::ToInt64Microseconds(spread)));
        const bool change_waits = absl::Bernoulli(random, 0.5);
        callers.emplace_back([&, i, lag, change_waits] {
          if (change_waits) absl::SleepFor(lag);
          answers[i].change = change(i, As("alice").get());
        });
        callers.emplace_back([&, i, lag, change_waits] {
          if (!change_waits) absl::SleepFor(lag);
          answers[i].removal = removal(i, As("alice").get());
        });
      }
      for (std::thread& caller : callers) caller.join();
    }
    return answers;
  }

  // Whether alice reads `client`.
  bool Exists(const std::string& client) {
    v1::GetClientRequest get;
    get.set_name(client);
    v1::Client read;
    return cluster_.directory->GetClient(As("alice").get(), get, &read).ok();
  }

  // What the pairs' answers came to, each pair checked on the way: the
  // removal done or FAILED_PRECONDITION; billing's change done, ABORTED
  // (the client was being removed) or NOT_FOUND (it is gone); and the
  // client `removed(i)` standing exactly when its removal was refused.
  struct Tally {
    int both = 0, removed = 0, changed = 0, aborted = 0;
  };
  Tally Check(const std::vector<Answers>& answers,
              const std::function<std::string(int)>& removed) {
    Tally tally;
    for (int i = 0; i < kPairs; ++i) {
      const Answers& a = answers[i];
      SCOPED_TRACE(removed(i));
      tally.both += a.removal.ok() && a.change.ok();
      tally.removed += a.removal.ok();
      tally.changed += a.change.ok();
      tally.aborted += a.change.error_code() == grpc::StatusCode::ABORTED;
      EXPECT_TRUE(a.removal.ok() ||
                  a.removal.error_code() == grpc::StatusCode::FAILED_PRECONDITION)
          << "removal: " << a.removal.error_code() << " " << a.removal.error_message();
      EXPECT_TRUE(a.change.ok() || a.change.error_code() == grpc::StatusCode::ABORTED ||
                  a.change.error_code() == grpc::StatusCode::NOT_FOUND)
          << "change: " << a.change.error_code() << " " << a.change.error_message();
      EXPECT_EQ(Exists(removed(i)), !a.removal.ok());
    }
    return tally;
  }

  testing::Cluster cluster_;
  std::string firm_;
};

TEST_F(ClientRemovalRaceTest, AClientIsNeverBothDeletedAndMovedToWholesale) {
  std::vector<std::string> subscriptions;
  for (int i = 0; i < kPairs; ++i) subscriptions.push_back(AuthorizedClient(i));
  ASSERT_FALSE(HasFailure());
  auto client = [&](int i) {
    return subscriptions[i].substr(0, subscriptions[i].rfind('/'));
  };
  const std::vector<Answers> answers = Race(
      [&](int i, grpc::ClientContext* ctx) {
        v1::CompleteBillingTransferRequest complete;
        complete.set_name(subscriptions[i]);
        v1::BillingTransfer transfer;
        return cluster_.billing->CompleteBillingTransfer(ctx, complete, &transfer);
      },
      [&](int i, grpc::ClientContext* ctx) {
        v1::DeleteClientRequest remove;
        remove.set_name(client(i));
        google::protobuf::Empty out;
        return cluster_.directory->DeleteClient(ctx, remove, &out);
      },
      absl::Milliseconds(2));

  const Tally tally = Check(answers, client);
  EXPECT_EQ(tally.both, 0) << "clients deleted while moved to wholesale";
  std::printf(
      "delete pairs: %d, deleted: %d, moved to wholesale: %d, move aborted: %d, both: "
      "%d\n",
      kPairs, tally.removed, tally.changed, tally.aborted, tally.both);
}

// A merge's source must have no subscription: one subscribed while it is
// merged away is refused, or the merge is.
TEST_F(ClientRemovalRaceTest, AMergedAwayClientIsNeverLeftWithASubscription) {
  std::vector<std::pair<std::string, std::string>> kept_and_duplicate;
  for (int i = 0; i < kPairs; ++i) {
    kept_and_duplicate.emplace_back(NewClient(absl::StrCat("Rossi ", i)),
                                    NewClient(absl::StrCat("Rossi ", i, " dup")));
  }
  ASSERT_FALSE(HasFailure());
  const std::vector<Answers> answers = Race(
      [&](int i, grpc::ClientContext* ctx) {
        auto subscribe = Text<v1::SubscribeClientRequest>(
            R"pb(subscription { plan: DIRECT_DISCOUNT products: PLUS })pb");
        subscribe.set_parent(kept_and_duplicate[i].second);
        v1::Subscription subscription;
        return cluster_.billing->SubscribeClient(ctx, subscribe, &subscription);
      },
      [&](int i, grpc::ClientContext* ctx) {
        v1::MergeClientsRequest merge;
        merge.set_name(kept_and_duplicate[i].first);
        merge.set_source_client(kept_and_duplicate[i].second);
        v1::MergeClientsResponse merged;
        return cluster_.directory->MergeClients(ctx, merge, &merged);
      },
      // A merge asks import and billing twice: it takes longer.
      absl::Milliseconds(15));

  const Tally tally = Check(answers, [&](int i) { return kept_and_duplicate[i].second; });
  EXPECT_EQ(tally.both, 0) << "duplicates merged away with a subscription";
  std::printf(
      "merge pairs: %d, merged: %d, subscribed: %d, subscribe aborted: %d, both: %d\n",
      kPairs, tally.removed, tally.changed, tally.aborted, tally.both);
}

// The header that marks billing's check is read by the directory's
// GetClient alone: a caller sending it to DeleteClient is not refused by
// its own delete's hold when billing checks the client.
TEST_F(ClientRemovalRaceTest, TheCheckHeaderFromACallerIsNotCarriedOn) {
  const std::string subscription = AuthorizedClient(0);
  v1::DeleteClientRequest remove;
  remove.set_name(subscription.substr(0, subscription.rfind('/')));
  auto ctx = As("alice");
  ctx->AddMetadata(auth::kForChangeHeader, "1");
  google::protobuf::Empty out;
  EXPECT_THAT(cluster_.directory->DeleteClient(ctx.get(), remove, &out), IsOk());
}

}  // namespace
}  // namespace clientbook
