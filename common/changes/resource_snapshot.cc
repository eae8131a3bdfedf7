#include "common/changes/resource_snapshot.h"

namespace clientbook::changes {

ResourceSnapshot::ResourceSnapshot(const storage::Database& db,
                                   std::shared_ptr<const rocksdb::Snapshot> state,
                                   uint64_t next_sequence,
                                   const std::vector<ResourceTable>& tables, uint64_t firm_id)
    : db_(db),
      state_(std::move(state)),
      next_sequence_(next_sequence),
      tables_(tables),
      firm_id_(firm_id) {}

bool ResourceSnapshot::SeekTable() {
  while (table_ < tables_.size()) {
    std::optional<std::string> prefix = tables_[table_].prefix(firm_id_);
    if (prefix.has_value()) {
      prefix_ = std::move(*prefix);
      it_ = db_.NewIterator(state_.get());
      it_->Seek(prefix_);
      return true;
    }
    ++table_;
  }
  return false;
}

absl::StatusOr<std::vector<ChangeRecord>> ResourceSnapshot::Next(size_t limit,
                                                                 size_t max_bytes) {
  std::vector<ChangeRecord> records;
  if (it_ == nullptr && !SeekTable()) return records;
  size_t bytes = 0;
  while (records.size() < limit && bytes < max_bytes) {
    if (!it_->Valid() || !it_->key().starts_with(prefix_)) {
      if (!it_->status().ok()) return storage::ToAbslStatus(it_->status());
      ++table_;
      if (!SeekTable()) break;
      continue;
    }
    const absl::string_view key(it_->key().data(), it_->key().size());
    const absl::string_view value(it_->value().data(), it_->value().size());
    absl::StatusOr<std::optional<ChangeRecord>> record = tables_[table_].record(key, value);
    if (!record.ok()) return record.status();
    if (record->has_value()) {
      bytes += value.size();
      (*record)->set_type(kExists);
      (*record)->set_sequence(next_sequence_ - 1);
      records.push_back(std::move(**record));
    }
    it_->Next();
  }
  return records;
}

}  // namespace clientbook::changes
