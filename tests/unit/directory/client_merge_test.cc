// MergeClients: what moves, which number survives, where the old name
// points, every refusal, and retries.
#include <atomic>
#include <thread>

#include "common/names/names.h"
#include "common/status/errors.h"
#include "services/directory/domain/rules.h"
#include "tests/support/callers.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/directory/directory_fixture.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::clientbook::testing::ValueOrFail;
using ::testing::ElementsAre;

class ClientMergeTest : public DirectoryTest {
 protected:
  ClientMergeTest() : firm_(NewFirm()) {
    AddMember(firm_, "admin", v1::Role::ADMIN);
    AddMember(firm_, "staff", v1::Role::STAFF);
  }

  absl::StatusOr<MergeOutcome> Merge(const ClientRecord& target,
                                     const ClientRecord& source,
                                     const std::string& request_id = "",
                                     const std::string& caller = "admin") {
    return directory_->merge.MergeClients(testing::As(caller),
                                          names::ClientName{firm_, target.company_id()},
                                          source.company_id(), request_id);
  }
  NoteRecord NoteOn(const ClientRecord& client, const std::string& text) {
    NoteRecord n;
    n.set_company_id(client.company_id());
    n.set_kind(v1::Note::GENERAL);
    n.set_text(text);
    return ValueOrFail(directory_->notes.CreateNote(testing::As("staff"),
                                                    names::FirmName{firm_}, n, ""));
  }
  TodoRecord TodoOn(const ClientRecord& client, const std::string& title) {
    TodoRecord t;
    t.set_company_id(client.company_id());
    t.set_title(title);
    t.set_assignee_user_id("staff");
    return ValueOrFail(directory_->todos.CreateTodo(testing::As("staff"),
                                                    names::FirmName{firm_}, t, ""));
  }
  ClientRecord Get(const ClientRecord& c) {
    return ValueOrFail(directory_->clients.GetClient(
        testing::As("admin"), names::ClientName{firm_, c.company_id()}));
  }

  uint64_t firm_;
};

TEST_F(ClientMergeTest, NotesAndTodosMoveAndEmptyFieldsAreFilled) {
  ClientRecord keep = NewClient(firm_, "Rossi SRL", "C-1");
  ClientRecord dup = NewClient(firm_, "ROSSI S.R.L.");
  ClientRecord patch;
  patch.set_email("info@rossi.example");
  *patch.mutable_products()->Add() = "Payroll";
  dup = ValueOrFail(directory_->clients.UpdateClient(
      testing::As("admin"), names::ClientName{firm_, dup.company_id()}, patch,
      {"email", "products"}, EtagOf(dup), true));
  NoteRecord note = NoteOn(dup, "chiamata");
  TodoRecord todo = TodoOn(dup, "bilancio");
  NoteOn(keep, "già qui");

  MergeOutcome merged = ValueOrFail(Merge(keep, dup));
  EXPECT_EQ(merged.moved_notes, 1);
  EXPECT_EQ(merged.moved_todos, 1);
  EXPECT_FALSE(merged.replayed);
  EXPECT_EQ(merged.target.email(), "info@rossi.example");
  EXPECT_THAT(merged.target.products(), ElementsAre("Payroll"));
  EXPECT_EQ(merged.target.display_name(), "Rossi SRL");
  EXPECT_EQ(Get(keep).revision(), keep.revision() + 1);

  // The note and the to-do keep their names and now belong to the target.
  NoteRecord moved = ValueOrFail(
      directory_->notes.GetNote(testing::As("staff"), names::NoteName{firm_, note.id()}));
  EXPECT_EQ(moved.company_id(), keep.company_id());
  EXPECT_EQ(ValueOrFail(directory_->todos.GetTodo(testing::As("staff"),
                                                  names::TodoName{firm_, todo.id()}))
                .company_id(),
            keep.company_id());
  auto notes = ValueOrFail(directory_->notes.ListNotes(
      testing::As("staff"), {.firm_id = firm_, .company_id = keep.company_id()}));
  EXPECT_EQ(notes.items.size(), 2u);
  auto todos = ValueOrFail(directory_->todos.ListTodos(
      testing::As("staff"), {.firm_id = firm_, .company_id = keep.company_id()}));
  EXPECT_EQ(todos.items.size(), 1u);
  // Listed by the source, they are not "none": they are where it went (an
  // old link answered an empty list).
  const std::string kept = names::ClientName{firm_, keep.company_id()}.ToString();
  auto left = directory_->notes.ListNotes(
      testing::As("staff"), {.firm_id = firm_, .company_id = dup.company_id()});
  EXPECT_THAT(left, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(errors::ReasonOf(left.status()), "CLIENT_MERGED");
  EXPECT_EQ(errors::ResourceNameOf(left.status()), kept);
  auto left_todos = directory_->todos.ListTodos(
      testing::As("staff"), {.firm_id = firm_, .company_id = dup.company_id()});
  EXPECT_EQ(errors::ReasonOf(left_todos.status()), "CLIENT_MERGED");
  EXPECT_EQ(errors::ResourceNameOf(left_todos.status()), kept);
  auto summary = ValueOrFail(directory_->todos.GetClientWorkSummary(
      testing::As("staff"), names::ClientName{firm_, keep.company_id()}));
  EXPECT_EQ(summary.open, 1);
}

TEST_F(ClientMergeTest, TheSourceAnswersNotFoundNamingTheTarget) {
  ClientRecord keep = NewClient(firm_, "Verdi");
  ClientRecord dup = NewClient(firm_, "verdi");
  ASSERT_THAT(Merge(keep, dup), IsOk());
  auto gone = directory_->clients.GetClient(testing::As("admin"),
                                            names::ClientName{firm_, dup.company_id()});
  ASSERT_THAT(gone, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(errors::ReasonOf(gone.status()), "CLIENT_MERGED");
  EXPECT_EQ(errors::ResourceNameOf(gone.status()),
            (names::ClientName{firm_, keep.company_id()}.ToString()));
  auto listed = ValueOrFail(
      directory_->listing.ListClients(testing::As("admin"), {.firm_id = firm_}));
  ASSERT_EQ(listed.items.size(), 1u);
  EXPECT_EQ(listed.items[0].company_id(), keep.company_id());
  auto duplicates = ValueOrFail(directory_->clients.FindDuplicateClients(
      testing::As("admin"), names::FirmName{firm_}, {}));
  EXPECT_TRUE(duplicates.items.empty());
  // Nothing new can be written on the old name.
  EXPECT_THAT(directory_->notes.CreateNote(
                  testing::As("admin"), names::FirmName{firm_},
                  [&] {
                    NoteRecord n;
                    n.set_company_id(dup.company_id());
                    n.set_kind(v1::Note::GENERAL);
                    n.set_text("x");
                    return n;
                  }(),
                  ""),
              StatusIs(absl::StatusCode::kNotFound));
}

// Merged into a client later merged itself: the old name named the client
// merged away, not the one that holds its data now.
TEST_F(ClientMergeTest, TheSourceNamesTheClientItsDataIsInAfterLaterMerges) {
  ClientRecord first = NewClient(firm_, "Verdi");
  ClientRecord second = NewClient(firm_, "verdi");
  ClientRecord third = NewClient(firm_, "VERDI");
  ASSERT_THAT(Merge(second, first), IsOk());
  ASSERT_THAT(Merge(third, second), IsOk());
  for (const ClientRecord& gone : {first, second}) {
    auto read = directory_->clients.GetClient(
        testing::As("admin"), names::ClientName{firm_, gone.company_id()});
    EXPECT_EQ(errors::ReasonOf(read.status()), "CLIENT_MERGED");
    EXPECT_EQ(errors::ResourceNameOf(read.status()),
              (names::ClientName{firm_, third.company_id()}.ToString()));
  }
}

TEST_F(ClientMergeTest, BothNumbersSetTheTargetsStaysAndTheSourcesIsFreed) {
  ClientRecord keep = NewClient(firm_, "A", "N-1");
  ClientRecord dup = NewClient(firm_, "A dup", "N-2");
  MergeOutcome merged = ValueOrFail(Merge(keep, dup));
  EXPECT_EQ(merged.kept_client_number, "N-1");
  EXPECT_EQ(merged.freed_client_number, "N-2");
  EXPECT_EQ(Get(keep).client_number(), "N-1");
  EXPECT_THAT(
      directory_->clients.CreateClient(testing::As("admin"), names::FirmName{firm_},
                                       Draft("Another", "n-2"), false, ""),
      IsOk());
}

TEST_F(ClientMergeTest, OnlyTheSourceHasANumberTheTargetTakesIt) {
  ClientRecord keep = NewClient(firm_, "B");
  ClientRecord dup = NewClient(firm_, "B dup", "N-9");
  MergeOutcome merged = ValueOrFail(Merge(keep, dup));
  EXPECT_EQ(merged.kept_client_number, "N-9");
  EXPECT_EQ(merged.freed_client_number, "");
  EXPECT_EQ(Get(keep).client_number(), "N-9");
  // The number now belongs to the target: nobody else may take it.
  EXPECT_THAT(
      directory_->clients.CreateClient(testing::As("admin"), names::FirmName{firm_},
                                       Draft("Other", "N-9"), false, ""),
      StatusIs(absl::StatusCode::kAlreadyExists));
  auto by_number = ValueOrFail(directory_->listing.ListClients(
      testing::As("admin"), {.firm_id = firm_, .client_number_query = "N-9"}));
  ASSERT_EQ(by_number.items.size(), 1u);
  EXPECT_EQ(by_number.items[0].company_id(), keep.company_id());
}

TEST_F(ClientMergeTest, NeitherHasANumber) {
  ClientRecord keep = NewClient(firm_, "C");
  MergeOutcome merged = ValueOrFail(Merge(keep, NewClient(firm_, "C dup")));
  EXPECT_EQ(merged.kept_client_number, "");
  EXPECT_EQ(merged.freed_client_number, "");
}

TEST_F(ClientMergeTest, OnlyTheTargetHasANumber) {
  ClientRecord keep = NewClient(firm_, "D", "N-4");
  MergeOutcome merged = ValueOrFail(Merge(keep, NewClient(firm_, "D dup")));
  EXPECT_EQ(merged.kept_client_number, "N-4");
  EXPECT_EQ(merged.freed_client_number, "");
}

TEST_F(ClientMergeTest, ARetryWithTheSameRequestIdReturnsTheFirstResult) {
  ClientRecord keep = NewClient(firm_, "E", "N-1");
  ClientRecord dup = NewClient(firm_, "E dup", "N-2");
  NoteOn(dup, "n");
  MergeOutcome first = ValueOrFail(Merge(keep, dup, "merge-1"));
  wholesale_.answer = absl::UnavailableError("billing is down");  // not asked again
  MergeOutcome again = ValueOrFail(Merge(keep, dup, "merge-1"));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.freed_client_number, "N-2");
  EXPECT_EQ(again.moved_notes, 1);
  EXPECT_EQ(again.target.revision(), first.target.revision());
  // The same id for another merge is refused.
  wholesale_.answer = absl::OkStatus();
  ClientRecord other = NewClient(firm_, "F");
  EXPECT_THAT(Merge(keep, other, "merge-1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// AIP-154: a merge sent with the etags read of the client kept and of the
// duplicate is ABORTED when either changed since, and merges nothing; a
// retry under its request id is answered though its etags are stale by then.
TEST_F(ClientMergeTest, AMergeWithAStaleEtagOfEitherClientMergesNothing) {
  const ClientRecord keep = NewClient(firm_, "K", "N-1");
  const ClientRecord dup = NewClient(firm_, "K dup", "N-2");
  const names::ClientName kept{firm_, keep.company_id()};
  ClientRecord renamed = dup;
  renamed.set_display_name("K duplicate");
  ASSERT_THAT(directory_->clients.UpdateClient(testing::As("admin"),
                                               names::ClientName{firm_, dup.company_id()},
                                               renamed, {"display_name"}, EtagOf(dup)),
              IsOk());
  auto merge = [&](const std::string& target_etag, const std::string& source_etag) {
    return directory_->merge.MergeClients(testing::As("admin"), kept, dup.company_id(),
                                          "merge-k", target_etag, source_etag);
  };
  auto stale = merge(EtagOf(keep), EtagOf(dup));
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted,
                              names::ClientName{firm_, dup.company_id()}.ToString()));
  EXPECT_EQ(errors::ReasonOf(stale.status()), "STALE_ETAG");
  EXPECT_THAT(merge("r9", EtagOf(Get(dup))),
              StatusIs(absl::StatusCode::kAborted, kept.ToString()));
  EXPECT_EQ(Get(dup).client_number(), "N-2");
  EXPECT_EQ(Get(keep).revision(), keep.revision());

  const MergeOutcome merged = ValueOrFail(merge(EtagOf(keep), EtagOf(Get(dup))));
  EXPECT_EQ(merged.freed_client_number, "N-2");
  const MergeOutcome retried = ValueOrFail(merge(EtagOf(keep), EtagOf(Get(keep))));
  EXPECT_TRUE(retried.replayed);
}

TEST_F(ClientMergeTest, OnlyAdminsMerge) {
  ClientRecord keep = NewClient(firm_, "G");
  ClientRecord dup = NewClient(firm_, "G dup");
  EXPECT_THAT(Merge(keep, dup, "", "staff"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Merge(keep, dup, "", "stranger"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Merge(keep, dup, "", "owner"), IsOk());
}

TEST_F(ClientMergeTest, RefusalsLeaveBothClientsAsTheyWere) {
  ClientRecord keep = NewClient(firm_, "H", "N-1");
  ClientRecord dup = NewClient(firm_, "H dup", "N-2");
  NoteOn(dup, "stays");
  auto refused_with = [&](absl::StatusCode code, const std::string& reason) {
    auto merged = Merge(keep, dup);
    EXPECT_THAT(merged, StatusIs(code));
    if (!reason.empty()) {
      EXPECT_EQ(errors::ReasonOf(merged.status()), reason);
    }
    EXPECT_EQ(Get(dup).client_number(), "N-2");
    EXPECT_EQ(Get(keep).revision(), keep.revision());
  };
  wholesale_.subscribed = {keep.company_id(), dup.company_id()};
  refused_with(absl::StatusCode::kFailedPrecondition, "BOTH_CLIENTS_SUBSCRIBED");
  wholesale_.subscribed = {dup.company_id()};
  refused_with(absl::StatusCode::kFailedPrecondition, "SOURCE_HAS_SUBSCRIPTION");
  wholesale_.subscribed = {};
  wholesale_.on_wholesale = {dup.company_id()};
  refused_with(absl::StatusCode::kFailedPrecondition, "SOURCE_ON_WHOLESALE_BILLING");
  wholesale_.on_wholesale = {};
  imports_.running = {firm_};
  refused_with(absl::StatusCode::kFailedPrecondition, "IMPORT_JOB_RUNNING");
  imports_.running = {};
  imports_.answer = absl::UnavailableError("import is down");
  refused_with(absl::StatusCode::kUnavailable, "");
  imports_.answer = absl::OkStatus();
  wholesale_.answer = absl::UnavailableError("billing is down");
  refused_with(absl::StatusCode::kUnavailable, "");
  wholesale_.answer = absl::OkStatus();
  // Only the target subscribed: merged.
  wholesale_.subscribed = {keep.company_id()};
  EXPECT_THAT(Merge(keep, dup), IsOk());
}

TEST_F(ClientMergeTest, Of64RacingMergesOfOneSourceOneWins) {
  ClientRecord keep = NewClient(firm_, "J");
  ClientRecord dup = NewClient(firm_, "J dup", "N-1");
  for (int i = 0; i < 20; ++i) NoteOn(dup, absl::StrCat("n", i));
  std::vector<ClientRecord> targets = {keep, NewClient(firm_, "J other")};
  std::atomic<int> merged = 0;
  std::atomic<int> not_found = 0;
  std::vector<std::thread> callers;
  for (int i = 0; i < 64; ++i) {
    callers.emplace_back([&, i] {
      auto m = Merge(targets[i % 2], dup, absl::StrCat("race-", i));
      if (m.ok()) ++merged;
      if (m.status().code() == absl::StatusCode::kNotFound) ++not_found;
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(merged, 1);
  EXPECT_EQ(not_found, 63);
  // Every note moved once, to the one winner.
  int notes = 0;
  for (const ClientRecord& target : targets) {
    notes += ValueOrFail(directory_->notes.ListNotes(
                             testing::As("admin"),
                             {.firm_id = firm_, .company_id = target.company_id()}))
                 .items.size();
  }
  EXPECT_EQ(notes, 20);
}

TEST_F(ClientMergeTest, WhileBillingIsAskedTheSourceIsNotCheckedForAChange) {
  ClientRecord keep = NewClient(firm_, "Rossi SRL");
  ClientRecord dup = NewClient(firm_, "Rossi S.R.L.");
  auth::Caller changing = testing::As("admin");
  changing.for_change = true;
  wholesale_.while_asked = [&] {
    EXPECT_THAT(directory_->clients.GetClient(changing,
                                              names::ClientName{firm_, dup.company_id()}),
                StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(directory_->clients.GetClient(
                    changing, names::ClientName{firm_, keep.company_id()}),
                IsOk());
  };
  ASSERT_THAT(Merge(keep, dup), IsOk());
  EXPECT_THAT(directory_->clients.GetClient(changing,
                                            names::ClientName{firm_, keep.company_id()}),
              IsOk());
}

// An admin removed while billing is asked (no lock is held across that call)
// is checked again under the firm's lock: the merge never commits after the
// removal did.
TEST_F(ClientMergeTest, AnAdminRemovedWhileBillingIsAskedMergesNothing) {
  ClientRecord keep = NewClient(firm_, "Rossi SRL");
  ClientRecord dup = NewClient(firm_, "Rossi S.R.L.");
  wholesale_.while_asked = [&] {
    wholesale_.while_asked = nullptr;
    EXPECT_THAT(directory_->removal.RemoveMember(
                    testing::As("owner"), names::MemberName{firm_, "admin"}, "", ""),
                IsOk());
  };
  EXPECT_THAT(Merge(keep, dup), StatusIs(absl::StatusCode::kPermissionDenied));
  for (const ClientRecord& unchanged : {keep, dup}) {
    EXPECT_EQ(ValueOrFail(directory_->clients.GetClient(
                              testing::As("owner"),
                              names::ClientName{firm_, unchanged.company_id()}))
                  .revision(),
              unchanged.revision());
  }
}

TEST_F(ClientMergeTest, ASourceWithMoreTodosThanOneWriteCarriesIsRefused) {
  ClientRecord keep = NewClient(firm_, "Rossi SRL");
  ClientRecord dup = NewClient(firm_, "Rossi S.R.L.");
  for (size_t i = 0; i <= kMaxNotesOrTodosPerWrite; ++i) TodoOn(dup, "t");
  auto merged = Merge(keep, dup);
  EXPECT_THAT(merged, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(errors::ReasonOf(merged.status()),
              ::testing::Optional(std::string("TOO_MANY_NOTES_OR_TODOS")));
  EXPECT_EQ(Get(dup).revision(), dup.revision());
  EXPECT_EQ(Get(keep).revision(), keep.revision());
}

// A write holds the notes it moves several times over: a client with
// 5,000 notes of 80 KB took the directory to 3.4 GB when deleted. 32 MiB of
// notes and to-dos go in one write; more are refused, nothing moved.
TEST_F(ClientMergeTest, ASourceWithMoreNoteBytesThanOneWriteCarriesIsRefused) {
  std::string big;
  for (int i = 0; i < 20'000; ++i) big += "\xF0\x9F\x98\x80";  // 80 KB
  ClientRecord keep = NewClient(firm_, "Rossi SRL");
  ClientRecord under = NewClient(firm_, "Rossi S.R.L.");
  for (int i = 0; i < 400; ++i) NoteOn(under, big);  // 32.0 MB
  EXPECT_THAT(Merge(keep, under), IsOk());

  ClientRecord over = NewClient(firm_, "Rossi s.r.l");
  for (int i = 0; i < 420; ++i) NoteOn(over, big);  // 33.6 MB, past 32 MiB
  auto merged = Merge(keep, over);
  EXPECT_THAT(merged, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(errors::ReasonOf(merged.status()),
              ::testing::Optional(std::string("TOO_MANY_NOTES_OR_TODOS")));
  EXPECT_EQ(Get(over).revision(), over.revision());
}

// One large write at a time in a process: while one holds the place, a
// merge of another large source is refused at once (waiting, it would hold
// a thread other calls need), nothing changed; a small one goes ahead.
TEST_F(ClientMergeTest, WhileALargeWriteIsUnderWayAnotherIsRefusedAndASmallOneGoes) {
  const std::string note(20'000, 'n');
  ClientRecord keep = NewClient(firm_, "Rossi SRL");
  ClientRecord first = NewClient(firm_, "Rossi S.R.L.");
  ClientRecord second = NewClient(firm_, "Rossi s.r.l");
  ClientRecord small = NewClient(firm_, "ROSSI SRL");
  for (int i = 0; i < 60; ++i) {  // 1.2 MB each, past 1 MiB
    NoteOn(first, note);
    NoteOn(second, note);
  }
  NoteOn(small, note);
  absl::StatusOr<ClientWork> under_way = directory_->core.LoadClientWork(first);
  ASSERT_THAT(under_way, IsOk());
  EXPECT_TRUE(under_way->large.owns_lock());

  auto refused = Merge(keep, second);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(errors::ReasonOf(refused.status()),
              ::testing::Optional(std::string("LARGE_WRITE_BUSY")));
  EXPECT_EQ(errors::RetryDelayOf(refused.status()), absl::Seconds(1));
  EXPECT_EQ(Get(second).revision(), second.revision());
  EXPECT_THAT(Merge(keep, small), IsOk());

  under_way = ClientWork{};  // its write committed
  EXPECT_THAT(Merge(keep, second), IsOk());
}

TEST_F(ClientMergeTest, AClientIsNotMergedIntoItselfNorAcrossFirms) {
  ClientRecord keep = NewClient(firm_, "I");
  EXPECT_THAT(Merge(keep, keep), StatusIs(absl::StatusCode::kInvalidArgument));
  const uint64_t other = NewFirm("other");
  ClientRecord theirs = NewClient(other, "I", "", "other");
  EXPECT_THAT(Merge(keep, theirs), StatusIs(absl::StatusCode::kNotFound));
  ClientRecord dup = NewClient(firm_, "I dup");
  ASSERT_THAT(Merge(keep, dup), IsOk());
  EXPECT_THAT(Merge(keep, dup), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace clientbook::directory
