// Billing's side of reconcile after a restore: which subscriptions' clients
// the directory no longer agrees on, the one right repair of each, and
// nothing touched that changed while the directory was being read.
#include "absl/status/status.h"
#include "tests/support/callers.h"
#include "tests/support/change_records.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/billing/billing_fixture.h"

namespace clientbook::billing {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::ValueOrFail;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::UnorderedElementsAre;

class ClientReconcileTest : public BillingTest {
 protected:
  void SubscribeTo(names::SubscriptionName client) {
    ValueOrFail(billing_->Subscribe(testing::As("anna"), client, v1::DIRECT_DISCOUNT,
                                    {v1::ESSENTIALS}, v1::MONTHLY, ""));
  }

  // The firm's listed subscriptions, by company.
  std::vector<uint64_t> Listed() {
    std::vector<uint64_t> ids;
    for (const SubscriptionView& s :
         ValueOrFail(billing_->List(testing::As("anna"), firm_, {}, {})).items) {
      ids.push_back(s.record.company_id());
    }
    return ids;
  }

  absl::StatusOr<ClientReconciliation> Reconcile(const ClientSet& directory, bool fix) {
    return billing_->ReconcileClients(
        {.actor = "ops", .source = "reconcile"},
        [&]() -> absl::StatusOr<ClientSet> { return directory; }, fix);
  }
};

TEST_F(ClientReconcileTest, ListsBothKindsThenRepairsEachTheOneRightWay) {
  const names::SubscriptionName lost = NewClient("lost-owner");
  const names::SubscriptionName returned = NewClient("returned-owner");
  for (auto client : {ref_, lost, returned}) SubscribeTo(client);
  // Billing followed the directory's feed: `returned` was deleted.
  ASSERT_TRUE(*billing_->ClientGone(firm_, returned.company_id, 7));
  // The directory is restored from before `lost` was created and before
  // `returned` was deleted.
  const ClientSet directory = {{firm_, ref_.company_id}, {firm_, returned.company_id}};
  clock_.Advance(absl::Seconds(1));

  ClientReconciliation listed = ValueOrFail(Reconcile(directory, /*fix=*/false));
  EXPECT_EQ(listed.checked_count, 3);
  EXPECT_EQ(listed.directory_client_count, 2);
  EXPECT_EQ(listed.mismatch_count, 2);
  EXPECT_EQ(listed.fixed_count, 0);
  EXPECT_THAT(
      listed.mismatches,
      UnorderedElementsAre(
          AllOf(Field(&ClientMismatch::kind, ClientMismatch::Kind::kClientMissing),
                Field(&ClientMismatch::subscription, lost),
                Field(&ClientMismatch::fixed, false)),
          AllOf(Field(&ClientMismatch::kind, ClientMismatch::Kind::kClientReturned),
                Field(&ClientMismatch::subscription, returned),
                Field(&ClientMismatch::fixed, false))));
  EXPECT_THAT(Listed(), UnorderedElementsAre(ref_.company_id, lost.company_id))
      << "listing writes nothing";

  ClientReconciliation fixed = ValueOrFail(Reconcile(directory, /*fix=*/true));
  EXPECT_EQ(fixed.mismatch_count, 2);
  EXPECT_EQ(fixed.fixed_count, 2);
  EXPECT_THAT(Listed(), UnorderedElementsAre(ref_.company_id, returned.company_id));
  // The lost client's subscription is kept as history, out of the lists.
  EXPECT_THAT(billing_->Get(testing::As("anna"), lost), IsOk());
  // The repairs are in billing's log, the operator their actor.
  std::vector<changes::ChangeRecord> log =
      ValueOrFail(testing::ChangeRecords(store_->change_log(), 1, 1000));
  ASSERT_GE(log.size(), 2u);
  for (const changes::ChangeRecord& record : {log[log.size() - 2], log.back()}) {
    EXPECT_EQ(record.actor(), "ops");
    EXPECT_EQ(record.source(), "reconcile");
  }
  // In the feed the missing client's subscription goes, the returned one's
  // comes back.
  EXPECT_THAT((std::vector<std::string>{log[log.size() - 2].type(), log.back().type()}),
              UnorderedElementsAre("DELETED", "CREATED"));
  // As in the directory's feed: a deletion has no resource after it, and a
  // client back none before it.
  for (const changes::ChangeRecord& record : {log[log.size() - 2], log.back()}) {
    const bool deleted = record.type() == "DELETED";
    EXPECT_EQ(record.after().empty(), deleted) << record.type();
    EXPECT_EQ(record.before().empty(), !deleted) << record.type();
  }

  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(ValueOrFail(Reconcile(directory, /*fix=*/true)).mismatch_count, 0)
      << "a second run finds nothing";
}

TEST_F(ClientReconcileTest, ASubscriptionChangedWhileTheDirectoryIsReadIsLeftToTheFeed) {
  SubscribeTo(ref_);
  clock_.Advance(absl::Seconds(1));
  const names::SubscriptionName created_meanwhile = NewClient("new-owner");
  ClientReconciliation found = ValueOrFail(billing_->ReconcileClients(
      {.actor = "ops", .source = "reconcile"},
      [&]() -> absl::StatusOr<ClientSet> {
        // The snapshot began before the client was created, so it lacks
        // it, and its subscription is made while the snapshot is read.
        SubscribeTo(created_meanwhile);
        return ClientSet{{firm_, ref_.company_id}};
      },
      /*fix=*/true));
  EXPECT_EQ(found.checked_count, 2);
  EXPECT_EQ(found.mismatch_count, 0);
  EXPECT_THAT(Listed(),
              UnorderedElementsAre(ref_.company_id, created_meanwhile.company_id));
}

TEST_F(ClientReconcileTest, ADirectoryThatCannotBeReadChangesNothing) {
  SubscribeTo(ref_);
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(billing_->ReconcileClients(
                  {.actor = "ops", .source = "reconcile"},
                  []() -> absl::StatusOr<ClientSet> {
                    return absl::UnavailableError("the directory did not answer");
                  },
                  /*fix=*/true),
              testing::StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(Listed(), ElementsAre(ref_.company_id));
}

}  // namespace
}  // namespace clientbook::billing
