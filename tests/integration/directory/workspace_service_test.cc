// The directory's WorkspaceService and its merge and duplicate calls over
// gRPC, on an ephemeral port: messages, names, status details and tokens as
// a platform service sees them.
#include "clientbook/v1/workspace.grpc.pb.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "common/time/clock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/in_process_directory.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;

class WorkspaceServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ =
        std::make_unique<testing::InProcessDirectory>(dir_.Sub("db"), clock_, wholesale_);
    auto channel =
        grpc::CreateChannel(service_->target(), grpc::InsecureChannelCredentials());
    directory_ = v1::DirectoryService::NewStub(channel);
    workspace_ = v1::WorkspaceService::NewStub(channel);
    v1::CreateFirmRequest firm;
    firm.mutable_firm()->set_display_name("Studio");
    firm.mutable_firm()->set_time_zone("Europe/Rome");
    firm.set_creator_email("alice@studio.example");
    v1::Firm created;
    ASSERT_THAT(directory_->CreateFirm(As("alice").get(), firm, &created), IsOk());
    firm_ = created.name();
    EXPECT_EQ(created.time_zone(), "Europe/Rome");
    client_ = NewClient("Rossi SRL", false).name();
  }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("x-user-id", user);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  v1::Client NewClient(const std::string& name, bool allow_duplicate,
                       grpc::Status* status = nullptr) {
    v1::CreateClientRequest req;
    req.set_parent(firm_);
    req.mutable_client()->set_display_name(name);
    req.mutable_client()->set_client_type(v1::BUSINESS);
    req.set_allow_duplicate_name(allow_duplicate);
    v1::Client client;
    grpc::Status s = directory_->CreateClient(As("alice").get(), req, &client);
    if (status) *status = s;
    return client;
  }

  v1::Note NewCall(const std::string& client, const std::string& text) {
    v1::CreateNoteRequest req;
    req.set_parent(firm_);
    v1::Note* note = req.mutable_note();
    note->set_client(client);
    note->set_kind(v1::Note::CALL);
    note->set_text(text);
    note->mutable_call_time()->set_seconds(1'789'990'000);
    note->mutable_call_duration()->set_seconds(300);
    note->set_contact("Mario Rossi");
    v1::Note out;
    EXPECT_THAT(workspace_->CreateNote(As("alice").get(), req, &out), IsOk());
    return out;
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  FakeWholesaleCheck wholesale_;
  std::unique_ptr<testing::InProcessDirectory> service_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
  std::unique_ptr<v1::WorkspaceService::Stub> workspace_;
  std::string firm_;
  std::string client_;
};

TEST_F(WorkspaceServiceTest, ACallNoteRoundTripsAndIsFoundByWord) {
  v1::Note note = NewCall(client_, "Telefonata: spiegata l'IVA");
  EXPECT_EQ(note.name().rfind(firm_ + "/notes/", 0), 0u);
  EXPECT_EQ(note.author(), firm_ + "/members/alice");
  EXPECT_EQ(note.call_duration().seconds(), 300);
  EXPECT_EQ(note.contact(), "Mario Rossi");
  EXPECT_FALSE(note.etag().empty());

  v1::ListNotesRequest search;
  search.set_parent(firm_);
  search.set_query("telefonata rossi");
  v1::ListNotesResponse found;
  ASSERT_THAT(workspace_->ListNotes(As("alice").get(), search, &found), IsOk());
  ASSERT_EQ(found.notes_size(), 1);
  EXPECT_EQ(found.notes(0).name(), note.name());
}

TEST_F(WorkspaceServiceTest, BadInputIsInvalidArgumentNamingTheField) {
  v1::CreateNoteRequest req;
  req.set_parent(firm_);
  req.mutable_note()->set_client(client_);
  req.mutable_note()->set_kind(v1::Note::GENERAL);
  req.mutable_note()->set_text(std::string(20001, 'x'));
  v1::Note out;
  grpc::Status s = workspace_->CreateNote(As("alice").get(), req, &out);
  ASSERT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(FromGrpcStatus(s)).at(0).field, "note.text");

  req.mutable_note()->set_text("ok");
  req.mutable_note()->mutable_call_time()->set_seconds(int64_t{1} << 62);
  EXPECT_THAT(workspace_->CreateNote(As("alice").get(), req, &out),
              StatusIs(absl::StatusCode::kInvalidArgument));

  v1::CreateTodoRequest todo;
  todo.set_parent(firm_);
  todo.mutable_todo()->set_client(client_);
  todo.mutable_todo()->set_title("x");
  todo.mutable_todo()->set_assignee(firm_ + "/members/alice");
  todo.mutable_todo()->mutable_due_date()->set_year(2026);
  todo.mutable_todo()->mutable_due_date()->set_month(2);
  todo.mutable_todo()->mutable_due_date()->set_day(30);
  v1::Todo planned;
  s = workspace_->CreateTodo(As("alice").get(), todo, &planned);
  ASSERT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(FromGrpcStatus(s)).at(0).field, "todo.due_date");
}

// AIP-203: a note or to-do read and sent back whole changes nothing; its
// client and kind are IMMUTABLE (named unchanged, ignored; changed,
// INVALID_ARGUMENT), its output-only fields, name and etag ignored in a mask.
TEST_F(WorkspaceServiceTest, AReadSentBackChangesNothingAndItsClientCannotMove) {
  v1::Note note = NewCall(client_, "Telefonata");
  const std::string other = NewClient("Bianchi SNC", false).name();
  v1::UpdateNoteRequest whole;
  *whole.mutable_note() = note;
  v1::Note kept;
  ASSERT_THAT(workspace_->UpdateNote(As("alice").get(), whole, &kept), IsOk());
  EXPECT_EQ(kept.etag(), note.etag()) << "values as they were write nothing";
  for (const char* path :
       {"name", "etag", "author", "create_time", "update_time", "client", "kind"}) {
    whole.mutable_update_mask()->add_paths(path);
  }
  ASSERT_THAT(workspace_->UpdateNote(As("alice").get(), whole, &kept), IsOk());
  EXPECT_EQ(kept.etag(), note.etag());

  whole.mutable_note()->set_client(other);
  grpc::Status moved = workspace_->UpdateNote(As("alice").get(), whole, &kept);
  ASSERT_THAT(moved, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(FromGrpcStatus(moved)).at(0).field, "note.client");
  whole.clear_update_mask();
  EXPECT_THAT(workspace_->UpdateNote(As("alice").get(), whole, &kept),
              StatusIs(absl::StatusCode::kInvalidArgument, "note.client"))
      << "a note sent back with another client, no mask";
  whole.mutable_note()->set_client(client_);
  whole.mutable_note()->set_kind(v1::Note::GENERAL);
  EXPECT_THAT(workspace_->UpdateNote(As("alice").get(), whole, &kept),
              StatusIs(absl::StatusCode::kInvalidArgument, "note.kind"));
  whole.mutable_update_mask()->add_paths("author");
  EXPECT_THAT(workspace_->UpdateNote(As("alice").get(), whole, &kept), IsOk())
      << "a mask of output-only fields alone changes nothing";
  EXPECT_EQ(kept.etag(), note.etag());
  EXPECT_EQ(kept.kind(), v1::Note::CALL);

  v1::CreateTodoRequest plan;
  plan.set_parent(firm_);
  plan.mutable_todo()->set_client(client_);
  plan.mutable_todo()->set_title("VAT return");
  plan.mutable_todo()->set_assignee(firm_ + "/members/alice");
  v1::Todo todo;
  ASSERT_THAT(workspace_->CreateTodo(As("alice").get(), plan, &todo), IsOk());
  v1::UpdateTodoRequest sent_back;
  *sent_back.mutable_todo() = todo;
  sent_back.mutable_todo()->set_progress(40);
  v1::Todo updated;
  ASSERT_THAT(workspace_->UpdateTodo(As("alice").get(), sent_back, &updated), IsOk());
  EXPECT_EQ(updated.progress(), 40);
  EXPECT_EQ(updated.client(), client_);
  *sent_back.mutable_todo() = updated;
  sent_back.mutable_todo()->set_client(other);
  EXPECT_THAT(workspace_->UpdateTodo(As("alice").get(), sent_back, &updated),
              StatusIs(absl::StatusCode::kInvalidArgument, "todo.client"));
}

TEST_F(WorkspaceServiceTest, TodosListByDueDateAndSummarize) {
  for (int day : {20, 10, 15}) {
    v1::CreateTodoRequest req;
    req.set_parent(firm_);
    req.mutable_todo()->set_client(client_);
    req.mutable_todo()->set_title(absl::StrCat("due ", day));
    req.mutable_todo()->set_assignee(firm_ + "/members/alice");
    req.mutable_todo()->mutable_due_date()->set_year(2026);
    req.mutable_todo()->mutable_due_date()->set_month(9);
    req.mutable_todo()->mutable_due_date()->set_day(day);
    v1::Todo out;
    ASSERT_THAT(workspace_->CreateTodo(As("alice").get(), req, &out), IsOk());
  }
  v1::ListTodosRequest list;
  list.set_parent(firm_);
  list.set_assignee(firm_ + "/members/alice");
  list.set_open_only(true);
  list.mutable_due_on_or_after()->set_year(2026);
  list.mutable_due_on_or_after()->set_month(9);
  list.mutable_due_on_or_after()->set_day(14);
  v1::ListTodosResponse listed;
  ASSERT_THAT(workspace_->ListTodos(As("alice").get(), list, &listed), IsOk());
  ASSERT_EQ(listed.todos_size(), 2);
  EXPECT_EQ(listed.todos(0).title(), "due 15");
  EXPECT_EQ(listed.todos(1).title(), "due 20");

  // Now is 21 September 2026: all three are overdue.
  v1::GetClientWorkSummaryRequest get;
  get.set_client(client_);
  v1::ClientWorkSummary summary;
  ASSERT_THAT(workspace_->GetClientWorkSummary(As("alice").get(), get, &summary), IsOk());
  EXPECT_EQ(summary.open_todos(), 3);
  EXPECT_EQ(summary.overdue_todos(), 3);
  EXPECT_EQ(summary.time_zone(), "Europe/Rome");
}

TEST_F(WorkspaceServiceTest, ADuplicateIsRefusedFoundAndMerged) {
  grpc::Status refused;
  NewClient("rossi s.r.l.", false, &refused);
  ASSERT_THAT(refused, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(errors::ReasonOf(FromGrpcStatus(refused)), "DUPLICATE_DISPLAY_NAME");
  EXPECT_EQ(errors::ResourceNameOf(FromGrpcStatus(refused)), client_);
  v1::Client dup = NewClient("rossi s.r.l.", true);
  NewCall(dup.name(), "nota del duplicato");

  v1::FindDuplicateClientsRequest find;
  find.set_parent(firm_);
  v1::FindDuplicateClientsResponse found;
  ASSERT_THAT(directory_->FindDuplicateClients(As("alice").get(), find, &found), IsOk());
  ASSERT_EQ(found.duplicates_size(), 1);

  v1::MergeClientsRequest merge;
  merge.set_name(client_);
  merge.set_source_client(dup.name());
  v1::MergeClientsResponse merged;
  service_->imports().running = {std::stoull(firm_.substr(6))};
  grpc::Status busy = directory_->MergeClients(As("alice").get(), merge, &merged);
  EXPECT_THAT(busy, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(errors::ReasonOf(FromGrpcStatus(busy)), "IMPORT_JOB_RUNNING");
  service_->imports().running.clear();
  ASSERT_THAT(directory_->MergeClients(As("alice").get(), merge, &merged), IsOk());
  EXPECT_EQ(merged.merged_client(), dup.name());
  EXPECT_EQ(merged.moved_notes(), 1);

  v1::GetClientRequest get;
  get.set_name(dup.name());
  v1::Client gone;
  grpc::Status old_link = directory_->GetClient(As("alice").get(), get, &gone);
  EXPECT_THAT(old_link, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(errors::ResourceNameOf(FromGrpcStatus(old_link)), client_);
}

TEST_F(WorkspaceServiceTest, AFirmsTimeZoneIsUpdatedByItsAdmins) {
  v1::UpdateFirmRequest req;
  req.mutable_firm()->set_name(firm_);
  req.mutable_firm()->set_time_zone("Asia/Tokyo");
  req.mutable_update_mask()->add_paths("time_zone");
  v1::Firm firm;
  ASSERT_THAT(directory_->UpdateFirm(As("alice").get(), req, &firm), IsOk());
  EXPECT_EQ(firm.time_zone(), "Asia/Tokyo");
  EXPECT_EQ(firm.display_name(), "Studio");
  // The etag read, sent back once the firm changed again: refused.
  const std::string read = firm.etag();
  ASSERT_FALSE(read.empty());
  req.mutable_firm()->set_time_zone("Europe/Rome");
  req.mutable_firm()->set_etag(read);
  ASSERT_THAT(directory_->UpdateFirm(As("alice").get(), req, &firm), IsOk());
  EXPECT_NE(firm.etag(), read);
  req.mutable_firm()->set_time_zone("Asia/Tokyo");
  EXPECT_THAT(directory_->UpdateFirm(As("alice").get(), req, &firm),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(directory_->UpdateFirm(As("mallory").get(), req, &firm),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

}  // namespace
}  // namespace clientbook::directory
