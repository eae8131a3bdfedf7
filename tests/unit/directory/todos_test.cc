// To-dos: their limits, state moves and progress, lists by due date, and a
// client's work summary in the firm's time zone.
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

class TodosTest : public DirectoryTest {
 protected:
  TodosTest() : firm_(NewFirm()) {
    AddMember(firm_, "anna", v1::Role::STAFF);
    AddMember(firm_, "bruno", v1::Role::STAFF);
    client_ = NewClient(firm_, "Rossi SRL").company_id();
  }

  TodoRecord Draft(const std::string& title, const std::string& assignee = "anna",
                   std::optional<absl::CivilDay> due = std::nullopt,
                   uint64_t company = 0) const {
    TodoRecord t;
    t.set_company_id(company == 0 ? client_ : company);
    t.set_title(title);
    t.set_assignee_user_id(assignee);
    if (due) {
      t.set_has_due_date(true);
      t.set_due_day(DayNumber(*due));
    }
    return t;
  }
  TodoRecord Create(const TodoRecord& draft) {
    return ValueOrFail(directory_->todos.CreateTodo(testing::As("owner"),
                                                    names::FirmName{firm_}, draft, ""));
  }
  absl::StatusOr<TodoRecord> Move(const TodoRecord& t, v1::Todo::State state) {
    TodoRecord patch;
    patch.set_state(state);
    return directory_->todos.UpdateTodo(
        testing::As("anna"), names::TodoName{firm_, t.id()}, patch, {"state"}, EtagOf(t));
  }
  std::vector<std::string> Titles(TodoQuery query) {
    query.firm_id = firm_;
    auto page = directory_->todos.ListTodos(testing::As("anna"), query);
    EXPECT_THAT(page, IsOk()) << page.status();
    std::vector<std::string> titles;
    if (page.ok()) {
      for (const TodoRecord& t : page->items) titles.push_back(t.title());
    }
    return titles;
  }

  uint64_t firm_;
  uint64_t client_;
};

TEST_F(TodosTest, ANewTodoIsOpenForAMemberOfTheFirm) {
  TodoRecord t = Create(Draft("Bilancio 2025"));
  EXPECT_EQ(t.state(), v1::Todo::OPEN);
  EXPECT_EQ(t.progress(), 0);
  auto outsider = directory_->todos.CreateTodo(
      testing::As("owner"), names::FirmName{firm_}, Draft("x", "stranger"), "");
  ASSERT_THAT(outsider, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(outsider.status())[0].field, "todo.assignee");
  EXPECT_THAT(directory_->todos.CreateTodo(testing::As("stranger"),
                                           names::FirmName{firm_}, Draft("x"), ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(TodosTest, TitleIsOneTo200CharactersAndProgress0To100) {
  EXPECT_THAT(
      directory_->todos.CreateTodo(testing::As("owner"), names::FirmName{firm_},
                                   Draft(std::string(kMaxTodoTitleCharacters, 'x')), ""),
      IsOk());
  EXPECT_THAT(directory_->todos.CreateTodo(
                  testing::As("owner"), names::FirmName{firm_},
                  Draft(std::string(kMaxTodoTitleCharacters + 1, 'x')), ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(directory_->todos.CreateTodo(testing::As("owner"), names::FirmName{firm_},
                                           Draft("  "), ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  TodoRecord draft = Draft("p");
  draft.set_progress(101);
  EXPECT_THAT(directory_->todos.CreateTodo(testing::As("owner"), names::FirmName{firm_},
                                           draft, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  draft.set_progress(100);
  EXPECT_THAT(directory_->todos.CreateTodo(testing::As("owner"), names::FirmName{firm_},
                                           draft, ""),
              IsOk());
}

// A title is one line that shows something; the description may run over
// lines.
TEST_F(TodosTest, ATitleIsOneVisibleLine) {
  for (const char* title : {"\u200B", "Call\nback", "\tCall back\x7F"}) {
    auto todo = directory_->todos.CreateTodo(testing::As("owner"), names::FirmName{firm_},
                                             Draft(title), "");
    EXPECT_THAT(todo, StatusIs(absl::StatusCode::kInvalidArgument)) << title;
  }
  TodoRecord draft = Draft("Call back");
  draft.set_description("Ask for:\n- the F24\n- the invoices");
  auto todo = directory_->todos.CreateTodo(testing::As("owner"), names::FirmName{firm_},
                                           draft, "");
  ASSERT_THAT(todo, IsOk()) << todo.status();
  TodoRecord patch;
  patch.set_title("Call\rback");
  EXPECT_THAT(directory_->todos.UpdateTodo(testing::As("owner"),
                                           names::TodoName{firm_, todo->id()}, patch,
                                           {"title"}, EtagOf(*todo)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TodosTest, DueDatesAreCalendarDays) {
  EXPECT_EQ(DayNumber(1970, 1, 1), 0);
  EXPECT_EQ(DayNumber(2024, 2, 29), DayNumber(absl::CivilDay(2024, 2, 29)));
  EXPECT_EQ(DayNumber(2025, 2, 29), std::nullopt);
  EXPECT_EQ(DayNumber(2026, 4, 31), std::nullopt);
  EXPECT_EQ(DayNumber(0, 1, 1), std::nullopt);
  EXPECT_EQ(DayOfNumber(*DayNumber(1969, 12, 31)), absl::CivilDay(1969, 12, 31));
}

TEST_F(TodosTest, DoneSetsProgressTo100AndReopeningIsRecorded) {
  TodoRecord t = Create(Draft("Dichiarazione"));
  TodoRecord patch;
  patch.set_progress(40);
  t = ValueOrFail(directory_->todos.UpdateTodo(testing::As("anna"),
                                               names::TodoName{firm_, t.id()}, patch,
                                               {"progress"}, EtagOf(t)));
  EXPECT_EQ(t.progress(), 40);
  t = ValueOrFail(Move(t, v1::Todo::DONE));
  EXPECT_EQ(t.progress(), 100);
  EXPECT_EQ(t.complete_time_us(), absl::ToUnixMicros(clock_.Now()));
  patch.set_progress(50);
  EXPECT_THAT(
      directory_->todos.UpdateTodo(testing::As("anna"), names::TodoName{firm_, t.id()},
                                   patch, {"progress"}, EtagOf(t)),
      StatusIs(absl::StatusCode::kInvalidArgument));
  clock_.Advance(absl::Hours(1));
  t = ValueOrFail(Move(t, v1::Todo::IN_PROGRESS));
  EXPECT_EQ(t.complete_time_us(), 0);
  ASSERT_EQ(t.reopen_time_us_size(), 1);
  EXPECT_EQ(t.reopen_time_us(0), absl::ToUnixMicros(clock_.Now()));
  // Reopened with a progress of its own.
  patch.set_state(v1::Todo::OPEN);
  patch.set_progress(10);
  t = ValueOrFail(Move(t, v1::Todo::CANCELLED));
  t = ValueOrFail(directory_->todos.UpdateTodo(testing::As("anna"),
                                               names::TodoName{firm_, t.id()}, patch,
                                               {"state", "progress"}, EtagOf(t)));
  EXPECT_EQ(t.progress(), 10);
  EXPECT_EQ(t.reopen_time_us_size(), 2);
  EXPECT_EQ(ReopenCount(t), 2);
}

// A to-do closed and reopened in a loop grew without bound, past what one
// message carries: it keeps its latest 100 reopen times and their count.
// A record from before the count was kept counts its times.
TEST_F(TodosTest, ReopeningKeepsTheLatest100TimesAndCountsThemAll) {
  TodoRecord t = Create(Draft("Dichiarazione"));
  for (int i = 0; i < 101; ++i) {
    t = ValueOrFail(Move(t, v1::Todo::DONE));
    clock_.Advance(absl::Seconds(1));
    t = ValueOrFail(Move(t, v1::Todo::OPEN));
  }
  EXPECT_EQ(ReopenCount(t), 101);
  ASSERT_EQ(t.reopen_time_us_size(), kMaxReopenTimesKept);
  EXPECT_EQ(t.reopen_time_us(kMaxReopenTimesKept - 1), absl::ToUnixMicros(clock_.Now()));
  EXPECT_EQ(t.reopen_time_us(0), absl::ToUnixMicros(clock_.Now() - absl::Seconds(99)));

  TodoRecord before_the_count;
  before_the_count.add_reopen_time_us(1);
  before_the_count.add_reopen_time_us(2);
  EXPECT_EQ(ReopenCount(before_the_count), 2);
}

TEST_F(TodosTest, AStaleEtagIsAbortedAndAnUnknownPathRefused) {
  TodoRecord t = Create(Draft("x"));
  ASSERT_THAT(Move(t, v1::Todo::IN_PROGRESS), IsOk());
  EXPECT_THAT(Move(t, v1::Todo::DONE), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(
      directory_->todos.UpdateTodo(testing::As("anna"), names::TodoName{firm_, t.id()}, t,
                                   {"complete_time"}, "r2"),
      StatusIs(absl::StatusCode::kInvalidArgument));
  TodoRecord patch;
  patch.set_assignee_user_id("stranger");
  EXPECT_THAT(
      directory_->todos.UpdateTodo(testing::As("anna"), names::TodoName{firm_, t.id()},
                                   patch, {"assignee"}, "r2"),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

// A to-do moved to DONE whose answer was lost, retried under its request
// id, is answered the to-do as it is now rather than ABORTED by the etag
// its first call moved; the id names one request.
TEST_F(TodosTest, AnUpdateRetriedUnderItsRequestIdIsAnsweredNotAborted) {
  const TodoRecord t = Create(Draft("x"));
  const names::TodoName name{firm_, t.id()};
  TodoRecord patch;
  patch.set_state(v1::Todo::DONE);
  const TodoRecord first = ValueOrFail(directory_->todos.UpdateTodo(
      testing::As("anna"), name, patch, {"state"}, EtagOf(t), "done-1"));
  const TodoRecord again = ValueOrFail(directory_->todos.UpdateTodo(
      testing::As("anna"), name, patch, {"state"}, EtagOf(t), "done-1"));
  EXPECT_EQ(again.state(), v1::Todo::DONE);
  EXPECT_EQ(EtagOf(again), EtagOf(first)) << "written once";
  EXPECT_EQ(again.complete_time_us(), first.complete_time_us());
  EXPECT_THAT(directory_->todos.UpdateTodo(testing::As("anna"), name, patch, {"state"},
                                           EtagOf(t)),
              StatusIs(absl::StatusCode::kAborted));
  patch.set_state(v1::Todo::CANCELLED);
  EXPECT_THAT(directory_->todos.UpdateTodo(testing::As("anna"), name, patch, {"state"},
                                           EtagOf(first), "done-1"),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
}

TEST_F(TodosTest, AnUpdateWithoutAnEtagOrWithAnUnknownStateIsRefused) {
  TodoRecord t = Create(Draft("x"));
  TodoRecord patch;
  patch.set_title("y");
  auto no_etag = directory_->todos.UpdateTodo(
      testing::As("anna"), names::TodoName{firm_, t.id()}, patch, {"title"}, "");
  ASSERT_THAT(no_etag, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(no_etag.status())[0].field, "todo.etag");
  auto nothing = directory_->todos.UpdateTodo(
      testing::As("anna"), names::TodoName{firm_, t.id()}, patch, {}, EtagOf(t));
  ASSERT_THAT(nothing, IsOk()) << "no field (a mask of output-only ones) changes nothing";
  EXPECT_EQ(EtagOf(*nothing), EtagOf(t));
  auto unknown = Move(t, static_cast<v1::Todo::State>(99));
  ASSERT_THAT(unknown, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(unknown.status())[0].field, "todo.state");
  EXPECT_EQ(ValueOrFail(directory_->todos.GetTodo(testing::As("anna"),
                                                  names::TodoName{firm_, t.id()}))
                .revision(),
            t.revision());
}

TEST_F(TodosTest, TheDueDateMovesAndIsCleared) {
  TodoRecord t = Create(Draft("x", "anna", absl::CivilDay(2026, 3, 16)));
  TodoRecord patch;
  patch.set_has_due_date(true);
  patch.set_due_day(*DayNumber(2026, 3, 31));
  t = ValueOrFail(directory_->todos.UpdateTodo(testing::As("anna"),
                                               names::TodoName{firm_, t.id()}, patch,
                                               {"due_date"}, EtagOf(t)));
  EXPECT_EQ(t.due_day(), *DayNumber(2026, 3, 31));
  t = ValueOrFail(directory_->todos.UpdateTodo(testing::As("anna"),
                                               names::TodoName{firm_, t.id()},
                                               TodoRecord(), {"due_date"}, EtagOf(t)));
  EXPECT_FALSE(t.has_due_date());
  EXPECT_EQ(t.due_day(), 0);
}

TEST_F(TodosTest, TheSameRequestIdCreatesOneTodo) {
  auto create = [&] {
    return ValueOrFail(directory_->todos.CreateTodo(
        testing::As("owner"), names::FirmName{firm_}, Draft("Bilancio"), "todo-1"));
  };
  TodoRecord first = create();
  clock_.Advance(absl::Minutes(1));
  TodoRecord again = create();
  EXPECT_EQ(again.id(), first.id());
  EXPECT_EQ(again.create_time_us(), first.create_time_us());
  EXPECT_THAT(Titles({}), ElementsAre("Bilancio"));
}

TEST_F(TodosTest, MyOpenTodosDueThisWeekComeByDueDate) {
  const absl::CivilDay monday(2026, 1, 12);
  Create(Draft("friday", "anna", monday + 4));
  Create(Draft("monday", "anna", monday));
  Create(Draft("next week", "anna", monday + 7));
  Create(Draft("last week", "anna", monday - 1));
  Create(Draft("undated", "anna"));
  Create(Draft("bruno's", "bruno", monday + 1));
  TodoRecord done = Create(Draft("done", "anna", monday + 2));
  ASSERT_THAT(Move(done, v1::Todo::DONE), IsOk());
  TodoRecord started = Create(Draft("started", "anna", monday + 3));
  ASSERT_THAT(Move(started, v1::Todo::IN_PROGRESS), IsOk());

  EXPECT_THAT(Titles({.assignee = "anna",
                      .open_only = true,
                      .due_from = DayNumber(monday),
                      .due_to = DayNumber(monday + 6)}),
              ElementsAre("monday", "started", "friday"));
  // Undated ones come last without a due range.
  EXPECT_THAT(
      Titles({.assignee = "anna", .open_only = true}),
      ElementsAre("last week", "monday", "started", "friday", "next week", "undated"));
  EXPECT_THAT(Titles({.state = v1::Todo::DONE}), ElementsAre("done"));
  EXPECT_THAT(Titles({.due_from = DayNumber(monday + 7)}), ElementsAre("next week"));
  EXPECT_EQ(Titles({}).size(), 8u);
}

TEST_F(TodosTest, AClientsTodosAndOneAssigneesOfOneClient) {
  const uint64_t other = NewClient(firm_, "Bianchi").company_id();
  Create(Draft("rossi anna", "anna"));
  Create(Draft("rossi bruno", "bruno"));
  Create(Draft("bianchi anna", "anna", std::nullopt, other));
  EXPECT_THAT(Titles({.company_id = client_}), ElementsAre("rossi anna", "rossi bruno"));
  EXPECT_THAT(Titles({.company_id = other, .assignee = "anna"}),
              ElementsAre("bianchi anna"));
}

TEST_F(TodosTest, ListFiltersAreChecked) {
  EXPECT_THAT(directory_->todos.ListTodos(
                  testing::As("anna"),
                  {.firm_id = firm_, .state = v1::Todo::OPEN, .open_only = true}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(directory_->todos.ListTodos(testing::As("anna"),
                                          {.firm_id = firm_, .due_from = 5, .due_to = 4}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(directory_->todos.ListTodos(testing::As("stranger"), {.firm_id = firm_}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // A client the firm does not have: not found, rather than no to-dos.
  EXPECT_THAT(directory_->todos.ListTodos(testing::As("anna"),
                                          {.firm_id = firm_, .company_id = 999999}),
              StatusIs(absl::StatusCode::kNotFound, "999999"));
}

TEST_F(TodosTest, PagesFollowTheDueDate) {
  for (int i = 0; i < 5; ++i) {
    Create(Draft(absl::StrCat("t", i), "anna", absl::CivilDay(2026, 2, 1) + i));
  }
  TodoQuery query{.firm_id = firm_, .assignee = "anna", .page = {.page_size = 2}};
  auto first = ValueOrFail(directory_->todos.ListTodos(testing::As("anna"), query));
  ASSERT_EQ(first.items.size(), 2u);
  query.page.page_token = first.next_page_token;
  auto second = ValueOrFail(directory_->todos.ListTodos(testing::As("anna"), query));
  ASSERT_EQ(second.items.size(), 2u);
  EXPECT_EQ(second.items[0].title(), "t2");
}

// Now is 2026-01-31 23:30 UTC: still January in UTC, already 1 February in
// Rome. A to-do due 31 January is overdue in Rome only; one done at 23:30
// Rome time on 31 January was done "this month" in UTC only. In progress
// is open; done, cancelled and another client's are neither open nor
// overdue, whatever their due day.
TEST_F(TodosTest, TheWorkSummaryCountsDaysInTheFirmsTimeZone) {
  clock_.Advance(
      absl::FromCivil(absl::CivilSecond(2026, 1, 31, 22, 30, 0), absl::UTCTimeZone()) -
      clock_.Now());
  Create(Draft("due 31 Jan", "anna", absl::CivilDay(2026, 1, 31)));
  Create(Draft("due 30 Jan", "anna", absl::CivilDay(2026, 1, 30)));
  Create(Draft("undated", "anna"));
  ASSERT_THAT(Move(Create(Draft("due 29 Jan", "anna", absl::CivilDay(2026, 1, 29))),
                   v1::Todo::IN_PROGRESS),
              IsOk());
  ASSERT_THAT(Move(Create(Draft("done")), v1::Todo::DONE), IsOk());
  ASSERT_THAT(Move(Create(Draft("done, was due", "anna", absl::CivilDay(2026, 1, 2))),
                   v1::Todo::DONE),
              IsOk());
  ASSERT_THAT(Move(Create(Draft("cancelled", "anna", absl::CivilDay(2026, 1, 2))),
                   v1::Todo::CANCELLED),
              IsOk());
  const uint64_t other = NewClient(firm_, "Bianchi SpA").company_id();
  Create(Draft("another client's", "anna", absl::CivilDay(2026, 1, 2), other));
  clock_.Advance(absl::Hours(1));

  auto utc = ValueOrFail(directory_->todos.GetClientWorkSummary(
      testing::As("anna"), names::ClientName{firm_, client_}));
  EXPECT_EQ(utc.time_zone, "UTC");
  EXPECT_EQ(utc.open, 4);
  EXPECT_EQ(utc.overdue, 2);
  EXPECT_EQ(utc.done_this_month, 2);

  FirmRecord rome;
  rome.set_time_zone("Europe/Rome");
  ASSERT_THAT(directory_->firms.UpdateFirm(testing::As("owner"), names::FirmName{firm_},
                                           rome, {"time_zone"}),
              IsOk());
  auto in_rome = ValueOrFail(directory_->todos.GetClientWorkSummary(
      testing::As("anna"), names::ClientName{firm_, client_}));
  EXPECT_EQ(in_rome.time_zone, "Europe/Rome");
  EXPECT_EQ(in_rome.open, 4);
  EXPECT_EQ(in_rome.overdue, 3);
  EXPECT_EQ(in_rome.done_this_month, 0);
}

TEST_F(TodosTest, AFirmsTimeZoneMustBeKnown) {
  FirmRecord patch;
  for (const char* bad : {"Mars/Olympus", "../../etc/passwd", "Europe/Rome\n"}) {
    patch.set_time_zone(bad);
    EXPECT_THAT(directory_->firms.UpdateFirm(testing::As("owner"), names::FirmName{firm_},
                                             patch, {"time_zone"}),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
  patch.set_time_zone("America/Sao_Paulo");
  EXPECT_THAT(directory_->firms.UpdateFirm(testing::As("anna"), names::FirmName{firm_},
                                           patch, {"time_zone"}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(
      ValueOrFail(directory_->firms.UpdateFirm(
                      testing::As("owner"), names::FirmName{firm_}, patch, {"time_zone"}))
          .time_zone(),
      "America/Sao_Paulo");
  EXPECT_THAT(directory_->firms.CreateFirm(testing::As("zed"), "Z", "z@z.example", "", "",
                                           "Nowhere/X"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace clientbook::directory
