#include "common/storage/id_allocator.h"

#include <algorithm>

#include "common/storage/key_codec.h"

namespace clientbook::storage {
absl::StatusOr<std::unique_ptr<IdAllocator>> IdAllocator::Open(Database* db,
                                                               std::string key,
                                                               uint64_t lowest_id) {
  absl::StatusOr<std::optional<std::string>> stored = db->Get(key);
  if (!stored.ok()) return stored.status();
  uint64_t start = lowest_id;
  if (stored->has_value()) {
    std::optional<uint64_t> limit = DecodeUint64(**stored);
    if (!limit.has_value()) return absl::DataLossError("unreadable id block limit");
    start = std::max(start, *limit);
  }
  return std::unique_ptr<IdAllocator>(new IdAllocator(db, std::move(key), start));
}

absl::StatusOr<uint64_t> IdAllocator::Next() {
  absl::MutexLock lock(&mu_);
  if (next_ == limit_) {
    rocksdb::WriteBatch batch;
    batch.Put(key_, EncodeUint64(limit_ + kBlock));
    if (absl::Status s = db_->WriteDurably(batch); !s.ok()) return s;
    limit_ += kBlock;
  }
  return next_++;
}

}  // namespace clientbook::storage
