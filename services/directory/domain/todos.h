#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_TODOS_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_TODOS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "services/directory/domain/directory_core.h"

namespace clientbook::directory {

// Parameters of ListTodos; see ListTodosRequest in workspace.proto. Days
// are DayNumber()s.
struct TodoQuery {
  uint64_t firm_id = 0;
  uint64_t company_id = 0;  // 0: every client
  std::string assignee;     // user id; "" for anyone
  v1::Todo::State state = v1::Todo::STATE_UNSPECIFIED;
  bool open_only = false;
  std::optional<int32_t> due_from;
  std::optional<int32_t> due_to;
  PageRequest page;
};

// How a client's to-dos stand, in the firm's time zone.
struct WorkSummary {
  int32_t open = 0;
  int32_t overdue = 0;
  int32_t done_this_month = 0;
  std::string time_zone;
};

// To-dos on clients, assigned to members, followed by state and progress
// and listed by due date.
class Todos {
 public:
  explicit Todos(DirectoryCore& core)
      : core_(core),
        firm_store_(core.store().firms()),
        todo_store_(core.store().todos()) {}

  // `draft` carries company_id, title, description, assignee, due date,
  // state (unspecified: OPEN) and progress.
  absl::StatusOr<TodoRecord> CreateTodo(const auth::Caller& caller,
                                        names::FirmName firm_name,
                                        const TodoRecord& draft,
                                        absl::string_view request_id);
  absl::StatusOr<TodoRecord> GetTodo(const auth::Caller& caller,
                                     const names::TodoName& todo_name);
  // Paths: title, description, assignee, due_date, state, progress; `etag`
  // must be current. A retry under `request_id` (shared with CreateTodo's
  // ids in the firm) is answered the to-do as it is now.
  absl::StatusOr<TodoRecord> UpdateTodo(const auth::Caller& caller,
                                        const names::TodoName& todo_name,
                                        const TodoRecord& patch,
                                        const std::vector<std::string>& paths,
                                        absl::string_view etag,
                                        absl::string_view request_id = "");
  absl::StatusOr<Page<TodoRecord>> ListTodos(const auth::Caller& caller,
                                             const TodoQuery& query);
  absl::StatusOr<WorkSummary> GetClientWorkSummary(const auth::Caller& caller,
                                                   const names::ClientName& client_name);

 private:
  // UpdateTodo's checks and change, under the firm's lock, into `write`.
  absl::StatusOr<TodoRecord> WriteUpdate(DirectoryWrite& write,
                                         const auth::Caller& caller,
                                         const names::TodoName& todo_name,
                                         const TodoRecord& patch,
                                         const std::vector<std::string>& paths,
                                         absl::string_view etag);
  // Checks `todo` as it would be stored, and its assignee's membership.
  absl::Status Check(const TodoRecord& todo, const TodoRecord* before = nullptr);

  DirectoryCore& core_;
  const FirmStore& firm_store_;
  const TodoStore& todo_store_;
};

// A calendar day as a number (days since 1970-01-01), and back.
int32_t DayNumber(absl::CivilDay day);
absl::CivilDay DayOfNumber(int32_t number);
// The day number of year-month-day, or nullopt if there is no such day
// (years 1 to 9999).
std::optional<int32_t> DayNumber(int64_t year, int month, int day);

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_TODOS_H_
