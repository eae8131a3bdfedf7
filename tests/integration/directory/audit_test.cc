// The directory's audit over the wire: a client's history field by field,
// newest first; what one member did; who may read which history; filters
// and pages.
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "clientbook/v1/workspace.grpc.pb.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/in_process_directory.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/text_proto.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using testing::Text;

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ =
        std::make_unique<testing::InProcessDirectory>(dir_.Sub("db"), clock_, wholesale_);
    auto channel =
        grpc::CreateChannel(service_->target(), grpc::InsecureChannelCredentials());
    directory_ = v1::DirectoryService::NewStub(channel);
    workspace_ = v1::WorkspaceService::NewStub(channel);
    changes_ = v1::ChangeService::NewStub(channel);
    v1::Firm firm;
    ASSERT_THAT(directory_->CreateFirm(
                    As("alice").get(),
                    Text<v1::CreateFirmRequest>("firm { display_name: 'Studio Alice' } "
                                                "creator_email: 'alice@studio.example'"),
                    &firm),
                IsOk());
    firm_ = firm.name();
    v1::FirmMember member;
    ASSERT_THAT(directory_->AddFirmMember(
                    As("alice").get(),
                    Text<v1::AddFirmMemberRequest>(absl::StrCat(
                        "parent: '", firm_,
                        "' member { user_id: 'bruno' email: 'bruno@x.example' "
                        "role: STAFF }")),
                    &member),
                IsOk());
  }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& user,
                                                 const std::string& roles = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("x-user-id", user);
    ctx->AddMetadata("x-user-email", user + "@studio.example");
    if (!roles.empty()) ctx->AddMetadata("x-user-roles", roles);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return ctx;
  }

  v1::Client NewClient(const std::string& name, const std::string& number) {
    v1::Client client;
    EXPECT_THAT(directory_->CreateClient(
                    As("alice").get(),
                    Text<v1::CreateClientRequest>(absl::StrCat(
                        "parent: '", firm_,
                        "' allow_duplicate_name: true client { display_name: '", name,
                        "' client_type: BUSINESS client_number: '", number, "' }")),
                    &client),
                IsOk());
    clock_.Advance(absl::Minutes(1));
    return client;
  }

  v1::Client Update(const std::string& user, const v1::Client& now,
                    const std::string& field, const std::string& value) {
    v1::Client out;
    EXPECT_THAT(directory_->UpdateClient(As(user).get(),
                                         Text<v1::UpdateClientRequest>(absl::StrCat(
                                             "client { name: '", now.name(), "' ", field,
                                             ": '", value, "' etag: '", now.etag(),
                                             "' } update_mask { paths: '", field, "' }")),
                                         &out),
                IsOk());
    clock_.Advance(absl::Minutes(1));
    return out;
  }

  grpc::Status List(const std::string& user, const std::string& parent,
                    const std::string& filter, v1::ListAuditEntriesResponse& out,
                    int page_size = 0, const std::string& token = "") {
    v1::ListAuditEntriesRequest req;
    req.set_parent(parent);
    req.set_filter(filter);
    req.set_page_size(page_size);
    req.set_page_token(token);
    out.Clear();
    return changes_->ListAuditEntries(As(user).get(), req, &out);
  }

  // "TYPE path before->after ..." of each entry, for compact expectations.
  static std::vector<std::string> Lines(const v1::ListAuditEntriesResponse& page) {
    std::vector<std::string> lines;
    for (const v1::AuditEntry& entry : page.audit_entries()) {
      std::string line =
          absl::StrCat(v1::ChangeEvent::Type_Name(entry.change().type()), " ",
                       entry.change().name(), " by ", entry.change().actor());
      for (const v1::FieldChange& change : entry.field_changes()) {
        if (change.path() != "client_number" && change.path() != "display_name") continue;
        absl::StrAppend(&line, " ", change.path(), ":", change.before().string_value(),
                        "->", change.after().string_value());
      }
      lines.push_back(line);
    }
    return lines;
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  FakeWholesaleCheck wholesale_;
  std::unique_ptr<testing::InProcessDirectory> service_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
  std::unique_ptr<v1::WorkspaceService::Stub> workspace_;
  std::unique_ptr<v1::ChangeService::Stub> changes_;
  std::string firm_;
};

// "Who changed Rossi's client number, and what was it before?": each step
// of the client's history with its actor and values, newest first — its
// notes and a client merged into it included.
TEST_F(AuditTest, AClientsHistoryGivesEachStepFieldByFieldNewestFirst) {
  v1::Client rossi = NewClient("Rossi SpA", "A-17");
  const v1::Client copy = NewClient("Rossi S.p.A.", "");
  rossi = Update("alice", rossi, "client_number", "A-18");
  rossi = Update("bruno", rossi, "display_name", "Rossi Srl");
  v1::Note note;
  ASSERT_THAT(
      workspace_->CreateNote(As("bruno").get(),
                             Text<v1::CreateNoteRequest>(absl::StrCat(
                                 "parent: '", firm_, "' note { client: '", rossi.name(),
                                 "' kind: GENERAL text: 'Called about VAT' }")),
                             &note),
      IsOk());
  clock_.Advance(absl::Minutes(1));
  v1::MergeClientsResponse merged;
  ASSERT_THAT(directory_->MergeClients(
                  As("alice").get(),
                  Text<v1::MergeClientsRequest>(absl::StrCat(
                      "name: '", rossi.name(), "' source_client: '", copy.name(), "'")),
                  &merged),
              IsOk());

  v1::ListAuditEntriesResponse page;
  ASSERT_THAT(List("bruno", rossi.name(), "", page), IsOk());
  const std::vector<std::string> lines = Lines(page);
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[lines.size() - 4], absl::StrCat("CREATED ", note.name(), " by bruno"));
  EXPECT_EQ(lines[lines.size() - 3],
            absl::StrCat("UPDATED ", rossi.name(),
                         " by bruno display_name:Rossi SpA->Rossi Srl"));
  EXPECT_EQ(lines[lines.size() - 2],
            absl::StrCat("UPDATED ", rossi.name(), " by alice client_number:A-17->A-18"));
  EXPECT_EQ(lines.back(),
            absl::StrCat("CREATED ", rossi.name(),
                         " by alice display_name:->Rossi SpA client_number:->A-17"));
  // The merge, newest: the copy's MERGED names the client kept.
  bool merge_found = false;
  for (const v1::AuditEntry& entry : page.audit_entries()) {
    if (entry.change().type() != v1::ChangeEvent::MERGED) continue;
    merge_found = true;
    EXPECT_EQ(entry.change().name(), copy.name());
    EXPECT_EQ(entry.change().merged_into(), rossi.name());
    EXPECT_EQ(entry.change().prior().client().display_name(), "Rossi S.p.A.")
        << "a client gone keeps its last state";
  }
  EXPECT_TRUE(merge_found);
  for (int i = 1; i < page.audit_entries_size(); ++i) {
    EXPECT_GT(page.audit_entries(i - 1).change().sequence(),
              page.audit_entries(i).change().sequence());
  }
  const v1::AuditEntry& renumbered = page.audit_entries(page.audit_entries_size() - 2);
  EXPECT_EQ(renumbered.change().method(), "/clientbook.v1.DirectoryService/UpdateClient");
  EXPECT_EQ(renumbered.actor_email(), "alice@studio.example");
  EXPECT_TRUE(renumbered.field_changes(0).before().has_string_value());

  // Restarted, the history is the same.
  service_.reset();
  service_ =
      std::make_unique<testing::InProcessDirectory>(dir_.Sub("db"), clock_, wholesale_);
  changes_ = v1::ChangeService::NewStub(
      grpc::CreateChannel(service_->target(), grpc::InsecureChannelCredentials()));
  v1::ListAuditEntriesResponse again;
  ASSERT_THAT(List("bruno", rossi.name(), "", again), IsOk());
  EXPECT_EQ(Lines(again), lines);
}

// "What did Bruno change last week?", "who changed numbers?": filters by
// actor, field, method and time, in pages bound to their query.
TEST_F(AuditTest, FiltersFindWhatOneMemberDidAndPagesFollowTheirQuery) {
  v1::Client a = NewClient("Alfa", "1");
  v1::Client b = NewClient("Beta", "2");
  const absl::Time middle = clock_.Now();
  a = Update("bruno", a, "display_name", "Alfa 2");
  b = Update("bruno", b, "client_number", "3");
  b = Update("alice", b, "client_number", "4");

  v1::ListAuditEntriesResponse page;
  ASSERT_THAT(List("alice", firm_, "actor = \"bruno\"", page), IsOk());
  EXPECT_THAT(
      Lines(page),
      ElementsAre(
          absl::StrCat("UPDATED ", b.name(), " by bruno client_number:2->3"),
          absl::StrCat("UPDATED ", a.name(), " by bruno display_name:Alfa->Alfa 2")));
  ASSERT_THAT(List("alice", firm_,
                   "field = \"client_number\" AND method = \"UpdateClient\"", page),
              IsOk());
  EXPECT_EQ(page.audit_entries_size(), 2);
  ASSERT_THAT(
      List("alice", firm_,
           absl::StrCat("commit_time < \"",
                        absl::FormatTime(absl::RFC3339_full, middle, absl::UTCTimeZone()),
                        "\" AND type = CREATED"),
           page),
      IsOk());
  for (const v1::AuditEntry& entry : page.audit_entries()) {
    EXPECT_LT(entry.change().commit_time().seconds(), absl::ToUnixSeconds(middle));
  }
  EXPECT_GE(page.audit_entries_size(), 3);  // the firm, its members, the clients
  ASSERT_THAT(
      List("alice", firm_,
           absl::StrCat("commit_time >= \"",
                        absl::FormatTime(absl::RFC3339_full, middle, absl::UTCTimeZone()),
                        "\""),
           page),
      IsOk());
  EXPECT_THAT(
      Lines(page),
      ElementsAre(
          absl::StrCat("UPDATED ", b.name(), " by alice client_number:3->4"),
          absl::StrCat("UPDATED ", b.name(), " by bruno client_number:2->3"),
          absl::StrCat("UPDATED ", a.name(), " by bruno display_name:Alfa->Alfa 2")))
      << "the walk, newest first, ends at the first entry older than the range";
  EXPECT_TRUE(page.next_page_token().empty());

  // Pages of one, newest first, then the end.
  std::vector<std::string> paged;
  std::string token;
  do {
    ASSERT_THAT(List("alice", firm_, "actor = \"bruno\"", page, 1, token), IsOk());
    for (const std::string& line : Lines(page)) paged.push_back(line);
    token = page.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(paged.size(), 2u);
  ASSERT_THAT(List("alice", firm_, "actor = \"bruno\"", page, 1), IsOk());
  EXPECT_THAT(List("alice", firm_, "actor = \"alice\"", page, 1, page.next_page_token()),
              StatusIs(absl::StatusCode::kInvalidArgument))
      << "a token of another query";

  for (const char* bad :
       {"color = red", "actor > \"bruno\"", "commit_time = \"2026-01-01T00:00:00Z\"",
        "commit_time >= \"yesterday\"", "type = EXPLODED",
        "actor = \"a\" AND actor = \"b\""}) {
    EXPECT_THAT(List("alice", firm_, bad, page),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
  EXPECT_THAT(List("alice", firm_ + "/todos/1", "", page),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(List("alice", firm_, "", page, -1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(AuditTest, WithTheAuditOffListingIsRefusedSayingSo) {
  NewClient("Alfa", "1");
  service_->TurnAuditOff();
  v1::ListAuditEntriesResponse page;
  grpc::Status refused = List("alice", firm_, "", page);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("--audit_retention=0"));
  EXPECT_EQ(errors::ReasonOf(FromGrpcStatus(refused)), "AUDIT_OFF");
  EXPECT_EQ(page.audit_entries_size(), 0);
}

// Admins read the firm's whole history; staff their clients'; a stranger
// nothing, with the same answer whether the firm exists or not; an operator
// any firm's.
TEST_F(AuditTest, AdminsReadTheFirmStaffItsClientsAndStrangersNothing) {
  const v1::Client client = NewClient("Alfa", "1");
  v1::ListAuditEntriesResponse page;
  EXPECT_THAT(List("alice", firm_, "", page), IsOk());
  EXPECT_THAT(List("alice", firm_ + "/members/bruno", "", page), IsOk());
  EXPECT_EQ(page.audit_entries_size(), 1);  // bruno's membership, added
  EXPECT_THAT(List("bruno", client.name(), "", page), IsOk());
  EXPECT_GE(page.audit_entries_size(), 1);
  EXPECT_THAT(List("bruno", firm_, "", page),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(List("bruno", firm_ + "/members/alice", "", page),
              StatusIs(absl::StatusCode::kPermissionDenied));
  const grpc::Status stranger = List("mallory", client.name(), "", page);
  const grpc::Status nowhere = List("mallory", "firms/999999/clients/1", "", page);
  EXPECT_THAT(stranger, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(nowhere, StatusIs(absl::StatusCode::kPermissionDenied));
  v1::ListAuditEntriesRequest req;
  req.set_parent(firm_);
  EXPECT_THAT(changes_->ListAuditEntries(As("ops", "operator").get(), req, &page),
              IsOk());
  EXPECT_GE(page.audit_entries_size(), 3);
}

// "Who took our client list?": a SNAPSHOT is kept as a read (who, how many
// rows, which filter), in the audit and never in the feed.
TEST_F(AuditTest, ASnapshotIsKeptAsAReadInTheAuditNotInTheFeed) {
  NewClient("Alfa", "1");
  NewClient("Beta", "2");
  auto ctx = As("bruno");
  v1::WatchChangesRequest watch;
  watch.set_parent(firm_);
  watch.set_filter("resource_type = \"clientbook.v1.Client\"");
  watch.set_start(v1::WatchChangesRequest::SNAPSHOT);
  auto stream = changes_->WatchChanges(ctx.get(), watch);
  v1::WatchChangesResponse response;
  ASSERT_TRUE(stream->Read(&response));
  // Kept as begun before its first rows left: a kill -9 from here on
  // leaves it in the audit.
  v1::ListAuditEntriesResponse begun;
  ASSERT_THAT(List("alice", firm_, "type = EXPORT_STARTED", begun), IsOk());
  ASSERT_EQ(begun.audit_entries_size(), 1);
  EXPECT_EQ(begun.audit_entries(0).change().actor(), "bruno");
  EXPECT_EQ(begun.audit_entries(0).change().name(), firm_);
  EXPECT_EQ(begun.audit_entries(0).read_filter(), watch.filter());
  int rows = response.events_size();
  while (!response.snapshot_complete() && stream->Read(&response)) {
    rows += response.events_size();
  }
  EXPECT_EQ(rows, 2);
  NewClient("Gamma", "3");
  int live = 0;
  while (live == 0 && stream->Read(&response)) {
    for (const v1::ChangeEvent& event : response.events()) {
      EXPECT_EQ(event.type(), v1::ChangeEvent::CREATED) << "the read is not a change";
      ++live;
    }
  }
  ctx->TryCancel();
  stream->Finish();

  v1::ListAuditEntriesResponse page;
  ASSERT_THAT(List("alice", firm_, "type = EXPORTED", page), IsOk());
  ASSERT_EQ(page.audit_entries_size(), 1);
  const v1::AuditEntry& read = page.audit_entries(0);
  EXPECT_EQ(read.change().actor(), "bruno");
  EXPECT_EQ(read.change().name(), firm_);
  EXPECT_EQ(read.change().method(), "/clientbook.v1.ChangeService/WatchChanges");
  EXPECT_EQ(read.rows_read(), 2);
  EXPECT_EQ(read.read_filter(), watch.filter());
}

// What left is what the audit keeps: a snapshot was kept only once it
// had sent everything, so a member removed half way (or a watcher who
// cancelled at 99%) took rows out unrecorded.
TEST_F(AuditTest, ASnapshotEndedHalfWayIsKeptWithTheRowsThatLeft) {
  v1::CreateClientRequest create;
  create.set_parent(firm_);
  create.mutable_client()->set_client_type(v1::BUSINESS);
  for (int i = 0; i < 3000; ++i) {  // six batches of 500
    create.mutable_client()->set_display_name(absl::StrCat("Client ", i));
    v1::Client client;
    ASSERT_THAT(directory_->CreateClient(As("alice").get(), create, &client), IsOk());
  }
  auto ctx = As("bruno");
  v1::WatchChangesRequest watch;
  watch.set_parent(firm_);
  watch.set_start(v1::WatchChangesRequest::SNAPSHOT);
  auto stream = changes_->WatchChanges(ctx.get(), watch);
  v1::WatchChangesResponse response;
  ASSERT_TRUE(stream->Read(&response));
  int rows = response.events_size();
  v1::RemoveFirmMemberResponse removed;
  ASSERT_THAT(directory_->RemoveFirmMember(As("alice").get(),
                                           Text<v1::RemoveFirmMemberRequest>(absl::StrCat(
                                               "name: '", firm_, "/members/bruno'")),
                                           &removed),
              IsOk());
  while (stream->Read(&response)) rows += response.events_size();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_GT(rows, 0);
  ASSERT_LT(rows, 3000 + 2);  // the clients, the firm and alice

  v1::ListAuditEntriesResponse page;
  ASSERT_THAT(List("alice", firm_, "type = EXPORTED", page), IsOk());
  ASSERT_EQ(page.audit_entries_size(), 1);
  EXPECT_EQ(page.audit_entries(0).change().actor(), "bruno");
  EXPECT_EQ(page.audit_entries(0).rows_read(), rows);
}

// 64 callers walk histories page by page while two members keep writing:
// each walk is newest first with no entry twice, members are always
// answered and a stranger never is.
TEST_F(AuditTest, SixtyFourRacingReadersEachWalkNewestFirstWithoutRepeats) {
  const std::vector<v1::Client> clients = {NewClient("Alfa", "1"),
                                           NewClient("Beta", "2")};
  std::atomic<bool> stop = false;
  std::vector<std::thread> writers;
  for (size_t w = 0; w < clients.size(); ++w) {
    writers.emplace_back([&, w] {
      v1::Client client = clients[w];
      for (int i = 0; !stop; ++i) {
        v1::UpdateClientRequest update;
        *update.mutable_client() = client;
        update.mutable_client()->set_client_number(absl::StrCat(w, "-", i));
        update.mutable_update_mask()->add_paths("client_number");
        v1::Client out;
        if (directory_->UpdateClient(As("alice").get(), update, &out).ok()) client = out;
      }
    });
  }
  std::atomic<int> walks = 0;
  std::atomic<int> wrong = 0;
  std::vector<std::thread> readers;
  for (int r = 0; r < 64; ++r) {
    readers.emplace_back([&, r] {
      const bool stranger = r % 8 == 7;
      const std::string user = stranger ? "mallory" : r % 2 == 0 ? "alice" : "bruno";
      const std::string parent = user == "alice" ? firm_ : clients[r % 2].name();
      v1::ListAuditEntriesResponse page;
      uint64_t last = UINT64_MAX;
      std::string token;
      do {
        const grpc::Status status = List(user, parent, "", page, 7, token);
        if (stranger) {
          if (status.error_code() != grpc::StatusCode::PERMISSION_DENIED) ++wrong;
          return;
        }
        if (!status.ok()) {
          ++wrong;
          return;
        }
        for (const v1::AuditEntry& entry : page.audit_entries()) {
          if (entry.change().sequence() >= last) ++wrong;
          last = entry.change().sequence();
        }
        token = page.next_page_token();
      } while (!token.empty());
      ++walks;
    });
  }
  for (std::thread& reader : readers) reader.join();
  stop = true;
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(walks, 56);
}

}  // namespace
}  // namespace clientbook::directory
