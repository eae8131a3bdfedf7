#include "services/directory/domain/member_removal.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/status/errors.h"
#include "services/directory/domain/rules.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/directory/directory_fixture.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::clientbook::testing::ValueOrFail;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// Firm of "owner" (primary admin) with "admin" (ADMIN) and "anna", "bruno"
// (STAFF); another firm of "rival".
class MemberRemovalTest : public DirectoryTest {
 protected:
  MemberRemovalTest() : firm_(NewFirm()), rival_firm_(NewFirm("rival")) {
    AddMember(firm_, "admin", v1::Role::ADMIN);
    AddMember(firm_, "anna", v1::Role::STAFF);
    AddMember(firm_, "bruno", v1::Role::STAFF);
  }

  ClientRecord ClientLedBy(const std::string& lead, const std::string& name) {
    ClientRecord draft = Draft(name);
    draft.set_lead_accountant_user_id(lead);
    return ValueOrFail(directory_->clients.CreateClient(
        testing::As("owner"), names::FirmName{firm_}, draft, false, "", true));
  }
  TodoRecord TodoFor(const std::string& assignee, uint64_t company_id) {
    TodoRecord t;
    t.set_company_id(company_id);
    t.set_title("Send the VAT return");
    t.set_assignee_user_id(assignee);
    return ValueOrFail(directory_->todos.CreateTodo(testing::As("owner"),
                                                    names::FirmName{firm_}, t, ""));
  }
  absl::StatusOr<RemovedMember> Remove(const std::string& user,
                                       const std::string& reassign_to = "",
                                       const std::string& by = "admin",
                                       const std::string& request_id = "") {
    return directory_->removal.RemoveMember(
        testing::As(by), names::MemberName{firm_, user}, reassign_to, request_id);
  }
  bool IsMember(const std::string& user) {
    return store_->firms().GetMember(firm_, user).value().has_value();
  }
  // The firm's clients led by `lead`, read back through the lead's facet.
  std::vector<uint64_t> LedBy(const std::string& lead) {
    ClientListQuery query;
    query.firm_id = firm_;
    query.lead_accountant = lead;
    query.show_inactive = true;
    std::vector<uint64_t> ids;
    for (const ClientRecord& c :
         ValueOrFail(directory_->listing.ListClients(testing::As("owner"), query))
             .items) {
      EXPECT_EQ(c.lead_accountant_user_id(), lead);
      ids.push_back(c.company_id());
    }
    return ids;
  }

  uint64_t firm_;
  uint64_t rival_firm_;
};

TEST_F(MemberRemovalTest, TheLeaversClientsAndOpenTodosMoveInTheWriteThatRemovesThem) {
  const ClientRecord a = ClientLedBy("anna", "Rossi SRL");
  const ClientRecord b = ClientLedBy("anna", "Bianchi SpA");
  ClientRecord inactive = ClientLedBy("anna", "Verdi Snc");
  inactive = ValueOrFail(directory_->clients.SetClientStatus(
      testing::As("owner"), names::ClientName{firm_, inactive.company_id()},
      v1::ClientStatus::INACTIVE));
  const ClientRecord theirs = ClientLedBy("bruno", "Neri Srl");
  const TodoRecord open = TodoFor("anna", a.company_id());
  TodoRecord done = TodoFor("anna", b.company_id());
  TodoRecord patch;
  patch.set_state(v1::Todo::DONE);
  patch.set_progress(100);
  done = ValueOrFail(
      directory_->todos.UpdateTodo(testing::As("anna"), names::TodoName{firm_, done.id()},
                                   patch, {"state", "progress"}, EtagOf(done)));
  const TodoRecord other = TodoFor("bruno", a.company_id());
  ASSERT_THAT(directory_->listing.UpdateListView(testing::As("anna"),
                                                 names::ClientListViewName{firm_, "anna"},
                                                 {"client_number"}),
              IsOk());

  RemovedMember removed = ValueOrFail(Remove("anna", "bruno"));

  EXPECT_EQ(removed.member.user_id(), "anna");
  EXPECT_EQ(removed.reassigned_to, "bruno");
  EXPECT_EQ(removed.clients_reassigned, 3);
  EXPECT_EQ(removed.todos_reassigned, 1);
  EXPECT_FALSE(IsMember("anna"));
  EXPECT_TRUE(LedBy("anna").empty());
  EXPECT_EQ(LedBy("bruno").size(), 4u);
  ClientRecord moved = ValueOrFail(directory_->clients.GetClient(
      testing::As("owner"), names::ClientName{firm_, a.company_id()}));
  EXPECT_EQ(moved.lead_accountant_user_id(), "bruno");
  EXPECT_NE(EtagOf(moved), EtagOf(a)) << "a reassigned client's etag changes";
  EXPECT_EQ(ValueOrFail(directory_->todos.GetTodo(testing::As("owner"),
                                                  names::TodoName{firm_, open.id()}))
                .assignee_user_id(),
            "bruno");
  EXPECT_EQ(ValueOrFail(directory_->todos.GetTodo(testing::As("owner"),
                                                  names::TodoName{firm_, done.id()}))
                .assignee_user_id(),
            "anna")
      << "a closed to-do keeps who did it";
  EXPECT_EQ(ValueOrFail(directory_->todos.GetTodo(testing::As("owner"),
                                                  names::TodoName{firm_, other.id()}))
                .revision(),
            other.revision());
  EXPECT_EQ(ValueOrFail(
                directory_->clients.GetClient(
                    testing::As("owner"), names::ClientName{firm_, theirs.company_id()}))
                .revision(),
            theirs.revision());
  EXPECT_FALSE(store_->list_views().GetListView(firm_, "anna").value().has_value());
}

TEST_F(MemberRemovalTest, TheRemovedUserIsDeniedEveryCallForTheFirmAtOnce) {
  const ClientRecord c = ClientLedBy("bruno", "Rossi SRL");
  ASSERT_THAT(directory_->clients.GetClient(testing::As("anna"),
                                            names::ClientName{firm_, c.company_id()}),
              IsOk());
  ASSERT_THAT(Remove("anna"), IsOk());
  EXPECT_THAT(directory_->clients.GetClient(testing::As("anna"),
                                            names::ClientName{firm_, c.company_id()}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(
      directory_->clients.CreateClient(testing::As("anna"), names::FirmName{firm_},
                                       Draft("Mine"), false, "", true),
      StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(
      directory_->firms.ListMembers(testing::As("anna"), names::FirmName{firm_}, {}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(
      ValueOrFail(directory_->firms.ListMyFirms(testing::As("anna"), {})).items.empty());
}

TEST_F(MemberRemovalTest, OnlyAdminsRemoveAndStrangersLearnNothing) {
  EXPECT_THAT(Remove("bruno", "", "anna"), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Remove("bruno", "", "rival"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Remove("nobody", "", "rival"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(directory_->removal.RemoveMember(
                  testing::As("admin"), names::MemberName{rival_firm_, "rival"}, "", ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(IsMember("bruno"));
  EXPECT_THAT(Remove("nobody"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Remove("bruno", "", "owner"), IsOk()) << "the primary admin is an admin";
}

TEST_F(MemberRemovalTest, ThePrimaryAdminIsNeverRemoved) {
  absl::StatusOr<RemovedMember> removed = Remove("owner", "admin");
  EXPECT_THAT(removed, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(errors::ReasonOf(removed.status()), "MEMBER_IS_PRIMARY_ADMIN");
  EXPECT_TRUE(IsMember("owner"));
}

TEST_F(MemberRemovalTest, WithoutReassignToWorkIsNeverLeftDangling) {
  const ClientRecord a = ClientLedBy("anna", "Rossi SRL");
  ClientLedBy("anna", "Bianchi SpA");
  TodoFor("anna", a.company_id());
  absl::StatusOr<RemovedMember> removed = Remove("anna");
  EXPECT_THAT(removed, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(errors::ReasonOf(removed.status()), "MEMBER_HAS_CLIENTS");
  EXPECT_THAT(errors::ReasonMetadataOf(removed.status()),
              ElementsAre(Pair("clients", "2"), Pair("open_todos", "1")));
  EXPECT_THAT(removed.status().message(),
              HasSubstr("leads 2 clients and holds 1 open to-do:"));
  EXPECT_TRUE(IsMember("anna"));
  EXPECT_EQ(LedBy("anna").size(), 2u);

  const ClientRecord b = ClientLedBy("bruno", "Neri Srl");
  TodoFor("admin", b.company_id());
  removed = Remove("admin", "", "owner");
  EXPECT_EQ(errors::ReasonOf(removed.status()), "MEMBER_HAS_OPEN_TODOS");
  EXPECT_THAT(errors::ReasonMetadataOf(removed.status()),
              ElementsAre(Pair("clients", "0"), Pair("open_todos", "1")));
  EXPECT_THAT(removed.status().message(),
              HasSubstr("leads 0 clients and holds 1 open to-do:"));
  EXPECT_TRUE(IsMember("admin"));
}

// One write carries a member's work or none: a removal whose write would
// pass its bound is refused, nothing changed (2,000 clients of 21 KB took
// the directory past its pod's 1 GiB). Here the bound is 1 MiB: 10 clients
// of 21 KB (about 1 MB of batch) go, 11 do not.
TEST_F(MemberRemovalTest, WorkPastWhatOneWriteCarriesIsRefusedNothingChanged) {
  MemberRemoval bounded(directory_->core, size_t{1} << 20);
  for (int i = 0; i < 10; ++i) NewLargeClient(firm_, absl::StrCat("Anna ", i), "anna");
  for (int i = 0; i < 11; ++i) NewLargeClient(firm_, absl::StrCat("Bruno ", i), "bruno");
  auto removed = bounded.RemoveMember(testing::As("admin"),
                                      names::MemberName{firm_, "bruno"}, "admin", "");
  EXPECT_THAT(removed, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(errors::ReasonOf(removed.status()), "MEMBER_HAS_TOO_MUCH_WORK");
  EXPECT_TRUE(IsMember("bruno"));
  EXPECT_EQ(LedBy("bruno").size(), 11u);
  EXPECT_THAT(bounded.RemoveMember(testing::As("admin"), names::MemberName{firm_, "anna"},
                                   "admin", ""),
              IsOk());
  EXPECT_EQ(LedBy("admin").size(), 10u);
}

// Until a removal knows its work is small it reads a small write's worth
// (a page past 1 MiB at most): a refusal then counts "at least", and the
// whole is read only in the process's place for a large write, so removals
// in many firms at once do not each read a large member's work before all
// but one are refused.
TEST_F(MemberRemovalTest, ALargeMembersWorkIsReadWholeOnlyInThePlaceForALargeWrite) {
  for (int i = 0; i < 300; ++i) NewLargeClient(firm_, absl::StrCat("Bruno ", i), "bruno");
  absl::StatusOr<RemovedMember> refused = Remove("bruno");
  EXPECT_EQ(errors::ReasonOf(refused.status()), "MEMBER_HAS_CLIENTS");
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("bruno leads at least "));
  EXPECT_LT(std::stoi(errors::ReasonMetadataOf(refused.status())["clients"]), 300);
  {
    auto place = directory_->core.PlaceForWrite(kSmallWriteBytes + 1);
    ASSERT_THAT(place, IsOk());
    EXPECT_EQ(errors::ReasonOf(Remove("bruno", "admin").status()), "LARGE_WRITE_BUSY");
  }
  RemovedMember removed = ValueOrFail(Remove("bruno", "admin"));
  EXPECT_EQ(removed.clients_reassigned, 300);
  EXPECT_THAT(LedBy("bruno"), ::testing::IsEmpty());
}

TEST_F(MemberRemovalTest, AMemberWithNoWorkIsRemovedWithoutReassignTo) {
  ClientLedBy("anna", "Rossi SRL");
  RemovedMember removed = ValueOrFail(Remove("bruno"));
  EXPECT_EQ(removed.reassigned_to, "");
  EXPECT_EQ(removed.clients_reassigned, 0);
  EXPECT_FALSE(IsMember("bruno"));
}

// A member who leaves and is added again goes on from the etags it had: one
// read before it left (of the member, of its list view) is stale, never
// taken for the new member's (AIP-154), however often it comes back.
TEST_F(MemberRemovalTest, AMemberAddedAgainGoesOnFromItsEtags) {
  const names::MemberName bruno{firm_, "bruno"};
  const names::ClientListViewName view{firm_, "bruno"};
  MemberRecord patch;
  patch.set_display_name("Bruno B.");
  MemberRecord before = ValueOrFail(directory_->firms.UpdateMember(
      testing::As("admin"), bruno, patch, {"display_name"}, "r1"));
  ASSERT_EQ(EtagOf(before), "r2");
  const ListViewRecord saved = ValueOrFail(directory_->listing.UpdateListView(
      testing::As("bruno"), view, {"display_name"}, ""));
  ASSERT_EQ(EtagOf(saved), "r1");

  for (const auto& [member_etag, view_etag] :
       {std::pair<std::string, std::string>{"r3", "r2"}, {"r4", "r2"}}) {
    ASSERT_THAT(Remove("bruno"), IsOk());
    AddMember(firm_, "bruno", v1::Role::STAFF);
    const MemberRecord again =
        ValueOrFail(directory_->firms.GetMember(testing::As("admin"), bruno));
    EXPECT_EQ(EtagOf(again), member_etag);
    EXPECT_EQ(again.display_name(), "") << "the new member is no copy of the old";
    const ListViewRecord defaults =
        ValueOrFail(directory_->listing.GetListView(testing::As("bruno"), view));
    EXPECT_EQ(EtagOf(defaults), view_etag);
    EXPECT_GT(defaults.columns_size(), 1) << "the defaults, not the saved view";
  }
  EXPECT_THAT(directory_->firms.UpdateMember(testing::As("admin"), bruno, patch,
                                             {"display_name"}, EtagOf(before)),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(directory_->listing.UpdateListView(testing::As("bruno"), view,
                                                 {"client_number"}, EtagOf(saved)),
              StatusIs(absl::StatusCode::kAborted));
  // The current etags still work.
  EXPECT_THAT(directory_->listing.UpdateListView(testing::As("bruno"), view,
                                                 {"client_number"}, "r2"),
              IsOk());
  EXPECT_THAT(directory_->firms.UpdateMember(testing::As("admin"), bruno, patch,
                                             {"display_name"}, "r4"),
              IsOk());
}

TEST_F(MemberRemovalTest, AClientsPrimaryAdminStaysUntilTheClientNamesAnother) {
  ClientRecord draft = Draft("Rossi SRL");
  draft.set_lead_accountant_user_id("bruno");
  const ClientRecord c = ValueOrFail(
      directory_->clients.CreateClient(testing::As("anna"), names::FirmName{firm_}, draft,
                                       /*make_me_primary_admin=*/true, "", true));
  absl::StatusOr<RemovedMember> removed = Remove("anna", "bruno");
  EXPECT_THAT(removed, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(errors::ReasonOf(removed.status()), "MEMBER_IS_CLIENT_PRIMARY_ADMIN");
  EXPECT_EQ(errors::ReasonMetadataOf(removed.status())["clients"], "1");
  EXPECT_TRUE(IsMember("anna"));

  ASSERT_THAT(directory_->clients.ChangeClientPrimaryAdmin(
                  testing::As("anna"), names::ClientName{firm_, c.company_id()}, "ceo"),
              IsOk());
  EXPECT_THAT(Remove("anna", "bruno"), IsOk());
}

TEST_F(MemberRemovalTest, WorkGoesOnlyToAnotherMemberOfTheFirm) {
  ClientLedBy("anna", "Rossi SRL");
  EXPECT_THAT(Remove("anna", "anna"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Remove("anna", "rival"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Remove("anna", "bruno", "admin", "bad id with spaces"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(IsMember("anna"));
  EXPECT_EQ(LedBy("anna").size(), 1u);
}

TEST_F(MemberRemovalTest, ARetryWithTheSameRequestIdReturnsTheFirstResult) {
  ClientLedBy("anna", "Rossi SRL");
  RemovedMember first = ValueOrFail(Remove("anna", "bruno", "admin", "leave-1"));
  RemovedMember again = ValueOrFail(Remove("anna", "bruno", "admin", "leave-1"));
  EXPECT_EQ(again.member.user_id(), "anna");
  EXPECT_EQ(again.reassigned_to, "bruno");
  EXPECT_EQ(again.clients_reassigned, first.clients_reassigned);
  EXPECT_THAT(Remove("bruno", "admin", "admin", "leave-1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(IsMember("bruno"));
}

TEST_F(MemberRemovalTest, SixtyFourRacingRemovalsOfOneMemberHaveOneWinner) {
  for (int i = 0; i < 20; ++i) ClientLedBy("anna", absl::StrCat("Client ", i));
  std::atomic<int> won{0};
  std::atomic<int> not_found{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 64; ++i) {
    callers.emplace_back([&] {
      absl::StatusOr<RemovedMember> removed = Remove("anna", "bruno");
      if (removed.ok()) ++won;
      if (removed.status().code() == absl::StatusCode::kNotFound) ++not_found;
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(won, 1);
  EXPECT_EQ(not_found, 63);
  EXPECT_EQ(LedBy("bruno").size(), 20u);
}

// Assignments to anna race her removal: whichever commits first, no client
// ends led by, and no open to-do assigned to, a removed member.
TEST_F(MemberRemovalTest, ARemovalRacingAssignmentsNeverLeavesWorkWithTheRemoved) {
  const ClientRecord target = ClientLedBy("bruno", "Rossi SRL");
  std::atomic<bool> removed{false};
  std::vector<std::thread> callers;
  for (int i = 0; i < 16; ++i) {
    callers.emplace_back([&, i] {
      for (int round = 0; round < 8; ++round) {
        ClientRecord draft = Draft(absl::StrCat("New ", i, "-", round));
        draft.set_lead_accountant_user_id("anna");
        directory_->clients
            .CreateClient(testing::As("owner"), names::FirmName{firm_}, draft, false, "",
                          true)
            .IgnoreError();
        ClientRecord current = ValueOrFail(directory_->clients.GetClient(
            testing::As("owner"), names::ClientName{firm_, target.company_id()}));
        ClientRecord patch;
        patch.set_lead_accountant_user_id("anna");
        directory_->clients
            .UpdateClient(testing::As("owner"),
                          names::ClientName{firm_, target.company_id()}, patch,
                          {"lead_accountant"}, EtagOf(current))
            .IgnoreError();
        TodoRecord todo;
        todo.set_company_id(target.company_id());
        todo.set_title("Call back");
        todo.set_assignee_user_id("anna");
        directory_->todos
            .CreateTodo(testing::As("owner"), names::FirmName{firm_}, todo, "")
            .IgnoreError();
        directory_->clients
            .CreateClient(testing::As("anna"), names::FirmName{firm_},
                          Draft("Anna's own"), false, "", true)
            .IgnoreError();
      }
    });
  }
  callers.emplace_back([&] { removed = Remove("anna", "bruno").ok(); });
  for (std::thread& t : callers) t.join();
  ASSERT_TRUE(removed);
  EXPECT_TRUE(LedBy("anna").empty());
  TodoQuery open;
  open.firm_id = firm_;
  open.assignee = "anna";
  open.open_only = true;
  EXPECT_TRUE(
      ValueOrFail(directory_->todos.ListTodos(testing::As("owner"), open)).items.empty());
}

}  // namespace
}  // namespace clientbook::directory
