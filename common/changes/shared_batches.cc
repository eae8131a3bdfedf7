#include "common/changes/shared_batches.h"

#include "absl/strings/str_cat.h"

namespace clientbook::changes {
namespace {

// What a kept batch costs besides its bytes (its key, its entry): an empty
// batch (every record filtered out) is not free.
constexpr size_t kBatchOverhead = 256;

void AppendField(std::string& key, absl::string_view field) {
  absl::StrAppend(&key, field.size(), ":", field);
}

size_t CostOf(const std::string& view, const SharedBatch& batch) {
  return view.size() + batch.response.size() + kBatchOverhead;
}

}  // namespace

std::string WatchView(const auth::Caller& caller, absl::string_view parent,
                      absl::string_view filter) {
  std::string view;
  AppendField(view, caller.user_id);
  AppendField(view, caller.verified_email);
  AppendField(view, absl::StrCat(caller.roles.size()));
  for (const std::string& role : caller.roles) AppendField(view, role);
  AppendField(view, parent);
  AppendField(view, filter);
  return view;
}

std::shared_ptr<const SharedBatch> SharedBatches::Find(const std::string& view,
                                                       uint64_t from) const {
  absl::MutexLock lock(&mu_);
  const auto kept = batches_.find(Key(view, from));
  return kept == batches_.end() ? nullptr : kept->second;
}

void SharedBatches::Keep(const std::string& view, uint64_t from,
                         std::shared_ptr<const SharedBatch> batch) {
  const size_t cost = CostOf(view, *batch);
  if (cost > max_bytes_) return;
  absl::MutexLock lock(&mu_);
  Key key(view, from);
  if (!batches_.try_emplace(key, std::move(batch)).second) return;
  kept_order_.push_back(std::move(key));
  bytes_ += cost;
  while (bytes_ > max_bytes_) {
    const auto oldest = batches_.find(kept_order_.front());
    bytes_ -= CostOf(oldest->first.first, *oldest->second);
    batches_.erase(oldest);
    kept_order_.pop_front();
  }
}

}  // namespace clientbook::changes
