#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_TODO_STORE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_TODO_STORE_H_

#include "common/storage/database.h"
#include "services/directory/domain/todo_store_port.h"
#include "services/directory/store/staged_write.h"

namespace clientbook::directory {

// To-dos and their indexes (workspace_keys.h).
class RocksTodoStore final : public TodoStore {
 public:
  explicit RocksTodoStore(storage::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<TodoRecord>> GetTodo(uint64_t firm_id,
                                                    uint64_t todo_id) const override;
  absl::StatusOr<StoredPage<TodoRecord>> ScanTodos(const TodoScan& scan) const override;
  absl::StatusOr<size_t> CountTodos(const TodoScan& scan, size_t max) const override;
  absl::StatusOr<std::vector<TodoRecord>> ClientTodos(uint64_t firm_id,
                                                      uint64_t company_id, size_t limit,
                                                      size_t max_bytes) const override;

 private:
  storage::Database& db_;
};

class RocksTodoWrites final : public TodoWrites {
 public:
  explicit RocksTodoWrites(StagedWrite& write) : write_(write) {}

  void PutTodo(const TodoRecord* before, const TodoRecord& after) override;
  void DeleteTodo(const TodoRecord& stored) override;

 private:
  StagedWrite& write_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_TODO_STORE_H_
