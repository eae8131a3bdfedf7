#include "common/status/errors.h"
#include "services/billing/domain/rules.h"
#include "tests/support/callers.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/billing/billing_fixture.h"

namespace clientbook::billing {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::Optional;

class TransferTest : public BillingTest {
 protected:
  void SetUp() override {
    ASSERT_THAT(Subscribe(v1::Plan::DIRECT_DISCOUNT, {v1::Product::PLUS}), IsOk());
  }

  absl::StatusOr<SubscriptionView> Authorize(const std::string& who = "client-owner",
                                             std::optional<uint64_t> firm = {}) {
    return billing_->AuthorizeTransfer(testing::As(who), ref_, firm.value_or(firm_), "");
  }
  absl::StatusOr<SubscriptionView> Complete(const std::string& who = "anna") {
    return billing_->CompleteTransfer(testing::As(who), ref_, "");
  }
  absl::StatusOr<SubscriptionView> Revoke(const std::string& who = "client-owner") {
    return billing_->RevokeTransfer(testing::As(who), ref_, "");
  }
};

TEST_F(TransferTest, AuthorizedThenCompletedMovesTheClientToWholesale) {
  EXPECT_EQ(Now().eligibility, v1::TransferEligibility::NEEDS_CLIENT_PERMISSION);
  ASSERT_THAT(Authorize(), IsOk());
  EXPECT_EQ(Now().eligibility, v1::TransferEligibility::ELIGIBLE);
  auto done = Complete();
  ASSERT_THAT(done, IsOk()) << done.status();
  EXPECT_EQ(done->record.plan(), v1::Plan::WHOLESALE);
  EXPECT_EQ(done->transfer_state, v1::BillingTransfer::COMPLETED);
  EXPECT_EQ(done->eligibility, v1::TransferEligibility::ALREADY_WHOLESALE);
  EXPECT_EQ(done->trial_state, v1::TrialState::NO_TRIAL);
}

TEST_F(TransferTest, CompletesAt47h59m59s) {
  ASSERT_THAT(Authorize(), IsOk());
  clock_.Advance(absl::Hours(47) + absl::Minutes(59) + absl::Seconds(59));
  EXPECT_THAT(Complete(), IsOk());
}

TEST_F(TransferTest, CompletesAtExactly48Hours) {
  ASSERT_THAT(Authorize(), IsOk());
  clock_.Advance(absl::Hours(48));
  EXPECT_THAT(Complete(), IsOk());
}

TEST_F(TransferTest, RefusedAt48h00m01sAsExpired) {
  ASSERT_THAT(Authorize(), IsOk());
  clock_.Advance(absl::Hours(48) + absl::Seconds(1));
  auto late = Complete();
  EXPECT_THAT(late, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Reason(late.status()), Optional(std::string("AUTHORIZATION_EXPIRED")));
  EXPECT_EQ(Now().record.plan(), v1::Plan::DIRECT_DISCOUNT);
  EXPECT_EQ(Now().transfer_state, v1::BillingTransfer::EXPIRED);
  EXPECT_EQ(Now().eligibility, v1::TransferEligibility::NEEDS_CLIENT_PERMISSION);
}

TEST_F(TransferTest, AfterExpiryTheClientAuthorizesAgain) {
  ASSERT_THAT(Authorize(), IsOk());
  clock_.Advance(absl::Hours(49));
  ASSERT_FALSE(Complete().ok());
  ASSERT_THAT(Authorize(), IsOk());
  clock_.Advance(absl::Hours(1));
  EXPECT_THAT(Complete(), IsOk());
}

TEST_F(TransferTest, OnlyTheClientsPrimaryAdminAuthorizes) {
  const auto by_member = Authorize("anna");
  EXPECT_THAT(by_member, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(errors::ReasonOf(by_member.status()), "NOT_CLIENT_PRIMARY_ADMIN");
  EXPECT_FALSE(Now().record.has_transfer());
}

TEST_F(TransferTest, OnlyAFirmMemberCompletes) {
  ASSERT_THAT(Authorize(), IsOk());
  EXPECT_THAT(Complete("client-owner"), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(TransferTest, AFirmMemberWhoIsTheClientsPrimaryAdminAuthorizesAndCompletes) {
  const names::SubscriptionName own = NewClient("anna");
  ASSERT_THAT(billing_->Subscribe(testing::As("anna"), own, v1::DIRECT_DISCOUNT,
                                  {v1::Product::PLUS}, v1::MONTHLY, ""),
              IsOk());
  ASSERT_THAT(billing_->AuthorizeTransfer(testing::As("anna"), own, firm_, ""), IsOk());
  EXPECT_THAT(billing_->CompleteTransfer(testing::As("anna"), own, ""), IsOk());
}

// The directory shows a client only to the firm's members and the client
// company's primary admin, so one question tells a member: only that admin
// doing a member's work makes billing ask about the firm as well.
TEST_F(TransferTest, AMembersReadOrChangeAsksTheDirectoryOnce) {
  directory_.asked = 0;
  ASSERT_THAT(billing_->Get(testing::As("anna"), ref_), IsOk());
  EXPECT_EQ(directory_.asked, 1);
  directory_.asked = 0;
  ASSERT_THAT(Authorize(), IsOk());
  EXPECT_EQ(directory_.asked, 1);
  directory_.asked = 0;
  ASSERT_THAT(Complete(), IsOk());
  EXPECT_EQ(directory_.asked, 1);
  directory_.asked = 0;
  EXPECT_THAT(Complete("client-owner"), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(directory_.asked, 2);
}

TEST_F(TransferTest, AnotherFirmCanNeitherBeNamedNorComplete) {
  auto elsewhere = Authorize("client-owner", other_firm_);
  EXPECT_THAT(elsewhere, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Reason(elsewhere.status()),
              Optional(std::string("CLIENT_NOT_CONNECTED_TO_FIRM")));
  ASSERT_THAT(Authorize(), IsOk());
  EXPECT_THAT(Complete("other-firm-member"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(Now().record.plan(), v1::Plan::DIRECT_DISCOUNT);
}

TEST_F(TransferTest, CompletingTwiceIsOneMove) {
  ASSERT_THAT(Authorize(), IsOk());
  auto first = Complete();
  ASSERT_THAT(first, IsOk());
  clock_.Advance(absl::Hours(100));  // even long after the window
  auto second = Complete();
  ASSERT_THAT(second, IsOk()) << second.status();
  EXPECT_EQ(second->record.transfer().complete_time_us(),
            first->record.transfer().complete_time_us());
  EXPECT_EQ(second->record.update_time_us(), first->record.update_time_us());
}

TEST_F(TransferTest, RevokedAuthorizationCannotBeCompleted) {
  ASSERT_THAT(Authorize(), IsOk());
  ASSERT_THAT(Revoke(), IsOk());
  auto done = Complete();
  EXPECT_THAT(done, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Reason(done.status()), Optional(std::string("AUTHORIZATION_REVOKED")));
  EXPECT_EQ(Now().eligibility, v1::TransferEligibility::NEEDS_CLIENT_PERMISSION);
}

TEST_F(TransferTest, RevokingWithNoAuthorizationIsRefused) {
  auto revoked = Revoke();
  EXPECT_THAT(revoked, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Reason(revoked.status()), Optional(std::string("NO_AUTHORIZATION")));
  EXPECT_FALSE(Now().record.has_transfer());
}

TEST_F(TransferTest, RevokingTwiceIsOneRevocation) {
  ASSERT_THAT(Authorize(), IsOk());
  auto first = Revoke();
  ASSERT_THAT(first, IsOk());
  clock_.Advance(absl::Hours(1));
  auto second = Revoke();
  ASSERT_THAT(second, IsOk()) << second.status();
  EXPECT_EQ(second->transfer_state, v1::BillingTransfer::REVOKED);
  EXPECT_EQ(second->record.update_time_us(), first->record.update_time_us());
}

TEST_F(TransferTest, ACompletedTransferCannotBeRevoked) {
  ASSERT_THAT(Authorize(), IsOk());
  ASSERT_THAT(Complete(), IsOk());
  auto revoked = Revoke();
  EXPECT_THAT(revoked, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Reason(revoked.status()), Optional(std::string("TRANSFER_COMPLETED")));
  EXPECT_EQ(Now().record.plan(), v1::Plan::WHOLESALE);
}

TEST_F(TransferTest, AnExpiredAuthorizationCannotBeRevoked) {
  ASSERT_THAT(Authorize(), IsOk());
  clock_.Advance(absl::Hours(48) + absl::Seconds(1));
  auto revoked = Revoke();
  EXPECT_THAT(Reason(revoked.status()), Optional(std::string("AUTHORIZATION_EXPIRED")));
  EXPECT_EQ(Now().transfer_state, v1::BillingTransfer::EXPIRED);
}

TEST_F(TransferTest, OnlyTheClientsPrimaryAdminRevokes) {
  ASSERT_THAT(Authorize(), IsOk());
  EXPECT_THAT(Revoke("anna"), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(Now().transfer_state, v1::BillingTransfer::AUTHORIZED);
}

TEST_F(TransferTest, NoAuthorizationNoTransfer) {
  auto done = Complete();
  EXPECT_THAT(Reason(done.status()), Optional(std::string("NEEDS_CLIENT_PERMISSION")));
}

TEST_F(TransferTest, ASecondAuthorizationWhileOneWaitsIsAlreadyInProgress) {
  ASSERT_THAT(Authorize(), IsOk());
  EXPECT_THAT(Reason(Authorize().status()),
              Optional(std::string("TRANSFER_ALREADY_IN_PROGRESS")));
}

TEST_F(TransferTest, QuickBooksTimeBlocksAuthorization) {
  ASSERT_THAT(
      billing_->AddProduct(testing::As("anna"), ref_, v1::Product::QUICKBOOKS_TIME, ""),
      IsOk());
  EXPECT_EQ(Now().eligibility, v1::TransferEligibility::QUICKBOOKS_TIME_ON_SUBSCRIPTION);
  auto refused = Authorize();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Reason(refused.status()),
              Optional(std::string("QUICKBOOKS_TIME_ON_SUBSCRIPTION")));
}

TEST_F(TransferTest, QuickBooksTimeAddedAfterAuthorizationBlocksCompletion) {
  ASSERT_THAT(Authorize(), IsOk());
  ASSERT_THAT(
      billing_->AddProduct(testing::As("anna"), ref_, v1::Product::QUICKBOOKS_TIME, ""),
      IsOk());
  auto refused = Complete();
  EXPECT_THAT(Reason(refused.status()),
              Optional(std::string("QUICKBOOKS_TIME_ON_SUBSCRIPTION")));
  EXPECT_EQ(Now().record.plan(), v1::Plan::DIRECT_DISCOUNT);
}

TEST_F(TransferTest, AnnualBillingMustSwitchToMonthlyFirst) {
  ASSERT_THAT(billing_->SetBillingPeriod(testing::As("anna"), ref_,
                                         v1::BillingPeriod::ANNUAL, ""),
              IsOk());
  EXPECT_THAT(Reason(Authorize().status()), Optional(std::string("ANNUAL_BILLING")));
  ASSERT_THAT(billing_->SetBillingPeriod(testing::As("anna"), ref_,
                                         v1::BillingPeriod::MONTHLY, ""),
              IsOk());
  ASSERT_THAT(Authorize(), IsOk());
  EXPECT_THAT(Complete(), IsOk());
}

TEST_F(TransferTest, AnnualSwitchAfterAuthorizationBlocksCompletion) {
  ASSERT_THAT(Authorize(), IsOk());
  ASSERT_THAT(billing_->SetBillingPeriod(testing::As("anna"), ref_,
                                         v1::BillingPeriod::ANNUAL, ""),
              IsOk());
  EXPECT_THAT(Reason(Complete().status()), Optional(std::string("ANNUAL_BILLING")));
}

TEST_F(TransferTest, RemovingFromWholesaleHandsBillingBackToTheClient) {
  ASSERT_THAT(Authorize(), IsOk());
  ASSERT_THAT(Complete(), IsOk());
  auto back = billing_->RemoveFromWholesale(testing::As("anna"), ref_, "");
  ASSERT_THAT(back, IsOk()) << back.status();
  EXPECT_EQ(back->record.plan(), v1::Plan::DIRECT_DISCOUNT);
  EXPECT_EQ(back->trial_state, v1::TrialState::IN_TRIAL);
  EXPECT_FALSE(back->record.payment_method_on_file());
  EXPECT_EQ(back->eligibility, v1::TransferEligibility::NEEDS_CLIENT_PERMISSION);
}

TEST_F(TransferTest, DirectoryUnreachableRefusesEverything) {
  directory_.answer = absl::UnavailableError("directory down");
  EXPECT_THAT(Authorize(), StatusIs(absl::StatusCode::kUnavailable));
  directory_.answer = absl::OkStatus();
  EXPECT_FALSE(Now().record.has_transfer());
}

TEST(TransferWindowTest, IsInclusiveAtExactly48Hours) {
  const absl::Time t = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_TRUE(TransferWindowOpen(t, t + absl::Hours(48) - absl::Seconds(1)));
  EXPECT_TRUE(TransferWindowOpen(t, t + absl::Hours(48)));
  EXPECT_FALSE(TransferWindowOpen(t, t + absl::Hours(48) + absl::Seconds(1)));
  EXPECT_FALSE(TransferWindowOpen(t, t + absl::Hours(48) + absl::Microseconds(1)));
}

}  // namespace
}  // namespace clientbook::billing
