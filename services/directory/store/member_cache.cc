#include "services/directory/store/member_cache.h"

namespace clientbook::directory {

std::optional<std::optional<MemberRecord>> MemberCache::Find(uint64_t firm_id,
                                                             absl::string_view user_id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(std::make_pair(firm_id, std::string(user_id)));
  if (it == entries_.end() || it->second.epoch != Epoch()) return std::nullopt;
  return it->second.member;
}

void MemberCache::Insert(uint64_t epoch, uint64_t firm_id, absl::string_view user_id,
                         const std::optional<MemberRecord>& member) {
  absl::MutexLock lock(&mu_);
  if (epoch != Epoch()) return;
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.insert_or_assign(std::make_pair(firm_id, std::string(user_id)),
                            Entry{epoch, member});
}

void MemberCache::Invalidate() {
  absl::MutexLock lock(&mu_);
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  entries_.clear();
}

}  // namespace clientbook::directory
