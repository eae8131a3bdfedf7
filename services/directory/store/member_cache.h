#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_MEMBER_CACHE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_MEMBER_CACHE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "services/directory/domain/model.h"

namespace clientbook::directory {

// Memberships as last read, so the check every call of a firm starts with
// (is the caller a member, with which role?) costs no RocksDB lookup. The
// write frame invalidates: a batch that puts a member moves the epoch just
// before it commits and again once it has, and an entry read under another
// epoch is never served. So once the write returns, every call sees it, and
// a read that raced it is simply read again. Bounded: when full, it starts
// over empty.
class MemberCache {
 public:
  static constexpr size_t kDefaultCapacity = 65536;

  explicit MemberCache(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // Read before reading the store; handed back to Insert().
  uint64_t Epoch() const { return epoch_.load(std::memory_order_acquire); }
  // The member as last read (nullopt inside: not a member), or nullopt when
  // it must be read from the store.
  std::optional<std::optional<MemberRecord>> Find(uint64_t firm_id,
                                                  absl::string_view user_id);
  // What the store said under `epoch`; dropped if the epoch has moved since.
  void Insert(uint64_t epoch, uint64_t firm_id, absl::string_view user_id,
              const std::optional<MemberRecord>& member);
  // Every entry stops counting: members are being, or have been, written.
  void Invalidate();

 private:
  struct Entry {
    uint64_t epoch = 0;
    std::optional<MemberRecord> member;
  };

  const size_t capacity_;
  std::atomic<uint64_t> epoch_{0};
  absl::Mutex mu_;
  absl::flat_hash_map<std::pair<uint64_t, std::string>, Entry> entries_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_MEMBER_CACHE_H_
