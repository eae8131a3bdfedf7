#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/names/cell.h"
#include "common/status/errors.h"
#include "services/directory/domain/rules.h"
#include "tests/support/callers.h"
#include "tests/support/change_records.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/directory/directory_fixture.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::As;
using ::clientbook::testing::IsOk;
using ::clientbook::testing::IsOkAndHolds;
using ::clientbook::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

class InvitationTest : public DirectoryTest {
 protected:
  InvitationTest() : firm_(NewFirm()) {
    AddMember(firm_, "anna", v1::Role::STAFF, "Anna@Studio.example");
  }

  static InvitationRecord Draft(const std::string& email = "anna@studio.example") {
    InvitationRecord draft;
    draft.set_client_display_name("Rossi SRL");
    draft.set_client_type(v1::ClientType::BUSINESS);
    draft.set_invitee_email(email);
    return draft;
  }

  InvitationRecord Invite(const std::string& email = "anna@studio.example",
                          const std::string& request_id = "") {
    auto inv = directory_->invitations.CreateInvitation(testing::As("rossi-owner"),
                                                        Draft(email), request_id);
    EXPECT_THAT(inv, IsOk()) << inv.status();
    return *inv;
  }

  size_t SentBy(const std::string& inviter) {
    size_t sent = 0;
    storage::PageRequest page{.page_size = 1000};
    do {
      auto listed = directory_->invitations.ListInvitations(As(inviter), "", page);
      EXPECT_THAT(listed, IsOk());
      if (!listed.ok()) break;
      sent += listed->items.size();
      page.page_token = listed->next_page_token;
    } while (!page.page_token.empty());
    return sent;
  }

  uint64_t firm_;
  // Anna, having proved her address (a verified token email).
  const auth::Caller anna_ = As("anna", "anna@studio.example");
};

TEST_F(InvitationTest, AcceptingConnectsTheClientToTheFirm) {
  InvitationRecord inv = Invite();
  EXPECT_FALSE(inv.token().empty());
  auto accepted =
      directory_->invitations.AcceptInvitation(anna_, inv.token(), std::nullopt);
  ASSERT_THAT(accepted, IsOk()) << accepted.status();
  const ClientRecord& client = accepted->second;
  EXPECT_EQ(client.firm_id(), firm_);
  EXPECT_EQ(client.company_id(), inv.company_id());
  EXPECT_EQ(client.display_name(), "Rossi SRL");
  EXPECT_EQ(client.primary_admin_user_id(), "rossi-owner");
  EXPECT_EQ(client.lead_accountant_user_id(), "anna");
  EXPECT_EQ(accepted->first.state(), v1::InvitationState::ACCEPTED);
  EXPECT_THAT(directory_->clients.GetClient(testing::As("owner"),
                                            names::ClientName{firm_, inv.company_id()}),
              IsOk());
}

TEST_F(InvitationTest, CannotBeAcceptedTwice) {
  InvitationRecord inv = Invite();
  ASSERT_THAT(directory_->invitations.AcceptInvitation(anna_, inv.token(), std::nullopt),
              IsOk());
  auto again = directory_->invitations.AcceptInvitation(anna_, inv.token(), std::nullopt);
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(errors::ReasonOf(again.status()),
              Optional(std::string("INVITATION_ALREADY_ACCEPTED")));
}

// Whether and into which firm an invitation was accepted is told only to the
// invitee: anyone else holding the token learns nothing from the refusal.
TEST_F(InvitationTest, AnAnsweredInvitationTellsAStrangerNothing) {
  InvitationRecord accepted = Invite();
  ASSERT_THAT(
      directory_->invitations.AcceptInvitation(anna_, accepted.token(), std::nullopt),
      IsOk());
  InvitationRecord declined = Invite();
  ASSERT_THAT(directory_->invitations.DeclineInvitation(anna_, declined.token()), IsOk());
  const auth::Caller stranger = As("eve", "eve@elsewhere.example");
  const auth::Caller unproved = As("eve");
  for (const auth::Caller& caller : {stranger, unproved}) {
    for (const std::string& token : {accepted.token(), declined.token()}) {
      auto accept = directory_->invitations.AcceptInvitation(caller, token, std::nullopt);
      auto decline = directory_->invitations.DeclineInvitation(caller, token);
      for (const absl::Status& s : {accept.status(), decline.status()}) {
        EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied));
        EXPECT_THAT(s.message(), ::testing::Not(HasSubstr("firms/")));
        // As for an invitation nobody answered: the caller's email, not its state.
        EXPECT_EQ(errors::ReasonOf(s), caller.verified_email.empty()
                                           ? "VERIFIED_EMAIL_REQUIRED"
                                           : "NOT_INVITED_EMAIL");
      }
    }
  }
}

TEST_F(InvitationTest, StillValidOneSecondBeforeThirtyDays) {
  InvitationRecord inv = Invite();
  clock_.Advance(invitations::kInvitationLifetime - absl::Seconds(1));
  EXPECT_THAT(directory_->invitations.AcceptInvitation(anna_, inv.token(), std::nullopt),
              IsOk());
}

TEST_F(InvitationTest, ExpiredAtExactlyThirtyDays) {
  InvitationRecord inv = Invite();
  clock_.Advance(absl::Hours(24 * 30));
  auto late = directory_->invitations.AcceptInvitation(anna_, inv.token(), std::nullopt);
  EXPECT_THAT(late, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(errors::ReasonOf(late.status()),
              Optional(std::string("INVITATION_EXPIRED")));
  auto listed = directory_->invitations.ListInvitations(anna_, "anna@studio.example", {});
  ASSERT_THAT(listed, IsOk()) << listed.status();
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].state(), v1::InvitationState::EXPIRED);
}

// One inviter sends 1,000 invitations in any 30 days; the 1,001st is refused
// until the oldest of them is 30 days old, and another inviter is not.
TEST_F(InvitationTest, AnInviterSends1000InvitationsInAny30Days) {
  for (size_t i = 1; i < invitations::kMaxInvitationsPerInviter; ++i) Invite();
  clock_.Advance(absl::Hours(24));
  const InvitationRecord last = Invite("anna@studio.example", "the-1000th");
  InvitationRecord draft;
  draft.set_client_display_name("Verdi SRL");
  draft.set_client_type(v1::ClientType::BUSINESS);
  draft.set_invitee_email("anna@studio.example");
  auto refused = directory_->invitations.CreateInvitation(As("rossi-owner"), draft);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(errors::ReasonOf(refused.status()),
              Optional(std::string("TOO_MANY_INVITATIONS")));
  EXPECT_THAT(errors::QuotaSubjectsOf(refused.status()),
              ::testing::ElementsAre("users/rossi-owner"));
  EXPECT_EQ(errors::RetryDelayOf(refused.status()), absl::Hours(24 * 29));
  EXPECT_THAT(directory_->invitations.CreateInvitation(As("verdi-owner"), draft), IsOk());
  // The 1,000th retried (its answer lost) is answered, not refused.
  auto retried =
      directory_->invitations.CreateInvitation(As("rossi-owner"), Draft(), "the-1000th");
  ASSERT_THAT(retried, IsOk()) << retried.status();
  EXPECT_EQ(retried->token(), last.token());

  clock_.Advance(absl::Hours(24 * 29) - absl::Seconds(1));
  refused = directory_->invitations.CreateInvitation(As("rossi-owner"), draft);
  EXPECT_EQ(errors::RetryDelayOf(refused.status()), absl::Seconds(1));
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(directory_->invitations.CreateInvitation(As("rossi-owner"), draft), IsOk());
  EXPECT_EQ(SentBy("rossi-owner"), invitations::kMaxInvitationsPerInviter + 1);
}

// An inviter whose answer was lost retries under its request id: it gets
// the invitation made first, token and all (it is the one that sent it),
// as it is now; nothing is sent twice. The id is its caller's, one
// request's: another draft or a CreateFirm under it is refused.
TEST_F(InvitationTest, ARetryUnderItsRequestIdAnswersTheFirstInvitation) {
  const InvitationRecord first = Invite("anna@studio.example", "invite-rossi");
  auto retried = directory_->invitations.CreateInvitation(As("rossi-owner"), Draft(),
                                                          "invite-rossi");
  ASSERT_THAT(retried, IsOk()) << retried.status();
  EXPECT_EQ(retried->id(), first.id());
  EXPECT_EQ(retried->token(), first.token());
  EXPECT_EQ(retried->state(), v1::InvitationState::PENDING);
  EXPECT_EQ(SentBy("rossi-owner"), 1u);

  ASSERT_THAT(
      directory_->invitations.AcceptInvitation(anna_, first.token(), std::nullopt),
      IsOk());
  retried = directory_->invitations.CreateInvitation(As("rossi-owner"), Draft(),
                                                     "invite-rossi");
  ASSERT_THAT(retried, IsOk()) << retried.status();
  EXPECT_EQ(retried->state(), v1::InvitationState::ACCEPTED);
  EXPECT_EQ(invitations::ToProto(*retried).etag(), "r2");

  EXPECT_THAT(directory_->invitations.CreateInvitation(
                  As("rossi-owner"), Draft("bruno@studio.example"), "invite-rossi"),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_THAT(directory_->firms.CreateFirm(As("rossi-owner"), "Rossi Studio",
                                           "owner@rossi.example", "", "invite-rossi"),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_THAT(directory_->invitations.CreateInvitation(As("rossi-owner"), Draft(),
                                                       std::string(129, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_EQ(SentBy("rossi-owner"), 1u);
  // Another caller's id is its own.
  EXPECT_THAT(directory_->invitations.CreateInvitation(As("verdi-owner"), Draft(),
                                                       "invite-rossi"),
              IsOk());
  EXPECT_EQ(SentBy("verdi-owner"), 1u);
}

TEST_F(InvitationTest, SixtyFourRacingRetriesUnderOneRequestIdSendOneInvitation) {
  std::vector<std::string> tokens(64);
  std::vector<std::thread> racers;
  for (int i = 0; i < 64; ++i) {
    racers.emplace_back([&, i] {
      auto made = directory_->invitations.CreateInvitation(As("rossi-owner"), Draft(),
                                                           "invite-race");
      if (made.ok()) tokens[i] = made->token();
    });
  }
  for (std::thread& racer : racers) racer.join();
  EXPECT_EQ(SentBy("rossi-owner"), 1u);
  EXPECT_FALSE(tokens[0].empty());
  EXPECT_THAT(tokens, ::testing::Each(tokens[0]));
}

TEST_F(InvitationTest, AMemberOfSeveralFirmsChoosesTheFirm) {
  uint64_t second = NewFirm("boss");
  MemberRecord anna;
  anna.set_user_id("anna");
  anna.set_email("anna@studio.example");
  anna.set_role(v1::Role::STAFF);
  ASSERT_THAT(
      directory_->firms.AddMember(testing::As("boss"), names::FirmName{second}, anna),
      IsOk());
  InvitationRecord inv = Invite();

  auto ambiguous =
      directory_->invitations.AcceptInvitation(anna_, inv.token(), std::nullopt);
  EXPECT_THAT(ambiguous, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ambiguous.status().message(), HasSubstr("choose one of"));

  auto chosen = directory_->invitations.AcceptInvitation(anna_, inv.token(), second);
  ASSERT_THAT(chosen, IsOk()) << chosen.status();
  EXPECT_EQ(chosen->second.firm_id(), second);
  EXPECT_THAT(directory_->clients.GetClient(testing::As("owner"),
                                            names::ClientName{firm_, inv.company_id()}),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(InvitationTest, OnlyTheInvitedEmailMayAccept) {
  AddMember(firm_, "bruno", v1::Role::ADMIN);
  InvitationRecord inv = Invite();
  const auth::Caller bruno = As("bruno", "bruno@studio.example");
  const auto not_his =
      directory_->invitations.AcceptInvitation(bruno, inv.token(), std::nullopt);
  EXPECT_THAT(not_his, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(errors::ReasonOf(not_his.status()), "NOT_INVITED_EMAIL");
  EXPECT_THAT(directory_->invitations.AcceptInvitation(bruno, inv.token(), firm_),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(directory_->invitations.DeclineInvitation(bruno, inv.token()),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

// The leak found from outside: a member typed someone else's address as
// their member email, and that opened the other person's invitations.
TEST_F(InvitationTest, AMemberEmailTypedIntoTheFirmOpensNoInvitations) {
  AddMember(firm_, "mallory", v1::Role::STAFF, "anna@studio.example");
  InvitationRecord inv = Invite();
  for (const auth::Caller& mallory :
       {As("mallory"), As("mallory", "mallory@evil.example")}) {
    const auto listed =
        directory_->invitations.ListInvitations(mallory, "anna@studio.example", {});
    EXPECT_THAT(listed, StatusIs(absl::StatusCode::kPermissionDenied, "invitee_email: "));
    EXPECT_EQ(errors::ReasonOf(listed.status()), mallory.verified_email.empty()
                                                     ? "VERIFIED_EMAIL_REQUIRED"
                                                     : "NOT_INVITED_EMAIL");
    EXPECT_THAT(directory_->invitations.AcceptInvitation(mallory, inv.token(), firm_),
                StatusIs(absl::StatusCode::kPermissionDenied));
    EXPECT_THAT(directory_->invitations.DeclineInvitation(mallory, inv.token()),
                StatusIs(absl::StatusCode::kPermissionDenied));
  }
  auto unchanged =
      directory_->invitations.ListInvitations(anna_, "anna@studio.example", {});
  ASSERT_THAT(unchanged, IsOk()) << unchanged.status();
  ASSERT_EQ(unchanged->items.size(), 1u);
  EXPECT_EQ(unchanged->items[0].state(), v1::InvitationState::PENDING);
}

TEST_F(InvitationTest, AVerifiedEmailOpensItWhateverTheMemberEmailSays) {
  AddMember(firm_, "carla", v1::Role::STAFF, "carla@home.example");
  InvitationRecord inv = Invite("carla@work.example");
  auto accepted = directory_->invitations.AcceptInvitation(
      As("carla", "Carla@Work.example"), inv.token(), std::nullopt);
  ASSERT_THAT(accepted, IsOk()) << accepted.status();
  EXPECT_EQ(accepted->second.firm_id(), firm_);
}

// An address with an accent, typed as one character in the invitation and
// as a letter and a combining accent in the token: one address.
TEST_F(InvitationTest, TheInvitedAddressMatchesHoweverItsAccentIsEncoded) {
  AddMember(firm_, "jose", v1::Role::STAFF);
  InvitationRecord inv = Invite("jos\u00E9@studio.example");
  auto accepted = directory_->invitations.AcceptInvitation(
      As("jose", "Jose\u0301@Studio.example"), inv.token(), std::nullopt);
  ASSERT_THAT(accepted, IsOk()) << accepted.status();
}

TEST_F(InvitationTest, AcceptingNeedsMembershipOfTheChosenFirm) {
  InvitationRecord inv = Invite("dario@solo.example");
  const auth::Caller dario = As("dario", "dario@solo.example");
  EXPECT_THAT(directory_->invitations.AcceptInvitation(dario, inv.token(), std::nullopt),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(directory_->invitations.AcceptInvitation(dario, inv.token(), firm_),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(InvitationTest, DeclinedInvitationCannotBeAccepted) {
  InvitationRecord inv = Invite();
  auto declined = directory_->invitations.DeclineInvitation(anna_, inv.token());
  ASSERT_THAT(declined, IsOk()) << declined.status();
  EXPECT_EQ(declined->state(), v1::InvitationState::DECLINED);
  auto accept =
      directory_->invitations.AcceptInvitation(anna_, inv.token(), std::nullopt);
  EXPECT_THAT(errors::ReasonOf(accept.status()),
              Optional(std::string("INVITATION_DECLINED")));
}

// A copy of an invitation kept from the feed tells its answer from the
// pending state it listed by the etag, as for every other resource.
TEST_F(InvitationTest, AnAnswerMovesItsEtag) {
  const InvitationRecord accepted_one = Invite();
  const InvitationRecord declined_one = Invite();
  EXPECT_EQ(invitations::ToProto(accepted_one).etag(), "r1");
  auto accepted =
      directory_->invitations.AcceptInvitation(anna_, accepted_one.token(), std::nullopt);
  ASSERT_THAT(accepted, IsOk()) << accepted.status();
  EXPECT_EQ(invitations::ToProto(accepted->first).etag(), "r2");
  auto declined = directory_->invitations.DeclineInvitation(anna_, declined_one.token());
  ASSERT_THAT(declined, IsOk()) << declined.status();
  EXPECT_EQ(invitations::ToProto(*declined).etag(), "r2");
  // The listing shows what was stored.
  auto listed = directory_->invitations.ListInvitations(As("rossi-owner"), "", {});
  ASSERT_THAT(listed, IsOk()) << listed.status();
  ASSERT_EQ(listed->items.size(), 2u);
  for (const InvitationRecord& invitation : listed->items) {
    EXPECT_EQ(invitations::ToProto(invitation).etag(), "r2");
  }
}

TEST_F(InvitationTest, UnknownTokenIsNotFound) {
  EXPECT_THAT(directory_->invitations.AcceptInvitation(anna_, "nope", std::nullopt),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(InvitationTest, ListingsHideTokensAndOthersInvitations) {
  Invite();
  Invite("someone@else.example");
  auto sent = directory_->invitations.ListInvitations(As("rossi-owner"), "", {});
  ASSERT_THAT(sent, IsOk());
  EXPECT_EQ(sent->items.size(), 2u);
  for (const auto& inv : sent->items) EXPECT_TRUE(inv.token().empty());
  auto received =
      directory_->invitations.ListInvitations(anna_, "ANNA@studio.example", {});
  ASSERT_THAT(received, IsOk());
  EXPECT_EQ(received->items.size(), 1u);
  EXPECT_THAT(directory_->invitations.ListInvitations(anna_, "someone@else.example", {}),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(InvitationTest, InviteeEmailIsRequiredAndOneAddress) {
  InvitationRecord draft;
  draft.set_client_display_name("Rossi");
  draft.set_client_type(v1::ClientType::BUSINESS);
  for (const std::string& email : {std::string(), std::string("anna\x01@studio.example"),
                                   std::string("anna@studio.example\x7F"),
                                   std::string("anna@studio\xC2\x85.example")}) {
    draft.set_invitee_email(email);
    auto inv =
        directory_->invitations.CreateInvitation(testing::As("rossi-owner"), draft);
    EXPECT_THAT(inv, StatusIs(absl::StatusCode::kInvalidArgument)) << email;
  }
}

TEST_F(InvitationTest, TheClientIsABusinessOrAnIndividual) {
  InvitationRecord draft;
  draft.set_client_display_name("Rossi");
  draft.set_invitee_email("anna@studio.example");
  for (auto type :
       {v1::ClientType::CLIENT_TYPE_UNSPECIFIED, static_cast<v1::ClientType>(9)}) {
    draft.set_client_type(type);
    auto inv =
        directory_->invitations.CreateInvitation(testing::As("rossi-owner"), draft);
    ASSERT_THAT(inv, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_EQ(errors::FieldViolationsOf(inv.status())[0].field, "invitation.client_type");
  }
  draft.set_client_type(v1::ClientType::INDIVIDUAL);
  EXPECT_THAT(directory_->invitations.CreateInvitation(testing::As("rossi-owner"), draft),
              IsOk());
}

// The cell's half of an accept at accounts: an invitation accounts keeps
// (ids of its own) becomes a client of the firm, led by the invitee.
class ConnectInvitedClientTest : public InvitationTest {
 protected:
  static InvitationRecord AtAccounts() {
    InvitationRecord invitation;
    invitation.set_id(names::kFirstAccountsId + 1);
    invitation.set_company_id(names::kFirstAccountsId + 2);
    invitation.set_client_display_name("Rossi SRL");
    invitation.set_client_type(v1::ClientType::BUSINESS);
    invitation.set_invitee_email("anna@studio.example");
    invitation.set_inviter_user_id("rossi-owner");
    return invitation;
  }
};

TEST_F(ConnectInvitedClientTest, MakesTheCompanyAClientOnceWhateverTheRetries) {
  const InvitationRecord invitation = AtAccounts();
  absl::StatusOr<ClientRecord> client = directory_->invitations.ConnectInvitedClient(
      anna_, names::FirmName{firm_}, invitation, "accept-invitation-1");
  ASSERT_THAT(client, IsOk()) << client.status();
  EXPECT_EQ(client->company_id(), invitation.company_id());
  EXPECT_EQ(client->primary_admin_user_id(), "rossi-owner");
  EXPECT_EQ(client->lead_accountant_user_id(), "anna");
  absl::StatusOr<ClientRecord> retry = directory_->invitations.ConnectInvitedClient(
      anna_, names::FirmName{firm_}, invitation, "accept-invitation-1");
  ASSERT_THAT(retry, IsOk()) << retry.status();
  EXPECT_EQ(retry->revision(), client->revision());
  EXPECT_THAT(directory_->invitations.ConnectInvitedClient(anna_, names::FirmName{firm_},
                                                           invitation, "another-request"),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(ConnectInvitedClientTest, RefusesAStrangerAnotherAddressAndACellsOwnIds) {
  InvitationRecord invitation = AtAccounts();
  EXPECT_THAT(
      directory_->invitations.ConnectInvitedClient(
          As("mallory", "anna@studio.example"), names::FirmName{firm_}, invitation, ""),
      StatusIs(absl::StatusCode::kPermissionDenied, "not a member"));
  EXPECT_THAT(directory_->invitations.ConnectInvitedClient(
                  As("anna"), names::FirmName{firm_}, invitation, ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
  invitation.set_company_id(firm_ + 10);
  EXPECT_THAT(directory_->invitations.ConnectInvitedClient(anna_, names::FirmName{firm_},
                                                           invitation, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, "accounts handed out"));
  invitation = AtAccounts();
  invitation.clear_inviter_user_id();
  EXPECT_THAT(directory_->invitations.ConnectInvitedClient(anna_, names::FirmName{firm_},
                                                           invitation, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, "inviter_user_id"));
  EXPECT_FALSE(directory_->clients
                   .GetClient(testing::As("owner"),
                              names::ClientName{firm_, AtAccounts().company_id()})
                   .ok());
}

class ListViewTest : public DirectoryTest {
 protected:
  ListViewTest() : firm_(NewFirm()) { AddMember(firm_, "anna", v1::Role::STAFF); }
  uint64_t firm_;
};

// A view saved under a request id and retried (its answer lost) is
// answered as it is now rather than ABORTED by the etag it moved.
TEST_F(ListViewTest, ASaveRetriedUnderItsRequestIdIsAnsweredNotAborted) {
  const names::ClientListViewName view{firm_, "anna"};
  auto save = [&](const std::vector<std::string>& columns, const std::string& id) {
    return directory_->listing.UpdateListView(testing::As("anna"), view, columns, "r0",
                                              id);
  };
  const ListViewRecord first = testing::ValueOrFail(save({"email"}, "columns-1"));
  EXPECT_EQ(EtagOf(first), "r1");
  EXPECT_EQ(EtagOf(testing::ValueOrFail(save({"email"}, "columns-1"))), "r1");
  EXPECT_THAT(save({"email"}, ""), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(save({"display_name"}, "columns-1"),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
}

TEST_F(ListViewTest, StartsWithTheDefaultColumns) {
  auto view = directory_->listing.GetListView(testing::As("anna"),
                                              names::ClientListViewName{firm_, "anna"});
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->columns(0), "display_name");
  EXPECT_EQ(static_cast<size_t>(view->columns_size()), kDefaultListColumns.size());
}

TEST_F(ListViewTest, KeepsEachMembersColumnsInTheirOrder) {
  ASSERT_THAT(directory_->listing.UpdateListView(
                  testing::As("anna"), names::ClientListViewName{firm_, "anna"},
                  {"client_number", "display_name", "billing_plan"}),
              IsOk());
  auto anna = directory_->listing.GetListView(testing::As("anna"),
                                              names::ClientListViewName{firm_, "anna"});
  EXPECT_THAT(anna->columns(),
              ::testing::ElementsAre("client_number", "display_name", "billing_plan"));
  auto owner = directory_->listing.GetListView(testing::As("owner"),
                                               names::ClientListViewName{firm_, "owner"});
  EXPECT_EQ(owner->columns(0), "display_name");
}

// The view saved in one window and then in another that read it before:
// the second is told, not saved over the first unseen. Saving the columns
// as they are keeps the etag.
TEST_F(ListViewTest, AViewSavedSinceItWasReadIsAborted) {
  const names::ClientListViewName anna{firm_, "anna"};
  const ListViewRecord defaults =
      testing::ValueOrFail(directory_->listing.GetListView(testing::As("anna"), anna));
  const std::string read = EtagOf(defaults);
  const ListViewRecord saved = testing::ValueOrFail(directory_->listing.UpdateListView(
      testing::As("anna"), anna, {"client_number", "display_name"}, read));
  EXPECT_NE(EtagOf(saved), read);
  auto stale = directory_->listing.UpdateListView(testing::As("anna"), anna,
                                                  {"display_name"}, read);
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted, "changed since etag"));
  EXPECT_EQ(errors::ReasonOf(stale.status()), "STALE_ETAG");
  const ListViewRecord now =
      testing::ValueOrFail(directory_->listing.GetListView(testing::As("anna"), anna));
  EXPECT_THAT(now.columns(), ::testing::ElementsAre("client_number", "display_name"));
  EXPECT_EQ(EtagOf(now), EtagOf(saved));
  const ListViewRecord same = testing::ValueOrFail(directory_->listing.UpdateListView(
      testing::As("anna"), anna, {"client_number", "display_name"}, EtagOf(saved)));
  EXPECT_EQ(EtagOf(same), EtagOf(saved));
}

TEST_F(ListViewTest, AMembersViewIsTheirsAlone) {
  const names::ClientListViewName owners{firm_, "owner"};
  for (const absl::Status& refused :
       {directory_->listing.GetListView(testing::As("anna"), owners).status(),
        directory_->listing.UpdateListView(testing::As("anna"), owners, {"display_name"})
            .status()}) {
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kPermissionDenied, "their own"));
    EXPECT_EQ(errors::ReasonOf(refused), "NOT_LIST_VIEW_OWNER");
    EXPECT_EQ(errors::ReasonMetadataOf(refused)["list_view"], owners.ToString());
  }
}

TEST_F(ListViewTest, UnknownOrRepeatedColumnsAreInvalid) {
  auto bad = directory_->listing.UpdateListView(
      testing::As("anna"), names::ClientListViewName{firm_, "anna"},
      {"display_name", "shoe_size", "display_name"});
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(bad.status()).size(), 2u);
  EXPECT_THAT(directory_->listing.UpdateListView(
                  testing::As("anna"), names::ClientListViewName{firm_, "anna"}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ListViewTest, NobodyReadsOrChangesAnotherMembersView) {
  EXPECT_THAT(directory_->listing.GetListView(testing::As("owner"),
                                              names::ClientListViewName{firm_, "anna"}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(
      directory_->listing.UpdateListView(
          testing::As("owner"), names::ClientListViewName{firm_, "anna"}, {"email"}),
      StatusIs(absl::StatusCode::kPermissionDenied));
}

// Moving to several cells: accounts takes the pending invitations over, each
// deleted here once adopted (with the request id it was made under, for a
// retry there); answered and expired ones stay as history, and an adopt that
// fails stops the move with that invitation still here.
TEST_F(InvitationTest, HandingOverMovesThePendingOnesAndDeletesEachOnceAdopted) {
  const InvitationRecord expired = Invite();
  clock_.Advance(absl::Hours(24 * 30));
  const InvitationRecord accepted = Invite();
  ASSERT_THAT(
      directory_->invitations.AcceptInvitation(anna_, accepted.token(), std::nullopt),
      IsOk());
  const InvitationRecord first = Invite("anna@studio.example", "invite-anna");
  const InvitationRecord second = Invite("bruno@studio.example");
  const uint64_t next = store_->change_log().next_sequence();

  std::vector<uint64_t> adopted;
  absl::StatusOr<size_t> stopped = directory_->invitations.HandOverPending(
      "ops", [&](const InvitationRecord& invitation) -> absl::Status {
        if (invitation.id() == second.id())
          return absl::UnavailableError("accounts' disk is full");
        EXPECT_FALSE(invitation.token().empty())
            << "the invitee's link must keep working";
        EXPECT_EQ(invitation.create_request_id(), "invite-anna");
        EXPECT_EQ(invitation.create_request_fingerprint(),
                  invitations::CreateFingerprint(Draft("anna@studio.example")));
        adopted.push_back(invitation.id());
        return absl::OkStatus();
      });
  EXPECT_THAT(stopped, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(adopted, ::testing::ElementsAre(first.id()));
  EXPECT_THAT(store_->invitations().GetInvitationByToken(first.token()),
              IsOkAndHolds(::testing::Eq(std::nullopt)));
  EXPECT_THAT(store_->invitations().GetInvitationByToken(second.token()),
              IsOkAndHolds(::testing::Optional(::testing::_)));
  auto changes = testing::ChangeRecords(store_->change_log(), next, 10);
  ASSERT_THAT(changes, IsOk());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].type(), "DELETED");
  EXPECT_EQ((*changes)[0].name(), absl::StrCat("invitations/", first.id()));
  EXPECT_EQ((*changes)[0].actor(), "ops");
  EXPECT_EQ((*changes)[0].source(), "move-invitations");

  adopted.clear();
  absl::StatusOr<size_t> rest = directory_->invitations.HandOverPending(
      "ops", [&](const InvitationRecord& invitation) {
        adopted.push_back(invitation.id());
        return absl::OkStatus();
      });
  EXPECT_THAT(rest, IsOkAndHolds(1u));
  EXPECT_THAT(adopted, ::testing::ElementsAre(second.id()));
  auto history = directory_->invitations.ListInvitations(As("rossi-owner"), "", {});
  ASSERT_THAT(history, IsOk());
  std::vector<uint64_t> kept;
  for (const InvitationRecord& invitation : history->items)
    kept.push_back(invitation.id());
  EXPECT_THAT(kept, ::testing::UnorderedElementsAre(expired.id(), accepted.id()));
}

}  // namespace
}  // namespace clientbook::directory
