#include <atomic>
#include <thread>

#include "common/status/errors.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/directory/directory_fixture.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Property;
using ::testing::UnorderedElementsAre;

class FirmTest : public DirectoryTest {};

TEST_F(FirmTest, CreatorBecomesTheOnlyPrimaryAdmin) {
  uint64_t firm = NewFirm("owner");
  auto members =
      directory_->firms.ListMembers(testing::As("owner"), names::FirmName{firm}, {});
  ASSERT_THAT(members, IsOk());
  ASSERT_EQ(members->items.size(), 1u);
  EXPECT_EQ(members->items[0].user_id(), "owner");
  EXPECT_EQ(members->items[0].role(), v1::Role::PRIMARY_ADMIN);
}

TEST_F(FirmTest, RetryWithSameRequestIdReturnsTheFirstFirm) {
  auto first = directory_->firms.CreateFirm(testing::As("owner"), "Studio", "o@x.example",
                                            "", "req-1");
  auto retry = directory_->firms.CreateFirm(testing::As("owner"), "Studio", "o@x.example",
                                            "", "req-1");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(first->id(), retry->id());
  auto mine = directory_->firms.ListMyFirms(testing::As("owner"), {});
  ASSERT_THAT(mine, IsOk());
  EXPECT_EQ(mine->items.size(), 1u);
}

size_t CountMyFirms(Directory& directory, const auth::Caller& caller) {
  size_t count = 0;
  storage::PageRequest page{.page_size = 1000};
  do {
    auto listed = directory.firms.ListMyFirms(caller, page);
    EXPECT_THAT(listed, IsOk());
    if (!listed.ok()) return count;
    count += listed->items.size();
    page.page_token = listed->next_page_token;
  } while (!page.page_token.empty());
  return count;
}

// One user creates 1,000 firms in any 30 days; the 1,001st is refused, with
// nothing written, until the oldest of them is 30 days old. A retry of a
// firm already created still answers it, and another user is not counted.
TEST_F(FirmTest, AUserCreates1000FirmsInAny30Days) {
  auto create = [&](const std::string& user, const std::string& request_id) {
    return directory_->firms.CreateFirm(testing::As(user), "Studio", "o@x.example", "",
                                        request_id);
  };
  ASSERT_THAT(create("owner", "first"), IsOk());
  for (size_t i = 2; i < kMaxFirmsCreatedPerUser; ++i) NewFirm("owner");
  clock_.Advance(absl::Hours(24));
  NewFirm("owner");

  auto refused = create("owner", "");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(errors::ReasonOf(refused.status()),
              Optional(std::string("TOO_MANY_FIRMS")));
  EXPECT_THAT(errors::QuotaSubjectsOf(refused.status()), ElementsAre("users/owner"));
  EXPECT_EQ(errors::RetryDelayOf(refused.status()), absl::Hours(24 * 29));
  EXPECT_EQ(CountMyFirms(*directory_, testing::As("owner")), kMaxFirmsCreatedPerUser);
  EXPECT_THAT(create("owner", "first"), IsOk());
  EXPECT_THAT(create("other-owner", ""), IsOk());

  clock_.Advance(absl::Hours(24 * 29) - absl::Seconds(1));
  refused = create("owner", "");
  EXPECT_EQ(errors::RetryDelayOf(refused.status()), absl::Seconds(1));
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(create("owner", ""), IsOk());
  EXPECT_EQ(CountMyFirms(*directory_, testing::As("owner")), kMaxFirmsCreatedPerUser + 1);
}

// 64 callers racing as one user create 1,000 firms between them, no more:
// the quota is counted under the user's lock.
TEST_F(FirmTest, RacingCreatesOfOneUserStopAtItsQuota) {
  std::atomic<int> created = 0, refused = 0;
  std::vector<std::thread> callers;
  for (int i = 0; i < 64; ++i) {
    callers.emplace_back([&] {
      for (int k = 0; k < 17; ++k) {
        auto firm = directory_->firms.CreateFirm(testing::As("owner"), "Studio",
                                                 "o@x.example", "", "");
        if (firm.ok()) {
          ++created;
        } else if (errors::ReasonOf(firm.status()) == "TOO_MANY_FIRMS") {
          ++refused;
        }
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(created.load(), static_cast<int>(kMaxFirmsCreatedPerUser));
  EXPECT_EQ(refused.load(), 64 * 17 - static_cast<int>(kMaxFirmsCreatedPerUser));
  EXPECT_EQ(CountMyFirms(*directory_, testing::As("owner")), kMaxFirmsCreatedPerUser);
}

TEST_F(FirmTest, ReportsEveryInvalidField) {
  auto firm =
      directory_->firms.CreateFirm(testing::As("owner"), "  ", "not-an-email", "", "");
  EXPECT_THAT(firm, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(errors::FieldViolationsOf(firm.status()),
              ElementsAre(Field(&errors::FieldViolation::field, "firm.display_name"),
                          Field(&errors::FieldViolation::field, "creator_email")));
}

TEST_F(FirmTest, NonMemberCannotTellAnExistingFirmFromAMissingOne) {
  uint64_t firm = NewFirm("owner");
  auto existing =
      directory_->firms.GetFirm(testing::As("stranger"), names::FirmName{firm});
  auto missing =
      directory_->firms.GetFirm(testing::As("stranger"), names::FirmName{firm + 1000});
  EXPECT_THAT(existing, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(FirmTest, ThePrimaryAdminCannotHandTheRoleToThemselves) {
  uint64_t firm = NewFirm("owner");
  auto self = directory_->firms.TransferPrimaryAdmin(testing::As("owner"),
                                                     names::FirmName{firm}, "owner");
  ASSERT_THAT(self, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(self.status())[0].field, "new_primary_admin");
}

// A transfer whose answer was lost: its retry came from a caller no longer
// the primary admin, and was refused PERMISSION_DENIED as if nothing had
// happened. Under its request id it answers the first result.
TEST_F(FirmTest, ARetriedTransferAnswersTheFirstResult) {
  const uint64_t firm = NewFirm("owner");
  AddMember(firm, "bruno", v1::Role::STAFF);
  AddMember(firm, "carol", v1::Role::STAFF);
  auto first = directory_->firms.TransferPrimaryAdmin(
      testing::As("owner"), names::FirmName{firm}, "bruno", "hand-over-1");
  ASSERT_THAT(first, IsOk()) << first.status();
  auto retry = directory_->firms.TransferPrimaryAdmin(
      testing::As("owner"), names::FirmName{firm}, "bruno", "hand-over-1");
  ASSERT_THAT(retry, IsOk()) << retry.status();
  EXPECT_EQ(retry->first.role(), v1::Role::ADMIN);
  EXPECT_EQ(retry->second.role(), v1::Role::PRIMARY_ADMIN);
  EXPECT_EQ(EtagOf(retry->first), EtagOf(first->first));
  EXPECT_EQ(EtagOf(retry->second), EtagOf(first->second));
  // Nothing moved twice.
  EXPECT_EQ(EtagOf(testing::ValueOrFail(directory_->firms.GetMember(
                testing::As("owner"), names::MemberName{firm, "bruno"}))),
            EtagOf(first->second));
  // Without the id, or with it for another member, the caller is an admin now.
  EXPECT_THAT(directory_->firms.TransferPrimaryAdmin(testing::As("owner"),
                                                     names::FirmName{firm}, "bruno"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(directory_->firms.TransferPrimaryAdmin(
                  testing::As("owner"), names::FirmName{firm}, "carol", "hand-over-1"),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  // A stranger holding the id is no member.
  EXPECT_THAT(directory_->firms.TransferPrimaryAdmin(
                  testing::As("stranger"), names::FirmName{firm}, "bruno", "hand-over-1"),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(FirmTest, SixtyFourRacingTransfersUnderOneRequestIdMoveTheRoleOnce) {
  const uint64_t firm = NewFirm("owner");
  AddMember(firm, "bruno", v1::Role::STAFF);
  std::atomic<int> ok = 0;
  std::vector<std::thread> racers;
  for (int i = 0; i < 64; ++i) {
    racers.emplace_back([&] {
      auto moved = directory_->firms.TransferPrimaryAdmin(
          testing::As("owner"), names::FirmName{firm}, "bruno", "hand-over-race");
      if (moved.ok() && moved->second.user_id() == "bruno") ++ok;
    });
  }
  for (std::thread& racer : racers) racer.join();
  EXPECT_EQ(ok.load(), 64);
  EXPECT_EQ(EtagOf(testing::ValueOrFail(directory_->firms.GetMember(
                testing::As("owner"), names::MemberName{firm, "bruno"}))),
            "r2");
}

// Memberships are cached in the store (MemberCache); every member write is
// seen by the very next call, a refusal read before it included.
TEST_F(FirmTest, AMembershipChangeIsSeenByTheNextCall) {
  uint64_t firm = NewFirm("owner");
  EXPECT_THAT(directory_->firms.GetFirm(testing::As("bruno"), names::FirmName{firm}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  AddMember(firm, "bruno", v1::Role::STAFF);
  EXPECT_THAT(directory_->firms.GetFirm(testing::As("bruno"), names::FirmName{firm}),
              IsOk());
  EXPECT_THAT(directory_->firms.TransferPrimaryAdmin(testing::As("bruno"),
                                                     names::FirmName{firm}, "owner"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_THAT(directory_->firms.TransferPrimaryAdmin(testing::As("owner"),
                                                     names::FirmName{firm}, "bruno"),
              IsOk());
  EXPECT_THAT(directory_->firms.TransferPrimaryAdmin(testing::As("bruno"),
                                                     names::FirmName{firm}, "owner"),
              IsOk());
  EXPECT_THAT(directory_->firms.TransferPrimaryAdmin(testing::As("bruno"),
                                                     names::FirmName{firm}, "owner"),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(FirmTest, ListMyFirmsShowsOnlyTheCallersFirms) {
  uint64_t a = NewFirm("owner");
  NewFirm("other");
  uint64_t c = NewFirm("third");
  MemberRecord m;
  m.set_user_id("owner");
  m.set_email("owner@third.example");
  m.set_role(v1::Role::STAFF);
  ASSERT_THAT(directory_->firms.AddMember(testing::As("third"), names::FirmName{c}, m),
              IsOk());
  auto mine = directory_->firms.ListMyFirms(testing::As("owner"), {});
  ASSERT_THAT(mine, IsOk());
  EXPECT_THAT(mine->items, UnorderedElementsAre(Property(&FirmRecord::id, a),
                                                Property(&FirmRecord::id, c)));
}

TEST_F(FirmTest, ListMyFirmsPagesThroughTheCallersFirmsInIdOrder) {
  const uint64_t a = NewFirm("owner");
  NewFirm("other");
  const uint64_t b = NewFirm("owner");
  const uint64_t c = NewFirm("owner");
  std::vector<uint64_t> seen;
  PageRequest page{.page_size = 1};
  for (int call = 0; call < 5; ++call) {
    auto mine = directory_->firms.ListMyFirms(testing::As("owner"), page);
    ASSERT_THAT(mine, IsOk());
    ASSERT_LE(mine->items.size(), 1u);
    for (const FirmRecord& firm : mine->items) {
      EXPECT_EQ(firm.display_name(), "Firm of owner");
      seen.push_back(firm.id());
    }
    if (mine->next_page_token.empty()) break;
    page.page_token = mine->next_page_token;
  }
  EXPECT_THAT(seen, ElementsAre(a, b, c));
}

// Two admins renaming the firm at once: the later overwrote the earlier
// without a word, as a firm had no etag.
TEST_F(FirmTest, AStaleEtagIsAbortedAndAnUpdateWithoutOneStillApplies) {
  const uint64_t firm = NewFirm("owner");
  // A new firm and its first member start at r1, as every resource does.
  EXPECT_EQ(EtagOf(testing::ValueOrFail(
                directory_->firms.GetFirm(testing::As("owner"), names::FirmName{firm}))),
            "r1");
  EXPECT_EQ(EtagOf(testing::ValueOrFail(directory_->firms.GetMember(
                testing::As("owner"), names::MemberName{firm, "owner"}))),
            "r1");
  FirmRecord patch;
  patch.set_display_name("Studio Rossi");
  auto renamed = directory_->firms.UpdateFirm(testing::As("owner"), names::FirmName{firm},
                                              patch, {"display_name"}, "r1");
  ASSERT_THAT(renamed, IsOk()) << renamed.status();
  EXPECT_EQ(EtagOf(*renamed), "r2");
  patch.set_display_name("Studio Bianchi");
  auto stale = directory_->firms.UpdateFirm(testing::As("owner"), names::FirmName{firm},
                                            patch, {"display_name"}, "r1");
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(errors::ReasonOf(stale.status()), "STALE_ETAG");
  auto now = testing::ValueOrFail(
      directory_->firms.GetFirm(testing::As("owner"), names::FirmName{firm}));
  EXPECT_EQ(now.display_name(), "Studio Rossi");
  // Optional: callers that never sent one keep working.
  auto unguarded = directory_->firms.UpdateFirm(
      testing::As("owner"), names::FirmName{firm}, patch, {"display_name"});
  ASSERT_THAT(unguarded, IsOk());
  EXPECT_EQ(EtagOf(*unguarded), "r3");
  // A change of nothing keeps it.
  EXPECT_EQ(
      EtagOf(testing::ValueOrFail(directory_->firms.UpdateFirm(
          testing::As("owner"), names::FirmName{firm}, patch, {"display_name"}, "r3"))),
      "r3");
}

// An update of the firm or of a member whose answer was lost, retried under
// its request id, is answered the resource as it is now rather than
// ABORTED by the etag its first call moved; the id names one request.
TEST_F(FirmTest, UpdatesRetriedUnderTheirRequestIdAreAnsweredNotAborted) {
  const uint64_t firm = NewFirm("owner");
  AddMember(firm, "bruno", v1::Role::STAFF);
  FirmRecord patch;
  patch.set_display_name("Studio Rossi");
  auto rename = [&](const std::string& request_id) {
    return directory_->firms.UpdateFirm(testing::As("owner"), names::FirmName{firm},
                                        patch, {"display_name"}, "r1", request_id);
  };
  EXPECT_EQ(EtagOf(testing::ValueOrFail(rename("rename-1"))), "r2");
  EXPECT_EQ(EtagOf(testing::ValueOrFail(rename("rename-1"))), "r2");
  EXPECT_THAT(rename(""), StatusIs(absl::StatusCode::kAborted));

  const names::MemberName bruno{firm, "bruno"};
  MemberRecord promote;
  promote.set_user_id("bruno");
  promote.set_role(v1::Role::ADMIN);
  auto update = [&](const MemberRecord& p, const std::string& request_id) {
    return directory_->firms.UpdateMember(testing::As("owner"), bruno, p, {"role"}, "r1",
                                          request_id);
  };
  const MemberRecord first = testing::ValueOrFail(update(promote, "promote-bruno"));
  const MemberRecord again = testing::ValueOrFail(update(promote, "promote-bruno"));
  EXPECT_EQ(again.role(), v1::Role::ADMIN);
  EXPECT_EQ(EtagOf(again), EtagOf(first)) << "written once";
  EXPECT_THAT(update(promote, ""), StatusIs(absl::StatusCode::kAborted));
  MemberRecord demote = promote;
  demote.set_role(v1::Role::STAFF);
  EXPECT_THAT(update(demote, "promote-bruno"),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_THAT(directory_->firms.UpdateMember(testing::As("stranger"), bruno, promote,
                                             {"role"}, "r1", "promote-bruno"),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(FirmTest, AdminsAddMembersAndStaffCannot) {
  uint64_t firm = NewFirm();
  AddMember(firm, "admin", v1::Role::ADMIN);
  AddMember(firm, "staff", v1::Role::STAFF);
  MemberRecord m;
  m.set_user_id("newbie");
  m.set_email("newbie@firm.example");
  m.set_role(v1::Role::STAFF);
  EXPECT_THAT(directory_->firms.AddMember(testing::As("staff"), names::FirmName{firm}, m),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(directory_->firms.AddMember(testing::As("admin"), names::FirmName{firm}, m),
              IsOk());
  EXPECT_THAT(directory_->firms.AddMember(testing::As("admin"), names::FirmName{firm}, m),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

// An add whose answer was lost was ALREADY_EXISTS when retried: the admin
// could not tell its own add from another admin's.
TEST_F(FirmTest, AnAddRetriedUnderItsRequestIdIsAnsweredTheMember) {
  const uint64_t firm = NewFirm();
  AddMember(firm, "admin", v1::Role::ADMIN);
  MemberRecord m;
  m.set_user_id("newbie");
  m.set_email("newbie@firm.example");
  m.set_role(v1::Role::STAFF);
  auto add = [&](const MemberRecord& member, const std::string& request_id) {
    return directory_->firms.AddMember(testing::As("admin"), names::FirmName{firm},
                                       member, request_id);
  };
  std::vector<absl::StatusOr<MemberRecord>> answers(64);
  std::vector<std::thread> racers;
  for (int i = 0; i < 64; ++i) {
    racers.emplace_back([&, i] { answers[i] = add(m, "add-newbie"); });
  }
  for (std::thread& racer : racers) racer.join();
  for (const absl::StatusOr<MemberRecord>& answer : answers) {
    ASSERT_THAT(answer, IsOk()) << answer.status();
    EXPECT_EQ(answer->user_id(), "newbie");
    EXPECT_EQ(EtagOf(*answer), "r1") << "added once";
  }
  EXPECT_THAT(add(m, ""), StatusIs(absl::StatusCode::kAlreadyExists));
  MemberRecord other = m;
  other.set_user_id("other");
  EXPECT_THAT(add(other, "add-newbie"),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_THAT(add(m, std::string(129, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  // Answered only while the caller may add members.
  MemberRecord demote;
  demote.set_role(v1::Role::STAFF);
  ASSERT_THAT(
      directory_->firms.UpdateMember(
          testing::As("owner"), names::MemberName{firm, "admin"}, demote, {"role"}, "r1"),
      IsOk());
  EXPECT_THAT(add(m, "add-newbie"), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(FirmTest, NoSecondPrimaryAdminByAddingMembers) {
  uint64_t firm = NewFirm();
  MemberRecord m;
  m.set_user_id("usurper");
  m.set_email("u@firm.example");
  m.set_role(v1::Role::PRIMARY_ADMIN);
  auto added =
      directory_->firms.AddMember(testing::As("owner"), names::FirmName{firm}, m);
  EXPECT_THAT(added, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(added.status().message(), HasSubstr("TransferPrimaryAdmin"));
}

// UpdateFirmMember: who may change what.
class UpdateMemberTest : public FirmTest {
 protected:
  void SetUp() override {
    FirmTest::SetUp();
    firm_ = NewFirm();
    AddMember(firm_, "admin", v1::Role::ADMIN);
    AddMember(firm_, "staff", v1::Role::STAFF);
  }
  std::string EtagOfMember(const std::string& user) {
    auto members =
        directory_->firms.ListMembers(testing::As("owner"), names::FirmName{firm_}, {});
    for (const MemberRecord& m : members->items) {
      if (m.user_id() == user) return EtagOf(m);
    }
    return "";
  }
  absl::StatusOr<MemberRecord> SetRole(const std::string& by, const std::string& user,
                                       v1::Role role) {
    MemberRecord patch;
    patch.set_role(role);
    return directory_->firms.UpdateMember(testing::As(by), names::MemberName{firm_, user},
                                          patch, {"role"}, EtagOfMember(user));
  }
  uint64_t firm_ = 0;
};

TEST_F(UpdateMemberTest, AdminsChangeRolesAndStaffCannot) {
  EXPECT_THAT(SetRole("staff", "admin", v1::Role::STAFF),
              StatusIs(absl::StatusCode::kPermissionDenied, "only admins"));
  auto promoted = SetRole("admin", "staff", v1::Role::ADMIN);
  ASSERT_THAT(promoted, IsOk()) << promoted.status();
  EXPECT_EQ(promoted->role(), v1::Role::ADMIN);
  // The new admin's rights hold from the next call.
  EXPECT_THAT(SetRole("staff", "admin", v1::Role::STAFF), IsOk());
  EXPECT_THAT(SetRole("admin", "staff", v1::Role::STAFF),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(UpdateMemberTest, NobodyMakesASecondPrimaryAdminOrDemotesThePrimaryAdmin) {
  auto second = SetRole("owner", "admin", v1::Role::PRIMARY_ADMIN);
  EXPECT_THAT(second,
              StatusIs(absl::StatusCode::kInvalidArgument, "TransferPrimaryAdmin"));
  auto demoted = SetRole("admin", "owner", v1::Role::STAFF);
  EXPECT_THAT(demoted, StatusIs(absl::StatusCode::kFailedPrecondition, "primary admin"));
  EXPECT_EQ(errors::ReasonOf(demoted.status()), "MEMBER_IS_PRIMARY_ADMIN");
  EXPECT_THAT(SetRole("owner", "owner", v1::Role::ADMIN),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(SetRole("owner", "staff", v1::Role::ROLE_UNSPECIFIED),
              StatusIs(absl::StatusCode::kInvalidArgument, "ADMIN or STAFF"));
}

// A member read and sent back whole (an update without a mask names every
// field it sets): the role as it is changes nothing, so staff edit their own
// details so, and the primary admin too; a role that differs is still
// theirs to change only as an admin.
TEST_F(UpdateMemberTest, ARoleSentAsItIsIsNoRoleChange) {
  for (const auto& [user, role] : {std::pair("staff", v1::Role::STAFF),
                                   std::pair("owner", v1::Role::PRIMARY_ADMIN)}) {
    MemberRecord patch;
    patch.set_role(role);
    patch.set_display_name(absl::StrCat("New ", user));
    patch.set_email(absl::StrCat(user, "@firm.example"));
    auto mine = directory_->firms.UpdateMember(
        testing::As(user), names::MemberName{firm_, user}, patch,
        {"role", "display_name", "email"}, EtagOfMember(user));
    ASSERT_THAT(mine, IsOk()) << user << ": " << mine.status();
    EXPECT_EQ(mine->display_name(), absl::StrCat("New ", user));
    EXPECT_EQ(mine->role(), role);
  }
  EXPECT_THAT(SetRole("staff", "staff", v1::Role::ADMIN),
              StatusIs(absl::StatusCode::kPermissionDenied, "only admins change"));
}

TEST_F(UpdateMemberTest, AMemberEditsTheirOwnDetailsButNotAnothersOrTheirRole) {
  MemberRecord patch;
  patch.set_display_name("  Sam Staff ");
  patch.set_email("sam@firm.example");
  auto mine = directory_->firms.UpdateMember(
      testing::As("staff"), names::MemberName{firm_, "staff"}, patch,
      {"display_name", "email"}, EtagOfMember("staff"));
  ASSERT_THAT(mine, IsOk()) << mine.status();
  EXPECT_EQ(mine->display_name(), "Sam Staff");
  EXPECT_EQ(mine->email(), "sam@firm.example");
  const auto anothers = directory_->firms.UpdateMember(
      testing::As("staff"), names::MemberName{firm_, "admin"}, patch, {"display_name"},
      EtagOfMember("admin"));
  EXPECT_THAT(anothers, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(errors::ReasonOf(anothers.status()), "ROLE_REQUIRED");
  EXPECT_EQ(errors::ReasonMetadataOf(anothers.status())["role"], "ADMIN");
  EXPECT_THAT(SetRole("staff", "staff", v1::Role::ADMIN),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(UpdateMemberTest, AStaleEtagIsAbortedAndABadFieldChangesNothing) {
  const std::string etag = EtagOfMember("staff");
  ASSERT_THAT(SetRole("owner", "staff", v1::Role::ADMIN), IsOk());
  MemberRecord patch;
  patch.set_role(v1::Role::STAFF);
  EXPECT_THAT(
      directory_->firms.UpdateMember(
          testing::As("owner"), names::MemberName{firm_, "staff"}, patch, {"role"}, etag),
      StatusIs(absl::StatusCode::kAborted));
  patch.set_email("not-an-email");
  const std::string before = EtagOfMember("staff");
  EXPECT_THAT(directory_->firms.UpdateMember(testing::As("owner"),
                                             names::MemberName{firm_, "staff"}, patch,
                                             {"email", "user_id"}, before),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(directory_->firms.UpdateMember(testing::As("owner"),
                                             names::MemberName{firm_, "staff"}, patch,
                                             {"email"}, before),
              StatusIs(absl::StatusCode::kInvalidArgument, "member.email"));
  // Without an etag: required, as a client's or a note's (it was refused as
  // stale, "changed since etag  was read").
  patch.set_email("staff@firm.example");
  EXPECT_THAT(
      directory_->firms.UpdateMember(
          testing::As("owner"), names::MemberName{firm_, "staff"}, patch, {"email"}, ""),
      StatusIs(absl::StatusCode::kInvalidArgument, "member.etag: is required"));
  EXPECT_EQ(EtagOfMember("staff"), before);
}

TEST_F(UpdateMemberTest, StrangersAndMissingMembersLearnNothing) {
  NewFirm("mallory");
  MemberRecord patch;
  patch.set_display_name("x");
  EXPECT_THAT(directory_->firms.UpdateMember(testing::As("mallory"),
                                             names::MemberName{firm_, "staff"}, patch,
                                             {"display_name"}, EtagOfMember("staff")),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(directory_->firms.UpdateMember(testing::As("owner"),
                                             names::MemberName{firm_, "ghost"}, patch,
                                             {"display_name"}, "r0"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(UpdateMemberTest, SixtyFourRacingUpdatesWithOneEtagHaveOneWinner) {
  const std::string etag = EtagOfMember("staff");
  std::atomic<int> won{0};
  std::atomic<int> aborted{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 64; ++i) {
    callers.emplace_back([&, i] {
      MemberRecord patch;
      patch.set_display_name(absl::StrCat("Name ", i));
      auto updated = directory_->firms.UpdateMember(testing::As("owner"),
                                                    names::MemberName{firm_, "staff"},
                                                    patch, {"display_name"}, etag);
      if (updated.ok()) ++won;
      if (updated.status().code() == absl::StatusCode::kAborted) ++aborted;
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(won, 1);
  EXPECT_EQ(aborted, 63);
}

TEST_F(UpdateMemberTest, ADisplayNameThatIsNotUtf8IsRefused) {
  MemberRecord patch;
  patch.set_display_name("Bruno \xC3\x28");
  const std::string before = EtagOfMember("staff");
  EXPECT_THAT(directory_->firms.UpdateMember(testing::As("owner"),
                                             names::MemberName{firm_, "staff"}, patch,
                                             {"display_name"}, before),
              StatusIs(absl::StatusCode::kInvalidArgument, "member.display_name"));
  EXPECT_EQ(EtagOfMember("staff"), before);
}

TEST_F(UpdateMemberTest, ATransferChangesBothMembersEtags) {
  const std::string owner = EtagOfMember("owner");
  const std::string admin = EtagOfMember("admin");
  ASSERT_THAT(directory_->firms.TransferPrimaryAdmin(testing::As("owner"),
                                                     names::FirmName{firm_}, "admin"),
              IsOk());
  EXPECT_NE(EtagOfMember("owner"), owner);
  EXPECT_NE(EtagOfMember("admin"), admin);
}

TEST_F(FirmTest, TransferMovesThePrimaryAdminRoleAndKeepsExactlyOne) {
  uint64_t firm = NewFirm();
  AddMember(firm, "admin", v1::Role::ADMIN);
  auto moved = directory_->firms.TransferPrimaryAdmin(testing::As("owner"),
                                                      names::FirmName{firm}, "admin");
  ASSERT_THAT(moved, IsOk()) << moved.status();
  auto members =
      directory_->firms.ListMembers(testing::As("owner"), names::FirmName{firm}, {});
  ASSERT_THAT(members, IsOk());
  int primary = 0;
  for (const auto& m : members->items) {
    if (m.role() == v1::Role::PRIMARY_ADMIN) {
      ++primary;
      EXPECT_EQ(m.user_id(), "admin");
    }
  }
  EXPECT_EQ(primary, 1);
  // The former primary admin is now an admin and cannot transfer again.
  EXPECT_THAT(directory_->firms.TransferPrimaryAdmin(testing::As("owner"),
                                                     names::FirmName{firm}, "admin"),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(FirmTest, TransferToANonMemberIsNotFound) {
  uint64_t firm = NewFirm();
  EXPECT_THAT(directory_->firms.TransferPrimaryAdmin(testing::As("owner"),
                                                     names::FirmName{firm}, "ghost"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(FirmTest, MembersPageThroughEveryMemberOnce) {
  uint64_t firm = NewFirm();
  for (int i = 0; i < 9; ++i) AddMember(firm, absl::StrCat("m", i), v1::Role::STAFF);
  std::vector<std::string> seen;
  PageRequest page{.page_size = 4, .page_token = ""};
  do {
    auto members =
        directory_->firms.ListMembers(testing::As("owner"), names::FirmName{firm}, page);
    ASSERT_THAT(members, IsOk()) << members.status();
    for (const auto& m : members->items) seen.push_back(m.user_id());
    page.page_token = members->next_page_token;
  } while (!page.page_token.empty());
  EXPECT_EQ(seen.size(), 10u);
}

}  // namespace
}  // namespace clientbook::directory
