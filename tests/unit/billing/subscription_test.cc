#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/requests/etag.h"
#include "services/billing/domain/rules.h"
#include "tests/support/callers.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/billing/billing_fixture.h"

namespace clientbook::billing {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::IsOkAndHolds;
using ::clientbook::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Property;

class TrialTest : public BillingTest {
 protected:
  void SetUp() override {
    ASSERT_THAT(Subscribe(v1::Plan::DIRECT_DISCOUNT, {v1::Product::PLUS}), IsOk());
  }
  void PayAt(absl::Duration after_start) {
    clock_.Advance(after_start);
    ASSERT_THAT(billing_->AddPaymentMethod(testing::As("client-owner"), ref_, ""),
                IsOk());
  }
};

TEST_F(TrialTest, DirectDiscountStartsAThirtyDayTrial) {
  SubscriptionView v = Now();
  EXPECT_EQ(v.trial_state, v1::TrialState::IN_TRIAL);
  EXPECT_TRUE(v.discount_active);
  EXPECT_EQ(absl::FromUnixMicros(v.record.trial_end_us()),
            clock_.Now() + absl::Hours(24 * 30));
}

TEST_F(TrialTest, Day29IsStillInTrial) {
  clock_.Advance(absl::Hours(24 * 29));
  EXPECT_EQ(Now().trial_state, v1::TrialState::IN_TRIAL);
  EXPECT_TRUE(Now().discount_active);
}

TEST_F(TrialTest, Day30WithoutPaymentLapses) {
  clock_.Advance(absl::Hours(24 * 30));
  EXPECT_EQ(Now().trial_state, v1::TrialState::LAPSED);
  EXPECT_FALSE(Now().discount_active);
}

TEST_F(TrialTest, Day31StaysLapsed) {
  clock_.Advance(absl::Hours(24 * 31));
  EXPECT_EQ(Now().trial_state, v1::TrialState::LAPSED);
}

TEST_F(TrialTest, PaymentOneSecondBeforeTheEndKeepsTheDiscount) {
  PayAt(kTrialLength - absl::Seconds(1));
  clock_.Advance(absl::Hours(24));
  EXPECT_EQ(Now().trial_state, v1::TrialState::CONVERTED);
  EXPECT_TRUE(Now().discount_active);
}

TEST_F(TrialTest, PaymentAtTheEndIsTooLate) {
  PayAt(kTrialLength);
  EXPECT_EQ(Now().trial_state, v1::TrialState::LAPSED);
  EXPECT_FALSE(Now().discount_active);
  EXPECT_TRUE(Now().record.payment_method_on_file());
}

TEST_F(TrialTest, OnlyTheClientsPrimaryAdminAddsPayment) {
  EXPECT_THAT(billing_->AddPaymentMethod(testing::As("anna"), ref_, ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(TrialTest, TheSweepRecordsEachLapseOnce) {
  clock_.Advance(absl::Hours(24 * 29));
  EXPECT_TRUE(billing_->SweepExpiredTrials()->empty());
  clock_.Advance(absl::Hours(24));
  auto lapsed = billing_->SweepExpiredTrials();
  ASSERT_THAT(lapsed, IsOk());
  ASSERT_EQ(lapsed->size(), 1u);
  EXPECT_TRUE((*lapsed)[0].lapse_recorded());
  EXPECT_TRUE(billing_->SweepExpiredTrials()->empty());
}

TEST_F(TrialTest, TheSweepSkipsConvertedTrials) {
  PayAt(absl::Hours(24));
  clock_.Advance(absl::Hours(24 * 40));
  EXPECT_TRUE(billing_->SweepExpiredTrials()->empty());
}

class PlanTest : public BillingTest {};

TEST_F(PlanTest, PayrollNeedsWholesale) {
  auto direct =
      Subscribe(v1::Plan::DIRECT_DISCOUNT, {v1::Product::PLUS, v1::Product::PAYROLL});
  EXPECT_THAT(direct, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Reason(direct.status()),
              Optional(std::string("PAYROLL_REQUIRES_WHOLESALE")));
  EXPECT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS, v1::Product::PAYROLL}),
              IsOk());
}

TEST_F(PlanTest, AddingPayrollToADirectDiscountIsRefused) {
  ASSERT_THAT(Subscribe(v1::Plan::DIRECT_DISCOUNT, {v1::Product::PLUS}), IsOk());
  auto added = billing_->AddProduct(testing::As("anna"), ref_, v1::Product::PAYROLL, "");
  EXPECT_THAT(Reason(added.status()),
              Optional(std::string("PAYROLL_REQUIRES_WHOLESALE")));
  EXPECT_FALSE(HasProduct(Now().record, v1::Product::PAYROLL));
}

TEST_F(PlanTest, QuickBooksTimeCannotBeWholesale) {
  auto wholesale =
      Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS, v1::Product::QUICKBOOKS_TIME});
  EXPECT_THAT(Reason(wholesale.status()),
              Optional(std::string("QUICKBOOKS_TIME_ON_SUBSCRIPTION")));
  ASSERT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS}), IsOk());
  auto added =
      billing_->AddProduct(testing::As("anna"), ref_, v1::Product::QUICKBOOKS_TIME, "");
  EXPECT_THAT(Reason(added.status()),
              Optional(std::string("QUICKBOOKS_TIME_ON_SUBSCRIPTION")));
}

TEST_F(PlanTest, NoSubscriptionStaysInTheListWithoutProducts) {
  auto none = Subscribe(v1::Plan::NONE, {});
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(none->eligibility, v1::TransferEligibility::NO_SUBSCRIPTION);
  EXPECT_EQ(none->trial_state, v1::TrialState::NO_TRIAL);
  EXPECT_THAT(billing_->AddProduct(testing::As("anna"), ref_, v1::Product::PLUS, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(PlanTest, BadInputIsInvalidAndStoresNothing) {
  EXPECT_THAT(billing_->Subscribe(testing::As("anna"), ref_, v1::PLAN_UNSPECIFIED, {},
                                  v1::BILLING_PERIOD_UNSPECIFIED, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(billing_->Subscribe(testing::As("anna"), ref_, static_cast<v1::Plan>(9), {},
                                  v1::BILLING_PERIOD_UNSPECIFIED, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS, v1::Product::PLUS}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS, v1::Product::ADVANCED}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(billing_->Get(testing::As("anna"), ref_),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(PlanTest, SubscribingTwiceIsAlreadyExists) {
  ASSERT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS}), IsOk());
  EXPECT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS}),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(PlanTest, NonMembersAndOtherFirmsAreRefused) {
  EXPECT_THAT(billing_->Subscribe(testing::As("stranger"), ref_, v1::WHOLESALE, {},
                                  v1::BILLING_PERIOD_UNSPECIFIED, ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(billing_->Subscribe(testing::As("other-firm-member"), ref_, v1::WHOLESALE,
                                  {}, v1::BILLING_PERIOD_UNSPECIFIED, ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(billing_->Subscribe(testing::As("anna"), {firm_, 999}, v1::WHOLESALE, {},
                                  v1::BILLING_PERIOD_UNSPECIFIED, ""),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(PlanTest, RemovingFromWholesaleWithPayrollIsRefused) {
  ASSERT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS, v1::Product::PAYROLL}),
              IsOk());
  auto refused = billing_->RemoveFromWholesale(testing::As("anna"), ref_, "");
  EXPECT_THAT(Reason(refused.status()),
              Optional(std::string("PAYROLL_REQUIRES_WHOLESALE")));
  ASSERT_THAT(
      billing_->RemoveProduct(testing::As("anna"), ref_, v1::Product::PAYROLL, ""),
      IsOk());
  EXPECT_THAT(billing_->RemoveFromWholesale(testing::As("anna"), ref_, ""), IsOk());
}

TEST_F(PlanTest, OnlyAWholesaleClientIsRemovedFromWholesale) {
  ASSERT_THAT(Subscribe(v1::Plan::DIRECT_DISCOUNT, {v1::Product::PLUS}), IsOk());
  auto refused = billing_->RemoveFromWholesale(testing::As("anna"), ref_, "");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Reason(refused.status()), Optional(std::string("NOT_ON_WHOLESALE")));
  EXPECT_EQ(Now().record.plan(), v1::Plan::DIRECT_DISCOUNT);
}

TEST_F(PlanTest, AChangeToAClientWithNoSubscriptionIsNotFound) {
  auto missing = billing_->AddProduct(testing::As("anna"), ref_, v1::Product::PLUS, "");
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(missing.status().message(), HasSubstr("no subscription yet"));
  EXPECT_THAT(billing_->Get(testing::As("anna"), ref_),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(PlanTest, TheBillingPeriodMustBeNamedAndKnown) {
  ASSERT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS}), IsOk());
  for (auto period :
       {v1::BILLING_PERIOD_UNSPECIFIED, static_cast<v1::BillingPeriod>(9)}) {
    EXPECT_THAT(billing_->SetBillingPeriod(testing::As("anna"), ref_, period, ""),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_EQ(Now().record.billing_period(), v1::BillingPeriod::MONTHLY);
}

TEST_F(PlanTest, ListFiltersByPlanTrialAndEligibility) {
  const names::SubscriptionName wholesale = NewClient("x");
  const names::SubscriptionName none = NewClient("y");
  ASSERT_THAT(Subscribe(v1::Plan::DIRECT_DISCOUNT, {v1::Product::PLUS}), IsOk());
  ASSERT_THAT(
      billing_->Subscribe(testing::As("anna"), wholesale, v1::WHOLESALE,
                          {v1::Product::PLUS}, v1::BILLING_PERIOD_UNSPECIFIED, ""),
      IsOk());
  ASSERT_THAT(billing_->Subscribe(testing::As("anna"), none, v1::NONE, {},
                                  v1::BILLING_PERIOD_UNSPECIFIED, ""),
              IsOk());
  auto count = [&](SubscriptionFilter f) {
    return billing_->List(testing::As("anna"), firm_, f, {})->items.size();
  };
  EXPECT_EQ(count({}), 3u);
  EXPECT_EQ(count({.plan = v1::WHOLESALE}), 1u);
  EXPECT_EQ(count({.trial_state = v1::TrialState::IN_TRIAL}), 1u);
  EXPECT_EQ(count({.eligibility = v1::TransferEligibility::NEEDS_CLIENT_PERMISSION}), 1u);
  EXPECT_THAT(billing_->List(testing::As("other-firm-member"), 1, {}, {}),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

// AIP-154, as for the directory's resources: the etag names the stored
// state, every write moves it, and a change sent with a stale one is
// ABORTED and changes nothing.
TEST_F(PlanTest, EveryWriteMovesTheEtagAndAStaleOneIsAborted) {
  ASSERT_THAT(Subscribe(v1::Plan::DIRECT_DISCOUNT, {v1::Product::PLUS}), IsOk());
  const std::string subscribed = requests::EtagOf(Now().record);
  ASSERT_THAT(billing_->SetBillingPeriod(testing::As("anna"), ref_,
                                         v1::BillingPeriod::ANNUAL, "", subscribed),
              IsOk());
  const std::string annual = requests::EtagOf(Now().record);
  EXPECT_NE(annual, subscribed);

  absl::Status stale = billing_
                           ->SetBillingPeriod(testing::As("anna"), ref_,
                                              v1::BillingPeriod::MONTHLY, "", subscribed)
                           .status();
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted, "changed since etag"));
  EXPECT_EQ(Reason(stale), "STALE_ETAG");
  EXPECT_THAT(billing_->AddProduct(testing::As("anna"), ref_, v1::Product::PAYROLL, "",
                                   subscribed),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(billing_->RemoveProduct(testing::As("anna"), ref_, v1::Product::PLUS, "",
                                      subscribed),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(
      billing_->AddPaymentMethod(testing::As("client-owner"), ref_, "", subscribed),
      StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(Now().record.billing_period(), v1::BillingPeriod::ANNUAL);
  EXPECT_EQ(requests::EtagOf(Now().record), annual);

  // A change that changes nothing keeps it; one without an etag applies.
  ASSERT_THAT(
      billing_->AddProduct(testing::As("anna"), ref_, v1::Product::PLUS, "", annual),
      IsOk());
  EXPECT_EQ(requests::EtagOf(Now().record), annual);
  ASSERT_THAT(billing_->AddPaymentMethod(testing::As("client-owner"), ref_, ""), IsOk());
  EXPECT_NE(requests::EtagOf(Now().record), annual);
}

// 64 admins who read the same subscription change it at once, each with
// the etag read: one change applies, every other is told, none is lost
// unseen.
TEST_F(PlanTest, OfSixtyFourRacingChangesWithOneEtagOneApplies) {
  constexpr int kCallers = 64;
  ASSERT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS}), IsOk());
  const SubscriptionView read = Now();
  std::atomic<int> applied = 0;
  std::atomic<int> aborted = 0;
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      absl::Status s =
          (i % 2 == 0
               ? billing_->SetBillingPeriod(testing::As("anna"), ref_,
                                            v1::BillingPeriod::ANNUAL, "",
                                            requests::EtagOf(read.record))
               : billing_->AddProduct(testing::As("anna"), ref_, v1::Product::PAYROLL, "",
                                      requests::EtagOf(read.record)))
              .status();
      if (s.ok()) ++applied;
      if (s.code() == absl::StatusCode::kAborted) ++aborted;
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(aborted, kCallers - 1);
  EXPECT_EQ(Now().record.revision(), read.record.revision() + 1);
}

TEST_F(PlanTest, TheSweepAndTheClientsDeletionMoveTheEtag) {
  ASSERT_THAT(Subscribe(v1::Plan::DIRECT_DISCOUNT, {v1::Product::PLUS}), IsOk());
  const std::string subscribed = requests::EtagOf(Now().record);
  clock_.Advance(kTrialLength);
  ASSERT_THAT(billing_->SweepExpiredTrials(), IsOkAndHolds(::testing::SizeIs(1)));
  const std::string lapsed = requests::EtagOf(Now().record);
  EXPECT_NE(lapsed, subscribed);
  ASSERT_THAT(billing_->ClientGone(ref_.firm_id, ref_.company_id, 7), IsOkAndHolds(true));
  EXPECT_NE(requests::EtagOf(Now().record), lapsed);
}

class RequestIdTest : public BillingTest {};

TEST_F(RequestIdTest, ARetryReturnsTheFirstResultAndChangesNothing) {
  ASSERT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS}), IsOk());
  auto first =
      billing_->AddProduct(testing::As("anna"), ref_, v1::Product::PAYROLL, "r-1");
  ASSERT_THAT(first, IsOk());
  // Someone removes payroll; the retry of r-1 must not add it back.
  ASSERT_THAT(
      billing_->RemoveProduct(testing::As("anna"), ref_, v1::Product::PAYROLL, ""),
      IsOk());
  auto retry =
      billing_->AddProduct(testing::As("anna"), ref_, v1::Product::PAYROLL, "r-1");
  ASSERT_THAT(retry, IsOk());
  EXPECT_TRUE(HasProduct(retry->record, v1::Product::PAYROLL));
  EXPECT_FALSE(HasProduct(Now().record, v1::Product::PAYROLL));
}

TEST_F(RequestIdTest, ARetryIsAnsweredEvenWhenItsEtagIsStaleByThen) {
  ASSERT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS}), IsOk());
  const std::string read = requests::EtagOf(Now().record);
  auto first = billing_->SetBillingPeriod(testing::As("anna"), ref_,
                                          v1::BillingPeriod::ANNUAL, "r-1", read);
  ASSERT_THAT(first, IsOk());
  // The answer was lost; the retry carries the etag the first one changed.
  auto retry = billing_->SetBillingPeriod(testing::As("anna"), ref_,
                                          v1::BillingPeriod::ANNUAL, "r-1", read);
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(requests::EtagOf(retry->record), requests::EtagOf(first->record));
}

TEST_F(RequestIdTest, OneIdSentFor64ClientsAtOnceIsOneRequest) {
  constexpr int kCallers = 64;
  std::vector<names::SubscriptionName> refs;
  for (int i = 0; i < kCallers; ++i) refs.push_back(NewClient("owner"));
  std::atomic<int> created = 0;
  std::atomic<int> refused = 0;
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      auto s = billing_->Subscribe(testing::As("anna"), refs[i], v1::Plan::WHOLESALE,
                                   {v1::Product::PLUS}, v1::BILLING_PERIOD_UNSPECIFIED,
                                   "shared-id");
      if (s.ok() && s->record.company_id() == refs[i].company_id) ++created;
      if (s.status().code() == absl::StatusCode::kInvalidArgument) ++refused;
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(refused, kCallers - 1);
  int stored = 0;
  for (const names::SubscriptionName& ref : refs)
    stored += billing_->Get(testing::As("anna"), ref).ok();
  EXPECT_EQ(stored, 1);
}

TEST_F(RequestIdTest, ARequestIdReusedForAnotherRequestIsRefused) {
  ASSERT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS}), IsOk());
  ASSERT_THAT(
      billing_->AddProduct(testing::As("anna"), ref_, v1::Product::PAYROLL, "r-1"),
      IsOk());
  EXPECT_THAT(
      billing_->RemoveProduct(testing::As("anna"), ref_, v1::Product::PAYROLL, "r-1"),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RequestIdTest, ARetriedCompletionDoesNotMoveTwice) {
  ASSERT_THAT(Subscribe(v1::Plan::DIRECT_DISCOUNT, {v1::Product::PLUS}), IsOk());
  ASSERT_THAT(
      billing_->AuthorizeTransfer(testing::As("client-owner"), ref_, firm_, "a-1"),
      IsOk());
  auto first = billing_->CompleteTransfer(testing::As("anna"), ref_, "c-1");
  ASSERT_THAT(first, IsOk());
  auto retry = billing_->CompleteTransfer(testing::As("anna"), ref_, "c-1");
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(retry->record.SerializeAsString(), first->record.SerializeAsString());
}

// The directory deletes a client only if billing says it is not on
// wholesale: a move to wholesale racing the delete is either what billing's
// answer reads (and the delete is refused) or refused itself.
class ClientRemovalTest : public BillingTest {
 protected:
  absl::Status Delete() {
    return domain_->clients.DeleteClient(testing::As("anna"), ref_.client());
  }
};

TEST_F(ClientRemovalTest, AMoveToWholesaleCheckedWhileTheClientIsDeletedIsAborted) {
  ASSERT_THAT(Subscribe(v1::Plan::DIRECT_DISCOUNT, {v1::Product::PLUS}), IsOk());
  ASSERT_THAT(billing_->AuthorizeTransfer(testing::As("client-owner"), ref_, firm_, ""),
              IsOk());
  absl::Status moved;
  DirectoryAsksBilling([&] {
    moved = billing_->CompleteTransfer(testing::As("anna"), ref_, "").status();
  });
  EXPECT_THAT(Delete(), IsOk());
  EXPECT_THAT(moved, StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(Reason(moved), Optional(std::string("CLIENT_BEING_REMOVED")));
  EXPECT_THAT(store_->Get(ref_.firm_id, ref_.company_id),
              IsOkAndHolds(Optional(
                  Property(&SubscriptionRecord::plan, v1::Plan::DIRECT_DISCOUNT))));
}

TEST_F(ClientRemovalTest, ADeleteAskedWhileAMoveToWholesaleIsCheckedReadsTheMove) {
  DirectoryAsksBilling();
  absl::Status deleted;
  std::thread deleting;
  absl::Notification done;
  directory_.while_checked = [&] {
    deleting = std::thread([&] {
      deleted = Delete();
      done.Notify();
    });
    // Time for a delete that would not wait for the move to go through.
    done.WaitForNotificationWithTimeout(absl::Milliseconds(200));
  };
  EXPECT_THAT(Subscribe(v1::Plan::WHOLESALE, {v1::Product::PLUS}), IsOk());
  deleting.join();
  EXPECT_THAT(deleted, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Reason(deleted), Optional(std::string("CLIENT_ON_WHOLESALE_BILLING")));
  EXPECT_THAT(domain_->clients.GetClient(testing::As("anna"), ref_.client()), IsOk());
}

TEST_F(ClientRemovalTest, ASubscriptionCheckedWhileTheClientIsMergedAwayIsAborted) {
  const names::SubscriptionName keep = NewClient("client-owner");
  absl::Status subscribed;
  DirectoryAsksBilling([&] { subscribed = Subscribe(v1::Plan::NONE, {}).status(); });
  EXPECT_THAT(domain_->merge.MergeClients(testing::As("anna"), keep.client(),
                                          ref_.company_id, ""),
              IsOk());
  EXPECT_THAT(subscribed, StatusIs(absl::StatusCode::kAborted));
}

}  // namespace
}  // namespace clientbook::billing
