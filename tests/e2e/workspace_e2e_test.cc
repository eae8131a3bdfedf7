// The three real binaries: two duplicate clients with notes and to-dos are
// merged, and the directory is killed and restarted; everything the merge
// did is still there, and the old name still points at the client kept.
#include <signal.h>

#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "gtest/gtest.h"
#include "tests/support/cluster.h"
#include "tests/support/status_matchers.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using testing::As;

class WorkspaceE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(cluster_.Start(why)) << why;
    v1::CreateFirmRequest firm;
    firm.mutable_firm()->set_display_name("Studio");
    firm.mutable_firm()->set_time_zone("Europe/Rome");
    firm.set_creator_email("alice@studio.example");
    v1::Firm created;
    ASSERT_THAT(cluster_.directory->CreateFirm(As("alice").get(), firm, &created),
                IsOk());
    firm_ = created.name();
  }

  grpc::Status CreateClient(const std::string& name, const std::string& number,
                            bool allow_duplicate, v1::Client* client) {
    v1::CreateClientRequest req;
    req.set_parent(firm_);
    req.mutable_client()->set_display_name(name);
    req.mutable_client()->set_client_type(v1::BUSINESS);
    req.mutable_client()->set_client_number(number);
    req.set_allow_duplicate_name(allow_duplicate);
    return cluster_.directory->CreateClient(As("alice").get(), req, client);
  }

  testing::Cluster cluster_;
  std::string firm_;
};

TEST_F(WorkspaceE2eTest, AMergeOfClientsWithNotesAndTodosSurvivesARestart) {
  v1::Client keep;
  ASSERT_THAT(CreateClient("Rossi SRL", "", false, &keep), IsOk());
  v1::Client dup;
  grpc::Status refused = CreateClient("ROSSI s.r.l.", "R-7", false, &dup);
  ASSERT_THAT(refused, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(errors::ReasonOf(FromGrpcStatus(refused)), "DUPLICATE_DISPLAY_NAME");
  ASSERT_THAT(CreateClient("ROSSI s.r.l.", "R-7", true, &dup), IsOk());

  v1::FindDuplicateClientsRequest find;
  find.set_parent(firm_);
  v1::FindDuplicateClientsResponse found;
  ASSERT_THAT(cluster_.directory->FindDuplicateClients(As("alice").get(), find, &found),
              IsOk());
  ASSERT_EQ(found.duplicates_size(), 1);
  EXPECT_EQ(found.duplicates(0).clients_size(), 2);

  v1::CreateNoteRequest note;
  note.set_parent(firm_);
  note.mutable_note()->set_client(dup.name());
  note.mutable_note()->set_kind(v1::Note::GENERAL);
  note.mutable_note()->set_text("Telefonata sull'IVA");
  v1::Note written;
  ASSERT_THAT(cluster_.workspace->CreateNote(As("alice").get(), note, &written), IsOk());
  v1::CreateTodoRequest todo;
  todo.set_parent(firm_);
  todo.mutable_todo()->set_client(dup.name());
  todo.mutable_todo()->set_title("Bilancio");
  todo.mutable_todo()->set_assignee(firm_ + "/members/alice");
  todo.mutable_todo()->mutable_due_date()->set_year(2030);
  todo.mutable_todo()->mutable_due_date()->set_month(1);
  todo.mutable_todo()->mutable_due_date()->set_day(31);
  v1::Todo planned;
  ASSERT_THAT(cluster_.workspace->CreateTodo(As("alice").get(), todo, &planned), IsOk());

  v1::MergeClientsRequest merge;
  merge.set_name(keep.name());
  merge.set_source_client(dup.name());
  merge.set_request_id("merge-rossi");
  v1::MergeClientsResponse merged;
  ASSERT_THAT(cluster_.directory->MergeClients(As("alice").get(), merge, &merged),
              IsOk());
  EXPECT_EQ(merged.kept_client_number(), "R-7");
  EXPECT_EQ(merged.moved_notes(), 1);
  EXPECT_EQ(merged.moved_todos(), 1);

  // kill -9: the merge was one write, so all of it is there after restart.
  ASSERT_TRUE(cluster_.RestartDirectory(SIGKILL));
  cluster_.directory =
      v1::DirectoryService::NewStub(testing::Channel(cluster_.directory_target()));
  cluster_.workspace =
      v1::WorkspaceService::NewStub(testing::Channel(cluster_.directory_target()));

  v1::GetClientRequest get;
  get.set_name(dup.name());
  v1::Client gone;
  grpc::Status old_link = cluster_.directory->GetClient(As("alice").get(), get, &gone);
  EXPECT_THAT(old_link, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(errors::ResourceNameOf(FromGrpcStatus(old_link)), keep.name());

  get.set_name(keep.name());
  v1::Client kept;
  ASSERT_THAT(cluster_.directory->GetClient(As("alice").get(), get, &kept), IsOk());
  EXPECT_EQ(kept.client_number(), "R-7");

  v1::ListNotesRequest notes;
  notes.set_parent(firm_);
  notes.set_query("iva");
  v1::ListNotesResponse listed;
  ASSERT_THAT(cluster_.workspace->ListNotes(As("alice").get(), notes, &listed), IsOk());
  ASSERT_EQ(listed.notes_size(), 1);
  EXPECT_EQ(listed.notes(0).name(), written.name());
  EXPECT_EQ(listed.notes(0).client(), keep.name());

  v1::ListTodosRequest todos;
  todos.set_parent(firm_);
  todos.set_assignee(firm_ + "/members/alice");
  todos.set_open_only(true);
  v1::ListTodosResponse open;
  ASSERT_THAT(cluster_.workspace->ListTodos(As("alice").get(), todos, &open), IsOk());
  ASSERT_EQ(open.todos_size(), 1);
  EXPECT_EQ(open.todos(0).client(), keep.name());
  EXPECT_EQ(open.todos(0).due_date().day(), 31);

  // The retry after the restart answers from the first merge.
  v1::MergeClientsResponse again;
  ASSERT_THAT(cluster_.directory->MergeClients(As("alice").get(), merge, &again), IsOk());
  EXPECT_TRUE(again.replayed());
  EXPECT_EQ(again.moved_notes(), 1);
}

}  // namespace
}  // namespace clientbook
