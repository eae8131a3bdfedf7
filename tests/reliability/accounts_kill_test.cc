// kill -9 and accounts. Two cells take new firms and members joining and
// leaving while accounts, following both, is killed at random moments and
// started again: it resumes each feed from the position it stored with what
// the position covers, so once the writes stop it lists for every user
// exactly the firms the cells say — nothing lost, nothing twice, no one left
// in a firm they left. And invitations accepted while accounts is killed,
// each retry asking for the other cell's firm: every accepted one is a
// client of exactly one firm, the one it names. Rounds:
// $CLIENTBOOK_KILL_ROUNDS (20 in tests/run).
#include <signal.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/cells.h"
#include "tests/support/cluster.h"
#include "tests/support/kill_rounds.h"
#include "tests/support/status_matchers.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using testing::As;

constexpr int kMaxKillDelayMs = 300;

// Kills accounts at $CLIENTBOOK_KILL_ROUNDS random moments, starting it
// again at `target` each time.
void KillAtRandomMoments(testing::ServiceProcess& accounts, const std::string& target) {
  absl::BitGen random;
  for (int round = 0; round < testing::KillRounds(); ++round) {
    absl::SleepFor(absl::Milliseconds(absl::Uniform(random, 0, kMaxKillDelayMs)));
    ASSERT_EQ(accounts.Stop(SIGKILL), -SIGKILL);
    ASSERT_TRUE(accounts.Start() && accounts.WaitServing(target)) << accounts.Log();
  }
}

// What the cells acknowledged: each creator's firms, and those bob is in now.
struct Truth {
  absl::Mutex mu;
  std::map<std::string, std::set<std::string>> created ABSL_GUARDED_BY(mu);
  std::set<std::string> bob ABSL_GUARDED_BY(mu);
};

// A creator makes 500 firms of a cell here, well under the 1,000 a user may
// make in 30 days, so the writes go on however many rounds there are.
constexpr int kFirmsPerCreator = 500;

// Creates firms in one cell, `kFirmsPerCreator` by each creator in turn;
// bob joins every one and leaves every other one. Stops at `stop`.
void Write(v1::DirectoryService::Stub& cell, Truth& truth,
           const std::atomic<bool>& stop) {
  for (int i = 0; !stop.load(); ++i) {
    const std::string creator = absl::StrCat("alice-", i / kFirmsPerCreator);
    v1::Firm firm;
    if (!testing::CreateFirmAs(cell, creator, &firm).ok()) continue;
    {
      absl::MutexLock lock(&truth.mu);
      truth.created[creator].insert(firm.name());
    }
    v1::AddFirmMemberRequest add;
    add.set_parent(firm.name());
    add.mutable_member()->set_user_id("bob");
    add.mutable_member()->set_email("bob@studio.example");
    add.mutable_member()->set_role(v1::STAFF);
    v1::FirmMember bob;
    ASSERT_THAT(cell.AddFirmMember(As(creator).get(), add, &bob), IsOk());
    if (i % 2 == 1) {
      v1::RemoveFirmMemberRequest remove;
      remove.set_name(bob.name());
      v1::RemoveFirmMemberResponse removed;
      ASSERT_THAT(cell.RemoveFirmMember(As(creator).get(), remove, &removed), IsOk());
    } else {
      absl::MutexLock lock(&truth.mu);
      truth.bob.insert(firm.name());
    }
  }
}

// Every firm accounts lists for `user`, page by page; each listed once.
std::set<std::string> ListedFor(v1::DirectoryService::Stub& accounts,
                                const std::string& user, int& listed) {
  std::set<std::string> names;
  listed = 0;
  v1::ListMyFirmsRequest request;
  request.set_page_size(1000);
  do {
    v1::ListMyFirmsResponse page;
    if (!accounts.ListMyFirms(As(user).get(), request, &page).ok()) return {};
    for (const v1::Firm& firm : page.firms()) names.insert(firm.name());
    listed += page.firms_size();
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return names;
}

TEST(AccountsKillTest, KilledAtAnyMomentItListsExactlyWhatTheCellsSayOnceItCatchesUp) {
  testing::TempDir dir;
  std::vector<std::unique_ptr<testing::CellProcesses>> cells;
  std::vector<testing::CellProcesses*> started;
  for (uint32_t k : {0u, 1u}) {
    cells.push_back(std::make_unique<testing::CellProcesses>(dir, names::Cell{k}));
    ASSERT_TRUE(cells.back()->Start());
    started.push_back(cells.back().get());
  }
  std::string why;
  for (auto& cell : cells) ASSERT_TRUE(cell->WaitServing(why)) << why;
  const std::string target = absl::StrCat("127.0.0.1:", testing::FreePort());
  std::unique_ptr<testing::ServiceProcess> accounts =
      testing::AccountsFor(dir, started, target);
  ASSERT_TRUE(accounts->Start() && accounts->WaitServing(target)) << accounts->Log();
  auto accounts_stub = v1::DirectoryService::NewStub(testing::Channel(target));

  Truth truth;
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<v1::DirectoryService::Stub>> cell_stubs;
  std::vector<std::thread> writers;
  for (auto& cell : cells) {
    cell_stubs.push_back(
        v1::DirectoryService::NewStub(testing::Channel(cell->directory_target())));
    writers.emplace_back(
        [&, stub = cell_stubs.back().get()] { Write(*stub, truth, stop); });
  }
  KillAtRandomMoments(*accounts, target);
  stop = true;
  for (std::thread& writer : writers) writer.join();
  ASSERT_FALSE(HasFatalFailure());

  absl::MutexLock lock(&truth.mu);
  ASSERT_GT(truth.created["alice-0"].size(), 10u);
  // Each user as accounts lists them, and how many it listed (twice, if
  // listed twice).
  std::map<std::string, std::set<std::string>> listed;
  std::map<std::string, int> counted;
  std::map<std::string, std::set<std::string>> expected = truth.created;
  expected["bob"] = truth.bob;
  for (const absl::Time give_up = absl::Now() + absl::Seconds(10);
       absl::Now() < give_up;) {
    for (const auto& [user, firms] : expected) {
      listed[user] = ListedFor(*accounts_stub, user, counted[user]);
    }
    if (listed == expected) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  for (const auto& [user, firms] : expected) {
    EXPECT_EQ(listed[user], firms) << user;
    EXPECT_EQ(counted[user], static_cast<int>(firms.size())) << user;
  }
}

// The invitee, having proved her address.
std::unique_ptr<grpc::ClientContext> AsAlice() {
  auto context = As("alice");
  context->AddMetadata("x-user-email", "alice@studio.example");
  return context;
}

// Invites alice, retrying through accounts' deaths under one request id
// until answered, and accepts, retrying with each attempt asking for the
// other firm of `firms`, until accepted. Counts the invitations it saw
// accepted, and those it created.
struct Invited {
  int created = 0;
  int accepted = 0;
};
Invited InviteAndAccept(v1::DirectoryService::Stub& accounts,
                        const std::string (&firms)[2], const std::atomic<bool>& stop) {
  Invited done;
  while (!stop.load()) {
    v1::CreateInvitationRequest create;
    create.mutable_invitation()->set_client_display_name("Rossi SRL");
    create.mutable_invitation()->set_client_type(v1::BUSINESS);
    create.mutable_invitation()->set_invitee_email("alice@studio.example");
    create.set_request_id(absl::StrCat("invite-", done.created));
    v1::Invitation invitation;
    for (;;) {
      const grpc::Status status =
          accounts.CreateInvitation(As("rossi-owner").get(), create, &invitation);
      if (status.ok()) break;
      // The inviter's 1,000 in 30 days, on a machine fast enough: enough.
      if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) return done;
      absl::SleepFor(absl::Milliseconds(20));
    }
    ++done.created;
    v1::AcceptInvitationRequest accept;
    accept.set_token(invitation.token());
    for (int attempt = 0;; ++attempt) {
      accept.set_firm(firms[attempt % 2]);
      v1::Invitation answer;
      const grpc::Status status =
          accounts.AcceptInvitation(AsAlice().get(), accept, &answer);
      if (status.ok() || absl::StrContains(status.error_message(), "already accepted")) {
        ++done.accepted;
        break;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  return done;
}

TEST(AccountsKillTest, AnInvitationAcceptedThroughKillsIsAClientOfExactlyTheFirmItNames) {
  testing::TempDir dir;
  std::vector<std::unique_ptr<testing::CellProcesses>> cells;
  std::vector<testing::CellProcesses*> started;
  std::vector<std::unique_ptr<v1::DirectoryService::Stub>> cell_stubs;
  std::string firms[2];
  for (uint32_t k : {0u, 1u}) {
    cells.push_back(std::make_unique<testing::CellProcesses>(dir, names::Cell{k}));
    ASSERT_TRUE(cells.back()->Start());
    started.push_back(cells.back().get());
    std::string why;
    ASSERT_TRUE(cells.back()->WaitServing(why)) << why;
    cell_stubs.push_back(v1::DirectoryService::NewStub(
        testing::Channel(cells.back()->directory_target())));
    v1::Firm firm;
    ASSERT_THAT(testing::CreateFirmAs(*cell_stubs.back(), "alice", &firm), IsOk());
    firms[k] = firm.name();
  }
  const std::string target = absl::StrCat("127.0.0.1:", testing::FreePort());
  std::unique_ptr<testing::ServiceProcess> accounts =
      testing::AccountsFor(dir, started, target);
  ASSERT_TRUE(accounts->Start() && accounts->WaitServing(target)) << accounts->Log();
  auto accounts_stub = v1::DirectoryService::NewStub(testing::Channel(target));

  std::atomic<bool> stop{false};
  Invited invited;
  std::thread invitee([&] { invited = InviteAndAccept(*accounts_stub, firms, stop); });
  KillAtRandomMoments(*accounts, target);
  stop = true;
  invitee.join();
  ASSERT_FALSE(HasFatalFailure());
  const int accepted = invited.accepted;
  ASSERT_GT(accepted, 5);

  // Every invitation accounts calls accepted names a client that its firm
  // has and the other firm does not; the firms have no other client.
  // A fast machine accepts more than a page of them: every page is read.
  std::set<std::string> named;
  v1::ListInvitationsRequest list;
  list.set_invitee_email("alice@studio.example");
  list.set_page_size(1000);
  do {
    v1::ListInvitationsResponse invitations;
    ASSERT_THAT(accounts_stub->ListInvitations(AsAlice().get(), list, &invitations),
                IsOk());
    for (const v1::Invitation& invitation : invitations.invitations()) {
      if (invitation.state() == v1::ACCEPTED) named.insert(invitation.client());
    }
    list.set_page_token(invitations.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_GE(named.size(), static_cast<size_t>(accepted));
  // A create whose answer a kill lost was retried under its request id:
  // one invitation each, none twice.
  v1::ListInvitationsRequest sent_list;
  sent_list.set_page_size(1000);
  v1::ListInvitationsResponse sent;
  ASSERT_THAT(accounts_stub->ListInvitations(As("rossi-owner").get(), sent_list, &sent),
              IsOk());
  EXPECT_EQ(sent.invitations_size(), invited.created);
  std::set<std::string> clients;
  for (size_t k = 0; k < 2; ++k) {
    v1::ListClientsRequest request;
    request.set_parent(firms[k]);
    request.set_page_size(1000);
    do {
      v1::ListClientsResponse page;
      ASSERT_THAT(cell_stubs[k]->ListClients(As("alice").get(), request, &page), IsOk());
      for (const v1::Client& client : page.clients()) {
        EXPECT_TRUE(clients.insert(client.company_id()).second)
            << client.company_id() << " is a client of both firms";
        EXPECT_TRUE(named.contains(client.name())) << client.name() << " is no accept's";
      }
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
  }
  EXPECT_EQ(clients.size(), named.size());
}

}  // namespace
}  // namespace clientbook
