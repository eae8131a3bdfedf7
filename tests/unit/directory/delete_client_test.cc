#include <thread>

#include "absl/synchronization/notification.h"
#include "common/keys/key_codec.h"
#include "common/status/errors.h"
#include "services/directory/store/directory_tables.h"
#include "tests/support/callers.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/directory/directory_fixture.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::Optional;

class DeleteClientTest : public DirectoryTest {
 protected:
  DeleteClientTest() : firm_(NewFirm()) { AddMember(firm_, "admin", v1::Role::ADMIN); }

  uint64_t firm_;
};

TEST_F(DeleteClientTest, PrimaryAdminDeletesAFreeClient) {
  ClientRecord c = NewClient(firm_, "Rossi", "R-1");
  ASSERT_THAT(directory_->clients.DeleteClient(testing::As("owner"),
                                               names::ClientName{firm_, c.company_id()}),
              IsOk());
  EXPECT_THAT(directory_->clients.GetClient(testing::As("owner"),
                                            names::ClientName{firm_, c.company_id()}),
              StatusIs(absl::StatusCode::kNotFound));
  // Its number and list entries are gone with it.
  EXPECT_TRUE(
      directory_->listing
          .ListClients(testing::As("owner"), {.firm_id = firm_, .show_inactive = true})
          ->items.empty());
  EXPECT_THAT(
      directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                       Draft("New", "r-1"), false, ""),
      IsOk());
}

TEST_F(DeleteClientTest, TheClientsNotesAndTodosGoWithIt) {
  ClientRecord c = NewClient(firm_, "Rossi");
  NoteRecord note;
  note.set_company_id(c.company_id());
  note.set_kind(v1::Note::GENERAL);
  note.set_text("nota riservata");
  const uint64_t note_id =
      directory_->notes
          .CreateNote(testing::As("owner"), names::FirmName{firm_}, note, "")
          ->id();
  NoteRecord deleted = note;
  deleted.set_text("già cancellata");
  const uint64_t deleted_id =
      directory_->notes
          .CreateNote(testing::As("owner"), names::FirmName{firm_}, deleted, "")
          ->id();
  ASSERT_THAT(directory_->notes.DeleteNote(testing::As("owner"),
                                           names::NoteName{firm_, deleted_id}, ""),
              IsOk());
  TodoRecord todo;
  todo.set_company_id(c.company_id());
  todo.set_title("bilancio");
  todo.set_assignee_user_id("admin");
  const uint64_t todo_id =
      directory_->todos
          .CreateTodo(testing::As("owner"), names::FirmName{firm_}, todo, "")
          ->id();

  ASSERT_THAT(directory_->clients.DeleteClient(testing::As("owner"),
                                               names::ClientName{firm_, c.company_id()}),
              IsOk());
  for (uint64_t id : {note_id, deleted_id}) {
    EXPECT_THAT(
        directory_->notes.GetNote(testing::As("owner"), names::NoteName{firm_, id}),
        StatusIs(absl::StatusCode::kNotFound));
  }
  EXPECT_THAT(
      directory_->todos.GetTodo(testing::As("owner"), names::TodoName{firm_, todo_id}),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(directory_->notes
                  .ListNotes(testing::As("owner"), {.firm_id = firm_, .query = "nota"})
                  ->items.empty());
  EXPECT_TRUE(directory_->todos.ListTodos(testing::As("owner"), {.firm_id = firm_})
                  ->items.empty());
  // Nothing is left for the purge either.
  clock_.Advance(absl::Hours(31 * 24));
  EXPECT_EQ(*directory_->notes.PurgeDeletedNotes(), 0u);
}

TEST_F(DeleteClientTest, OnlyThePrimaryAdminMayDelete) {
  ClientRecord c = NewClient(firm_, "Rossi");
  const absl::Status admin = directory_->clients.DeleteClient(
      testing::As("admin"), names::ClientName{firm_, c.company_id()});
  EXPECT_THAT(admin, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(errors::ReasonOf(admin), "ROLE_REQUIRED");
  EXPECT_EQ(errors::ReasonMetadataOf(admin)["role"], "PRIMARY_ADMIN");
  const absl::Status stranger = directory_->clients.DeleteClient(
      testing::As("mallory"), names::ClientName{firm_, c.company_id()});
  EXPECT_EQ(errors::ReasonOf(stranger), "NOT_A_MEMBER");
  EXPECT_THAT(directory_->clients.GetClient(testing::As("owner"),
                                            names::ClientName{firm_, c.company_id()}),
              IsOk());
}

// A role check that could not be made is no refusal: a member record that
// cannot be read is reported as such, not as PERMISSION_DENIED.
TEST_F(DeleteClientTest, AMemberRecordThatCannotBeReadIsNoRefusal) {
  ClientRecord c = NewClient(firm_, "Rossi");
  rocksdb::WriteBatch unreadable;
  unreadable.Put(
      storage::KeyBuilder(tables::kMember).Uint64(firm_).String("ghost").Release(),
      "\xff\xff not a member record");
  ASSERT_THAT(db_->Write(unreadable), IsOk());
  const absl::Status deleted = directory_->clients.DeleteClient(
      testing::As("ghost"), names::ClientName{firm_, c.company_id()});
  EXPECT_FALSE(deleted.ok());
  EXPECT_NE(deleted.code(), absl::StatusCode::kPermissionDenied) << deleted;
  EXPECT_THAT(directory_->clients.GetClient(testing::As("owner"),
                                            names::ClientName{firm_, c.company_id()}),
              IsOk());
}

TEST_F(DeleteClientTest, RefusedWhileAFirmMemberIsTheClientsPrimaryAdmin) {
  auto c = directory_->clients.CreateClient(testing::As("admin"), names::FirmName{firm_},
                                            Draft("Rossi"), true, "");
  ASSERT_THAT(c, IsOk());
  absl::Status refused = directory_->clients.DeleteClient(
      testing::As("owner"), names::ClientName{firm_, c->company_id()});
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(errors::ReasonOf(refused),
              Optional(std::string("FIRM_MEMBER_IS_CLIENT_PRIMARY_ADMIN")));
  // Once the client names its own primary admin, the firm may delete it.
  ASSERT_THAT(
      directory_->clients.ChangeClientPrimaryAdmin(
          testing::As("admin"), names::ClientName{firm_, c->company_id()}, "rossi-owner"),
      IsOk());
  EXPECT_THAT(directory_->clients.DeleteClient(testing::As("owner"),
                                               names::ClientName{firm_, c->company_id()}),
              IsOk());
}

TEST_F(DeleteClientTest, RefusedWhileOnWholesaleBilling) {
  ClientRecord c = NewClient(firm_, "Rossi");
  wholesale_.on_wholesale.insert(c.company_id());
  absl::Status refused = directory_->clients.DeleteClient(
      testing::As("owner"), names::ClientName{firm_, c.company_id()});
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(errors::ReasonOf(refused),
              Optional(std::string("CLIENT_ON_WHOLESALE_BILLING")));
  wholesale_.on_wholesale.erase(c.company_id());
  EXPECT_THAT(directory_->clients.DeleteClient(testing::As("owner"),
                                               names::ClientName{firm_, c.company_id()}),
              IsOk());
}

TEST_F(DeleteClientTest, RefusedWhenBillingCannotAnswer) {
  ClientRecord c = NewClient(firm_, "Rossi");
  wholesale_.answer = absl::UnavailableError("billing unreachable");
  EXPECT_THAT(directory_->clients.DeleteClient(testing::As("owner"),
                                               names::ClientName{firm_, c.company_id()}),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(directory_->clients.GetClient(testing::As("owner"),
                                            names::ClientName{firm_, c.company_id()}),
              IsOk());
}

TEST_F(DeleteClientTest, AnotherFirmsClientCannotBeDeleted) {
  uint64_t other = NewFirm("other");
  ClientRecord theirs = *directory_->clients.CreateClient(
      testing::As("other"), names::FirmName{other}, Draft("T"), false, "");
  EXPECT_THAT(directory_->clients.DeleteClient(
                  testing::As("owner"), names::ClientName{firm_, theirs.company_id()}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(directory_->clients.DeleteClient(
                  testing::As("owner"), names::ClientName{other, theirs.company_id()}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(directory_->clients.GetClient(
                  testing::As("other"), names::ClientName{other, theirs.company_id()}),
              IsOk());
}

TEST_F(DeleteClientTest, NoFirmLockIsHeldWhileBillingIsAsked) {
  ClientRecord c = NewClient(firm_, "Rossi");
  bool other_write_finished = false;
  wholesale_.while_asked = [&] {
    // Another member's write in the same firm, while billing is slow.
    absl::Notification done;
    std::thread writer([&] {
      other_write_finished =
          directory_->clients
              .CreateClient(testing::As("admin"), names::FirmName{firm_},
                            Draft("Bianchi"), false, "")
              .ok();
      done.Notify();
    });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)))
        << "CreateClient waited for the delete's billing call";
    writer.join();
  };
  EXPECT_THAT(directory_->clients.DeleteClient(testing::As("owner"),
                                               names::ClientName{firm_, c.company_id()}),
              IsOk());
  EXPECT_TRUE(other_write_finished);
}

TEST_F(DeleteClientTest, WhileBillingIsAskedACheckForAChangeIsAbortedAndNothingElse) {
  ClientRecord c = NewClient(firm_, "Rossi");
  const names::ClientName name{firm_, c.company_id()};
  auth::Caller changing = testing::As("owner");
  changing.for_change = true;
  auth::Caller stranger = testing::As("stranger");
  stranger.for_change = true;
  wholesale_.while_asked = [&] {
    EXPECT_THAT(directory_->clients.GetClient(changing, name),
                StatusIs(absl::StatusCode::kAborted, "being deleted or merged"));
    // A read is answered as the client stands; a stranger learns nothing.
    EXPECT_THAT(directory_->clients.GetClient(testing::As("owner"), name), IsOk());
    EXPECT_THAT(directory_->clients.GetClient(stranger, name),
                StatusIs(absl::StatusCode::kPermissionDenied));
  };
  // A refused delete ends its removal: the client stands as before.
  wholesale_.on_wholesale.insert(c.company_id());
  EXPECT_THAT(directory_->clients.DeleteClient(testing::As("owner"), name),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(directory_->clients.GetClient(changing, name), IsOk());
  wholesale_.on_wholesale.clear();
  EXPECT_THAT(directory_->clients.DeleteClient(testing::As("owner"), name), IsOk());
  EXPECT_THAT(directory_->clients.GetClient(changing, name),
              StatusIs(absl::StatusCode::kNotFound));
}

// The primary admin who hands the role on while billing is asked deletes
// nothing: the role is checked again under the firm's lock.
TEST_F(DeleteClientTest, APrimaryAdminWhoHandsTheRoleOnMeanwhileDeletesNothing) {
  ClientRecord c = NewClient(firm_, "Rossi");
  wholesale_.while_asked = [&] {
    wholesale_.while_asked = nullptr;
    EXPECT_THAT(directory_->firms.TransferPrimaryAdmin(testing::As("owner"),
                                                       names::FirmName{firm_}, "admin"),
                IsOk());
  };
  EXPECT_THAT(directory_->clients.DeleteClient(testing::As("owner"),
                                               names::ClientName{firm_, c.company_id()}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(directory_->clients.GetClient(testing::As("owner"),
                                            names::ClientName{firm_, c.company_id()}),
              IsOk());
}

TEST_F(DeleteClientTest, AClientDeletedWhileBillingWasAskedIsNotFound) {
  ClientRecord c = NewClient(firm_, "Rossi");
  wholesale_.while_asked = [&] {
    wholesale_.while_asked = nullptr;
    EXPECT_THAT(directory_->clients.DeleteClient(
                    testing::As("owner"), names::ClientName{firm_, c.company_id()}),
                IsOk());
  };
  EXPECT_THAT(directory_->clients.DeleteClient(testing::As("owner"),
                                               names::ClientName{firm_, c.company_id()}),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace clientbook::directory
