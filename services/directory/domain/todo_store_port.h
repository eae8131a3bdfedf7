#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_TODO_STORE_PORT_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_TODO_STORE_PORT_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clientbook/v1/workspace.pb.h"
#include "services/directory/domain/model.h"

namespace clientbook::directory {

using storage::StoredPage;

// Which of a firm's to-dos a TodoScan walks, in due-date order (those
// without a due date last): all, one assignee's or one client's; all
// states, the open ones (OPEN, IN_PROGRESS) or one state.
struct TodoScan {
  uint64_t firm_id = 0;
  enum class By { kFirm, kAssignee, kClient } by = By::kFirm;
  std::string assignee;     // By::kAssignee
  uint64_t company_id = 0;  // By::kClient
  enum class States { kAll, kOpen, kOne } states = States::kAll;
  v1::Todo::State state = v1::Todo::STATE_UNSPECIFIED;  // States::kOne
  // Days (since 1970-01-01) bounding the due date, inclusive; when either is
  // set, to-dos without a due date are left out.
  std::optional<int32_t> due_from;
  std::optional<int32_t> due_to;
  std::string cursor;
  size_t limit = 50;
  // The page's records come to at most this many bytes (its first one
  // whatever its size): a List call's page must fit one message.
  size_t max_bytes = std::numeric_limits<size_t>::max();
  size_t max_examined = 20000;
  std::function<bool(const TodoRecord&)> record_filter;
};

// A firm's to-dos.
class TodoStore {
 public:
  virtual ~TodoStore() = default;

  virtual absl::StatusOr<std::optional<TodoRecord>> GetTodo(uint64_t firm_id,
                                                            uint64_t todo_id) const = 0;
  virtual absl::StatusOr<StoredPage<TodoRecord>> ScanTodos(
      const TodoScan& scan) const = 0;
  // How many to-dos `scan`'s range holds (its facet, states and due days;
  // its record_filter, cursor and limits aside), up to `max`: counted in
  // the index, no record read.
  virtual absl::StatusOr<size_t> CountTodos(const TodoScan& scan, size_t max) const = 0;
  // Up to `limit` to-dos of one client, read until they come to more than
  // `max_bytes`.
  virtual absl::StatusOr<std::vector<TodoRecord>> ClientTodos(uint64_t firm_id,
                                                              uint64_t company_id,
                                                              size_t limit,
                                                              size_t max_bytes) const = 0;
};

// A write's changes to to-dos.
class TodoWrites {
 public:
  virtual ~TodoWrites() = default;

  // Indexed by firm, assignee and client, each by state and due date.
  virtual void PutTodo(const TodoRecord* before, const TodoRecord& after) = 0;
  virtual void DeleteTodo(const TodoRecord& stored) = 0;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_TODO_STORE_PORT_H_
