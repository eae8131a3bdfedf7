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
  // Continues from the block end stored under `key`, or from `lowest_id`
  // when that is higher (a new database; a restored one, whose stored end
  // may be below ids already handed out).
  static absl::StatusOr<std::unique_ptr<IdAllocator>> Open(Database* db, std::string key,
                                                           uint64_t lowest_id);

  absl::StatusOr<uint64_t> Next();

 private:
  IdAllocator(Database* db, std::string key, uint64_t start)
      : db_(db), key_(std::move(key)), next_(start), limit_(start) {}

  static constexpr uint64_t kBlock = 1024;
  Database* db_;
  std::string key_;
  absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_);
  uint64_t limit_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::storage

#endif  // CLIENTBOOK_COMMON_STORAGE_ID_ALLOCATOR_H_
