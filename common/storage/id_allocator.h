#ifndef CLIENTBOOK_COMMON_STORAGE_ID_ALLOCATOR_H_
#define CLIENTBOOK_COMMON_STORAGE_ID_ALLOCATOR_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/storage/database.h"

namespace clientbook::storage {

// Hands out ids unique forever, also across crashes: ids come from blocks
// whose end is written durably before the first id of the block is used,
// so a crash skips at most the rest of one block and never reuses an id.
class IdAllocator {
 public:
  // Hands out ids in [lowest_id, end_id): continues from the block end
  // stored under `key` (from `lowest_id` in a new database), `skip` ids
  // further on when asked (a restored store: ChangeLog::ids_to_skip()),
  // which it writes durably before it returns.
  static absl::StatusOr<std::unique_ptr<IdAllocator>> Open(Database* db, std::string key,
                                                           uint64_t lowest_id,
                                                           uint64_t end_id,
                                                           uint64_t skip);

  // RESOURCE_EXHAUSTED once every id of the range is handed out.
  absl::StatusOr<uint64_t> Next();

 private:
  IdAllocator(Database* db, std::string key, uint64_t start, uint64_t end)
      : db_(db), key_(std::move(key)), end_(end), next_(start), limit_(start) {}

  static constexpr uint64_t kBlock = 1024;
  Database* db_;
  std::string key_;
  const uint64_t end_;
  absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_);
  uint64_t limit_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::storage

#endif  // CLIENTBOOK_COMMON_STORAGE_ID_ALLOCATOR_H_
