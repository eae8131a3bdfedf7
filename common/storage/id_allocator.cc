#include "common/storage/id_allocator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/keys/key_codec.h"

namespace clientbook::storage {
absl::StatusOr<std::unique_ptr<IdAllocator>> IdAllocator::Open(
    Database* db, std::string key, uint64_t lowest_id, uint64_t end_id, uint64_t skip) {
  absl::StatusOr<std::optional<std::string>> stored = db->Get(key);
  if (!stored.ok()) return stored.status();
  uint64_t start = lowest_id;
  if (stored->has_value()) {
    std::optional<uint64_t> limit = DecodeUint64(**stored);
    if (!limit.has_value()) return absl::DataLossError("unreadable id block limit");
    start = std::max(start, *limit);
  }
  if (skip > 0) {
    start = std::min(start + skip, end_id);
    rocksdb::WriteBatch batch;
    batch.Put(key, EncodeUint64(start));
    if (absl::Status s = db->WriteDurably(batch); !s.ok()) return s;
  }
  return std::unique_ptr<IdAllocator>(new IdAllocator(db, std::move(key), start, end_id));
}

absl::StatusOr<uint64_t> IdAllocator::Next() {
  absl::MutexLock lock(&mu_);
  if (next_ == limit_) {
    if (limit_ >= end_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "every id below ", end_, " is handed out: this cell takes no new resources"));
    }
    const uint64_t limit = std::min(limit_ + kBlock, end_);
    rocksdb::WriteBatch batch;
    batch.Put(key_, EncodeUint64(limit));
    if (absl::Status s = db_->WriteDurably(batch); !s.ok()) return s;
    limit_ = limit;
  }
  return next_++;
}

}  // namespace clientbook::storage
