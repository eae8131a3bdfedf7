// Invitations at accounts, over the real store (RocksDB in memory), with
// the cells behind a recording stand-in: what an invitee may answer, which
// firm an accept goes to, and that a lost answer from a cell never turns
// into a second client.
#include "services/accounts/domain/invitations.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/names/cell.h"
#include "common/names/names.h"
#include "common/status/errors.h"
#include "common/storage/database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "services/accounts/domain/accounts.h"
#include "services/accounts/store/rocksdb_accounts_store.h"
#include "tests/support/callers.h"
#include "tests/support/change_records.h"
#include "tests/support/status_matchers.h"

namespace clientbook::accounts {
namespace {

using ::clientbook::testing::As;
using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::Optional;

constexpr uint64_t kFirmA = 1'000'000'000'007;  // cells/1
constexpr uint64_t kFirmB = 2'000'000'000'003;  // cells/2

// The cells: records each connect and answers what the test says.
class RecordingCells final : public CellDirectories {
 public:
  struct Connect {
    uint64_t firm_id;
    uint64_t company_id;
    std::string request_id;
  };

  absl::StatusOr<v1::Client> ConnectInvitedClient(
      const auth::Caller& invitee, uint64_t firm_id, const InvitationRecord& invitation,
      const std::string& request_id) override {
    absl::MutexLock lock(&mu_);
    connects_.push_back({firm_id, invitation.company_id(), request_id});
    if (!answer_.ok()) return answer_;
    v1::Client client;
    client.set_name(names::ClientName{firm_id, invitation.company_id()}.ToString());
    client.set_lead_accountant(names::MemberName{firm_id, invitee.user_id}.ToString());
    return client;
  }

  void Answer(absl::Status status) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(status);
  }
  std::vector<Connect> connects() {
    absl::MutexLock lock(&mu_);
    return connects_;
  }

 private:
  absl::Mutex mu_;
  absl::Status answer_;
  std::vector<Connect> connects_;
};

class AccountsInvitationsTest : public ::testing::Test {
 protected:
  AccountsInvitationsTest()
      : env_(rocksdb::NewMemEnv(rocksdb::Env::Default())),
        db_(std::move(*storage::Database::Open("/accounts", {.env = env_.get()}))),
        clock_(absl::FromUnixSeconds(1'800'000'000)),
        store_(std::move(*RocksAccountsStore::Open(db_.get(), clock_))),
        accounts_(*store_),
        invitations_(*store_, cells_, clock_) {}

  // `user` joins `firm`, as the firm's cell's feed says.
  void Join(const std::string& user, uint64_t firm) {
    google::protobuf::RepeatedPtrField<v1::ChangeEvent> batch;
    v1::ChangeEvent& event = *batch.Add();
    event.set_type(v1::ChangeEvent::CREATED);
    event.set_resource_type("clientbook.v1.FirmMember");
    event.set_name(names::MemberName{firm, user}.ToString());
    ASSERT_THAT(accounts_.Apply({names::Cell::Holding(firm), Feed::kMembers}, batch, ""),
                IsOk());
  }

  static InvitationRecord Draft(const std::string& email = "anna@studio.example") {
    InvitationRecord draft;
    draft.set_client_display_name("  Rossi SRL ");
    draft.set_client_type(v1::ClientType::BUSINESS);
    draft.set_invitee_email(email);
    return draft;
  }

  InvitationRecord Invite(const std::string& email = "anna@studio.example") {
    absl::StatusOr<InvitationRecord> made =
        invitations_.CreateInvitation("rossi-owner", Draft(email));
    EXPECT_THAT(made, IsOk());
    return made.ok() ? *made : InvitationRecord();
  }

  size_t SentBy(const std::string& inviter) {
    absl::StatusOr<storage::Page<InvitationRecord>> sent =
        invitations_.ListInvitations(As(inviter), "", {.page_size = 1000});
    EXPECT_THAT(sent, IsOk());
    return sent.ok() ? sent->items.size() : 0;
  }

  // The store as a restart (kill -9 included: every invitation write is
  // durable) finds it.
  void Reopen() {
    store_.reset();
    db_.reset();
    db_ = std::move(*storage::Database::Open("/accounts", {.env = env_.get()}));
    store_ = std::move(*RocksAccountsStore::Open(db_.get(), clock_));
  }

  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<storage::Database> db_;
  FakeClock clock_;
  std::unique_ptr<RocksAccountsStore> store_;
  Accounts accounts_;
  RecordingCells cells_;
  Invitations invitations_;
  const auth::Caller anna_ = As("anna", "anna@studio.example");
};

TEST_F(AccountsInvitationsTest, IdsAreAccountsOwnBeyondEveryCells) {
  const InvitationRecord invitation = Invite();
  EXPECT_GE(invitation.id(), names::kFirstAccountsId);
  EXPECT_GE(invitation.company_id(), names::kFirstAccountsId);
  EXPECT_NE(invitation.id(), invitation.company_id());
  EXPECT_EQ(invitation.client_display_name(), "Rossi SRL");
  EXPECT_EQ(invitation.token().size(), 32u);
}

// Invitations are accounts' own data: every write of one is in its change
// log, in the same batch, with the state before and after; no firm's until
// accepted.
TEST_F(AccountsInvitationsTest, EveryWriteOfAnInvitationIsInTheChangeLog) {
  Join("anna", kFirmA);
  const InvitationRecord invitation = Invite();
  ASSERT_THAT(invitations_.AcceptInvitation(anna_, invitation.token(), std::nullopt),
              IsOk());
  absl::StatusOr<std::vector<changes::ChangeRecord>> log =
      testing::ChangeRecords(store_->change_log(), 1, 100);
  ASSERT_THAT(log, IsOk());
  ASSERT_GE(log->size(), 2u);
  const changes::ChangeRecord& created = log->front();
  EXPECT_EQ(created.type(), "CREATED");
  EXPECT_EQ(created.name(), absl::StrCat("invitations/", invitation.id()));
  EXPECT_EQ(created.resource_type(), "clientbook.v1.Invitation");
  EXPECT_EQ(created.firm_id(), 0u) << "a pending invitation is no firm's";
  EXPECT_EQ(created.actor(), "rossi-owner");
  EXPECT_TRUE(created.before().empty());
  const changes::ChangeRecord& accepted = log->back();
  EXPECT_EQ(accepted.type(), "UPDATED");
  EXPECT_EQ(accepted.firm_id(), kFirmA);
  EXPECT_EQ(accepted.actor(), "anna");
  InvitationRecord before, after;
  ASSERT_TRUE(before.ParseFromString(accepted.before()));
  ASSERT_TRUE(after.ParseFromString(accepted.after()));
  EXPECT_EQ(before.state(), v1::InvitationState::PENDING);
  EXPECT_EQ(after.state(), v1::InvitationState::ACCEPTED);
  EXPECT_EQ(after.revision(), before.revision() + 1) << "the answer moves its etag";
  for (size_t i = 1; i < log->size(); ++i) {
    EXPECT_EQ((*log)[i].sequence(), (*log)[i - 1].sequence() + 1);
  }
}

TEST_F(AccountsInvitationsTest, AnAcceptConnectsTheCompanyInTheInviteesOneFirm) {
  Join("anna", kFirmA);
  const InvitationRecord invitation = Invite();
  absl::StatusOr<InvitationRecord> accepted =
      invitations_.AcceptInvitation(anna_, invitation.token(), std::nullopt);
  ASSERT_THAT(accepted, IsOk());
  EXPECT_EQ(accepted->state(), v1::InvitationState::ACCEPTED);
  EXPECT_EQ(accepted->accepted_firm_id(), kFirmA);
  EXPECT_TRUE(accepted->token().empty());
  ASSERT_EQ(cells_.connects().size(), 1u);
  EXPECT_EQ(cells_.connects()[0].firm_id, kFirmA);
  EXPECT_EQ(cells_.connects()[0].company_id, invitation.company_id());
  EXPECT_EQ(cells_.connects()[0].request_id,
            absl::StrCat("accept-invitation-", invitation.id()));

  absl::StatusOr<InvitationRecord> again =
      invitations_.AcceptInvitation(anna_, invitation.token(), std::nullopt);
  EXPECT_THAT(errors::ReasonOf(again.status()),
              Optional(std::string("INVITATION_ALREADY_ACCEPTED")));
  EXPECT_EQ(cells_.connects().size(), 1u);
}

TEST_F(AccountsInvitationsTest, TheFirmIsChosenByTheInviteeWhenTheyHaveSeveralOrNone) {
  const InvitationRecord invitation = Invite();
  const auto in_no_firm =
      invitations_.AcceptInvitation(anna_, invitation.token(), std::nullopt);
  EXPECT_THAT(in_no_firm,
              StatusIs(absl::StatusCode::kPermissionDenied, "not a member of any firm"));
  EXPECT_EQ(errors::ReasonOf(in_no_firm.status()), "NOT_A_MEMBER");
  Join("anna", kFirmA);
  Join("anna", kFirmB);
  EXPECT_THAT(invitations_.AcceptInvitation(anna_, invitation.token(), std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, "choose one of"));
  EXPECT_TRUE(cells_.connects().empty());
  // A firm the index does not know yet is the cell's to judge, not ours.
  const uint64_t just_joined = kFirmB + 1;
  ASSERT_THAT(invitations_.AcceptInvitation(anna_, invitation.token(), just_joined),
              IsOk());
  EXPECT_EQ(cells_.connects().back().firm_id, just_joined);
}

TEST_F(AccountsInvitationsTest, ALostAnswerIsFinishedInTheSameFirmUnderTheSameRequestId) {
  Join("anna", kFirmA);
  const InvitationRecord invitation = Invite();
  cells_.Answer(absl::UnavailableError("the directory of cells/1 did not answer"));
  EXPECT_THAT(invitations_.AcceptInvitation(anna_, invitation.token(), kFirmA),
              StatusIs(absl::StatusCode::kUnavailable));
  // Another firm now could make a second client: refused, naming the first.
  absl::StatusOr<InvitationRecord> elsewhere =
      invitations_.AcceptInvitation(anna_, invitation.token(), kFirmB);
  EXPECT_THAT(errors::ReasonOf(elsewhere.status()),
              Optional(std::string("INVITATION_BEING_ACCEPTED")));
  EXPECT_THAT(invitations_.DeclineInvitation(anna_, invitation.token()),
              StatusIs(absl::StatusCode::kFailedPrecondition, "being accepted"));
  cells_.Answer(absl::OkStatus());
  ASSERT_THAT(invitations_.AcceptInvitation(anna_, invitation.token(), std::nullopt),
              IsOk());
  const std::vector<RecordingCells::Connect> connects = cells_.connects();
  ASSERT_EQ(connects.size(), 2u);
  EXPECT_EQ(connects[1].firm_id, kFirmA);
  EXPECT_EQ(connects[1].request_id, connects[0].request_id);
}

TEST_F(AccountsInvitationsTest, ACellsRefusalLetsTheInviteeChooseAgain) {
  const InvitationRecord invitation = Invite();
  cells_.Answer(absl::PermissionDeniedError("user 'anna' is not a member of firms/…"));
  EXPECT_THAT(invitations_.AcceptInvitation(anna_, invitation.token(), kFirmB),
              StatusIs(absl::StatusCode::kPermissionDenied));
  cells_.Answer(absl::OkStatus());
  absl::StatusOr<InvitationRecord> accepted =
      invitations_.AcceptInvitation(anna_, invitation.token(), kFirmA);
  ASSERT_THAT(accepted, IsOk());
  EXPECT_EQ(accepted->accepted_firm_id(), kFirmA);
}

TEST_F(AccountsInvitationsTest, OnlyTheProvenInviteeAnswersAndOnlyWithin30Days) {
  Join("anna", kFirmA);
  const InvitationRecord invitation = Invite();
  const auto unproved =
      invitations_.AcceptInvitation(As("anna"), invitation.token(), kFirmA);
  EXPECT_THAT(unproved, StatusIs(absl::StatusCode::kPermissionDenied, "not proved"));
  EXPECT_EQ(errors::ReasonOf(unproved.status()), "VERIFIED_EMAIL_REQUIRED");
  const auto eves = invitations_.AcceptInvitation(As("eve", "eve@evil.example"),
                                                  invitation.token(), kFirmA);
  EXPECT_THAT(eves,
              StatusIs(absl::StatusCode::kPermissionDenied, "not addressed to your"));
  EXPECT_EQ(errors::ReasonOf(eves.status()), "NOT_INVITED_EMAIL");
  EXPECT_THAT(invitations_.AcceptInvitation(anna_, "no-such-token", kFirmA),
              StatusIs(absl::StatusCode::kNotFound));
  // At exactly 30 days it has expired; a second before, it still works.
  clock_.Advance(invitations::kInvitationLifetime - absl::Seconds(1));
  const InvitationRecord later = Invite();
  clock_.Advance(absl::Seconds(1));
  absl::StatusOr<InvitationRecord> late =
      invitations_.AcceptInvitation(anna_, invitation.token(), kFirmA);
  EXPECT_THAT(errors::ReasonOf(late.status()),
              Optional(std::string("INVITATION_EXPIRED")));
  EXPECT_THAT(invitations_.AcceptInvitation(anna_, later.token(), kFirmA), IsOk());
  EXPECT_EQ(cells_.connects().size(), 1u);
}

TEST_F(AccountsInvitationsTest, ListsShowTheInviteeAndTheInviterTheirOwnWithoutTokens) {
  Invite();
  Invite("ANNA@studio.example");
  Invite("bruno@other.example");
  absl::StatusOr<storage::Page<InvitationRecord>> to_anna =
      invitations_.ListInvitations(anna_, "Anna@Studio.example", {});
  ASSERT_THAT(to_anna, IsOk());
  EXPECT_EQ(to_anna->items.size(), 2u);
  for (const InvitationRecord& invitation : to_anna->items) {
    EXPECT_TRUE(invitation.token().empty());
  }
  EXPECT_THAT(invitations_.ListInvitations(anna_, "bruno@other.example", {}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  absl::StatusOr<storage::Page<InvitationRecord>> sent =
      invitations_.ListInvitations(As("rossi-owner"), "", {.page_size = 2});
  ASSERT_THAT(sent, IsOk());
  EXPECT_EQ(sent->items.size(), 2u);
  EXPECT_FALSE(sent->next_page_token.empty());
  EXPECT_TRUE(invitations_.ListInvitations(As("mallory"), "", {})->items.empty());
}

TEST_F(AccountsInvitationsTest, SixtyFourRacingAcceptsConnectOnce) {
  Join("anna", kFirmA);
  const InvitationRecord invitation = Invite();
  std::atomic<int> won = 0, already = 0;
  std::vector<std::thread> callers;
  for (int i = 0; i < 64; ++i) {
    callers.emplace_back([&] {
      absl::StatusOr<InvitationRecord> accepted =
          invitations_.AcceptInvitation(anna_, invitation.token(), std::nullopt);
      if (accepted.ok()) {
        ++won;
      } else if (errors::ReasonOf(accepted.status()) == "INVITATION_ALREADY_ACCEPTED") {
        ++already;
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(already.load(), 63);
  EXPECT_EQ(cells_.connects().size(), 1u);
}

// An inviter whose answer was lost retries under its request id, after a
// restart too: it gets the invitation made first, token and all, as it is
// now; nothing is sent twice. Another draft under the id is refused; the id
// is its caller's.
TEST_F(AccountsInvitationsTest, ARetryUnderItsRequestIdAnswersTheFirstInvitation) {
  Join("anna", kFirmA);
  absl::StatusOr<InvitationRecord> first =
      invitations_.CreateInvitation("rossi-owner", Draft(), "invite-rossi");
  ASSERT_THAT(first, IsOk()) << first.status();
  ASSERT_THAT(invitations_.AcceptInvitation(anna_, first->token(), std::nullopt), IsOk());
  Reopen();
  Invitations restarted(*store_, cells_, clock_);
  absl::StatusOr<InvitationRecord> retried =
      restarted.CreateInvitation("rossi-owner", Draft(), "invite-rossi");
  ASSERT_THAT(retried, IsOk()) << retried.status();
  EXPECT_EQ(retried->id(), first->id());
  EXPECT_EQ(retried->token(), first->token());
  EXPECT_EQ(retried->state(), v1::InvitationState::ACCEPTED);
  EXPECT_THAT(restarted.CreateInvitation("rossi-owner", Draft("bruno@studio.example"),
                                         "invite-rossi"),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_THAT(restarted.CreateInvitation("rossi-owner", Draft(), std::string(129, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_THAT(restarted.CreateInvitation("verdi-owner", Draft(), "invite-rossi"), IsOk());
  absl::StatusOr<storage::Page<InvitationRecord>> sent =
      restarted.ListInvitations(As("rossi-owner"), "", {});
  ASSERT_THAT(sent, IsOk());
  EXPECT_EQ(sent->items.size(), 1u);
  // The change log names the request id, for the audit.
  absl::StatusOr<std::vector<changes::ChangeRecord>> log =
      testing::ChangeRecords(store_->change_log(), 1, 100);
  ASSERT_THAT(log, IsOk());
  ASSERT_FALSE(log->empty());
  EXPECT_EQ(log->front().request_id(), "invite-rossi");
}

TEST_F(AccountsInvitationsTest,
       SixtyFourRacingRetriesUnderOneRequestIdSendOneInvitation) {
  std::vector<std::string> tokens(64);
  std::vector<std::thread> racers;
  for (int i = 0; i < 64; ++i) {
    racers.emplace_back([&, i] {
      absl::StatusOr<InvitationRecord> made =
          invitations_.CreateInvitation("rossi-owner", Draft(), "invite-race");
      if (made.ok()) tokens[i] = made->token();
    });
  }
  for (std::thread& racer : racers) racer.join();
  EXPECT_EQ(SentBy("rossi-owner"), 1u);
  EXPECT_FALSE(tokens[0].empty());
  EXPECT_THAT(tokens, ::testing::Each(tokens[0]));
}

// 64 callers racing for one inviter send 1,000 invitations between them,
// no more: its quota is counted under a lock of the inviter's.
TEST_F(AccountsInvitationsTest, RacingInvitesOfOneInviterStopAtItsQuota) {
  InvitationRecord draft;
  draft.set_client_display_name("Rossi SRL");
  draft.set_client_type(v1::ClientType::BUSINESS);
  draft.set_invitee_email("anna@studio.example");
  std::atomic<int> sent = 0, refused = 0;
  std::vector<std::thread> callers;
  for (int i = 0; i < 64; ++i) {
    callers.emplace_back([&] {
      for (int k = 0; k < 17; ++k) {
        absl::StatusOr<InvitationRecord> made =
            invitations_.CreateInvitation("rossi-owner", draft);
        if (made.ok()) {
          ++sent;
        } else if (errors::ReasonOf(made.status()) == "TOO_MANY_INVITATIONS") {
          ++refused;
        }
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(sent.load(), static_cast<int>(invitations::kMaxInvitationsPerInviter));
  EXPECT_EQ(refused.load(),
            64 * 17 - static_cast<int>(invitations::kMaxInvitationsPerInviter));
  EXPECT_THAT(invitations_.CreateInvitation("verdi-owner", draft), IsOk());
}

// An invitation a lone cell kept keeps its name and its link here, and its
// request id: the inviter's retry is answered it. Its company gets an id of
// accounts' (a cell connects none in a cell's range). Taken over twice (a
// move run again), it stays as first taken.
TEST_F(AccountsInvitationsTest,
       AnAdoptedInvitationKeepsItsNameAndLinkWithAccountsCompanyId) {
  Join("anna", kFirmA);
  InvitationRecord moved;
  moved.set_id(42);
  moved.set_company_id(43);
  moved.set_token("00112233445566778899aabbccddeeff");
  moved.set_client_display_name("Rossi SRL");
  moved.set_client_type(v1::ClientType::BUSINESS);
  moved.set_invitee_email("anna@studio.example");
  moved.set_inviter_user_id("rossi-owner");
  moved.set_state(v1::InvitationState::PENDING);
  moved.set_create_time_us(absl::ToUnixMicros(clock_.Now()));
  moved.set_expire_time_us(absl::ToUnixMicros(clock_.Now() + absl::Hours(24)));
  moved.set_create_request_id("invite-rossi");
  moved.set_create_request_fingerprint(invitations::CreateFingerprint(Draft()));
  ASSERT_THAT(invitations_.Adopt("ops", moved), IsOk());
  ASSERT_THAT(invitations_.Adopt("ops", moved), IsOk());
  absl::StatusOr<InvitationRecord> retried =
      invitations_.CreateInvitation("rossi-owner", Draft(), "invite-rossi");
  ASSERT_THAT(retried, IsOk()) << retried.status();
  EXPECT_EQ(retried->id(), 42u);
  EXPECT_EQ(retried->token(), moved.token());
  EXPECT_EQ(SentBy("rossi-owner"), 1u);
  absl::StatusOr<std::vector<changes::ChangeRecord>> log =
      testing::ChangeRecords(store_->change_log(), 1, 100);
  ASSERT_THAT(log, IsOk());
  ASSERT_EQ(log->size(), 1u) << "adopted once";
  EXPECT_EQ((*log)[0].source(), "move-invitations");
  EXPECT_EQ((*log)[0].actor(), "ops");

  absl::StatusOr<InvitationRecord> accepted =
      invitations_.AcceptInvitation(anna_, moved.token(), std::nullopt);
  ASSERT_THAT(accepted, IsOk());
  EXPECT_EQ(accepted->id(), 42u);
  ASSERT_EQ(cells_.connects().size(), 1u);
  EXPECT_GE(cells_.connects()[0].company_id, names::kFirstAccountsId);
  EXPECT_EQ(cells_.connects()[0].request_id, "accept-invitation-42");
}

}  // namespace
}  // namespace clientbook::accounts
