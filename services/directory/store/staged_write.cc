#include "services/directory/store/staged_write.h"

#include "absl/container/flat_hash_map.h"
#include "services/directory/store/directory_changes.h"

namespace clientbook::directory {

std::vector<IndexEntry> KeysOnly(std::vector<std::string> keys) {
  std::vector<IndexEntry> entries;
  entries.reserve(keys.size());
  for (std::string& key : keys) entries.emplace_back(std::move(key), "");
  return entries;
}

void StagedWrite::PutDiff(std::vector<IndexEntry> before, std::vector<IndexEntry> after) {
  const absl::flat_hash_map<std::string, std::string> kept(after.begin(), after.end());
  const absl::flat_hash_map<std::string, std::string> had(before.begin(), before.end());
  for (auto& [key, value] : before) {
    if (!kept.contains(key)) Delete(std::move(key));
  }
  for (auto& [key, value] : after) {
    auto old = had.find(key);
    if (old == had.end() || old->second != value) Put(std::move(key), std::move(value));
  }
}

void StagedWrite::RecordReadingBefore(changes::ChangeRecord record, std::string key) {
  read_before_.push_back({records_.size(), std::move(key)});
  records_.push_back(std::move(record));
}

absl::Status StagedWrite::ReadBefore() {
  if (read_before_.empty()) return absl::OkStatus();
  std::vector<std::string> keys;
  keys.reserve(read_before_.size());
  for (const ReadBeforeCommit& read : read_before_) keys.push_back(read.key);
  absl::StatusOr<std::vector<std::optional<std::string>>> stored = db_.MultiGet(keys);
  if (!stored.ok()) return stored.status();
  for (size_t i = 0; i < read_before_.size(); ++i) {
    changes::ChangeRecord& record = records_[read_before_[i].record];
    const std::optional<std::string>& before = (*stored)[i];
    if (before.has_value()) record.set_before(*before);
    if (record.type().empty())
      record.set_type(change_records::PutType(before.has_value()));
  }
  std::erase_if(records_, [](const changes::ChangeRecord& record) {
    return record.before().empty() && record.after().empty();
  });
  return absl::OkStatus();
}

absl::Status StagedWrite::ResolveDeletesIfHolding() {
  if (deletes_if_holding_.empty()) return absl::OkStatus();
  std::vector<std::string> keys;
  keys.reserve(deletes_if_holding_.size());
  for (const auto& [key, value] : deletes_if_holding_) keys.push_back(key);
  absl::StatusOr<std::vector<std::optional<std::string>>> stored = db_.MultiGet(keys);
  if (!stored.ok()) return stored.status();
  for (size_t i = 0; i < keys.size(); ++i) {
    if ((*stored)[i] == deletes_if_holding_[i].second) Delete(std::move(keys[i]));
  }
  deletes_if_holding_.clear();
  return absl::OkStatus();
}

absl::Status StagedWrite::Commit() {
  // Nothing staged (an update whose values were already so): no write, and
  // no wait for the log's commit.
  if (puts_.empty() && deletes_.empty() && deletes_if_holding_.empty() &&
      records_.empty()) {
    return absl::OkStatus();
  }
  if (absl::Status s = ReadBefore(); !s.ok()) return s;
  if (absl::Status s = ResolveDeletesIfHolding(); !s.ok()) return s;
  for (changes::ChangeRecord& record : records_) {
    record.set_actor(origin_.actor);
    record.set_request_id(origin_.request_id);
    record.set_source(origin_.source);
  }
  // Each put and delete is its key and value and a few bytes of framing.
  constexpr size_t kFramingBytes = 16;
  size_t bytes = log_.BatchBytesOf(records_);
  for (const std::string& key : deletes_) bytes += key.size() + kFramingBytes;
  for (const auto& [key, value] : puts_)
    bytes += key.size() + value.size() + kFramingBytes;
  rocksdb::WriteBatch batch(bytes);
  for (const std::string& key : deletes_) batch.Delete(key);
  for (const auto& [key, value] : puts_) batch.Put(key, value);
  // In the batch now: not held twice while RocksDB takes it.
  puts_ = {};
  if (invalidated_ == nullptr) return log_.Commit(batch, std::move(records_));
  invalidated_->Invalidate();
  absl::Status written = log_.Commit(batch, std::move(records_));
  invalidated_->Invalidate();
  return written;
}

}  // namespace clientbook::directory
