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

absl::StatusOr<SharedBatches::Batch> SharedBatches::Get(
    const std::string& view, uint64_t from,
    const std::function<absl::StatusOr<Batch>()>& make) {
  Key key(view, from);
  std::shared_ptr<Slot> slot;
  {
    absl::MutexLock lock(&mu_);
    auto [at, first] = slots_.try_emplace(key, nullptr);
    if (!first) {
      slot = at->second;
      mu_.Await(absl::Condition(
          +[](Slot* s) { return s->made; }, slot.get()));
      return slot->batch;
    }
    at->second = slot = std::make_shared<Slot>();
  }
  absl::StatusOr<Batch> made = make();
  const size_t cost = made.ok() && *made != nullptr ? CostOf(view, **made) : 0;
  absl::MutexLock lock(&mu_);
  slot->made = true;
  if (cost == 0 || cost > max_bytes_) {
    slots_.erase(key);
    if (made.ok()) slot->batch = *made;  // for its waiters alone
    return made;
  }
  slot->batch = *made;
  kept_order_.push_back(std::move(key));
  bytes_ += cost;
  while (bytes_ > max_bytes_) {
    const auto oldest = slots_.find(kept_order_.front());
    bytes_ -= CostOf(oldest->first.first, *oldest->second->batch);
    slots_.erase(oldest);
    kept_order_.pop_front();
  }
  return made;
}

}  // namespace clientbook::changes
