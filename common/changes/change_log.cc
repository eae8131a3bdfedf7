#include "common/changes/change_log.h"

#include <algorithm>
#include <optional>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/changes/audit_index.h"
#include "common/changes/current_call.h"
#include "common/keys/key_codec.h"
#include "common/storage/records.h"

namespace clientbook::changes {
namespace {

// Parts of the log's table.
constexpr char kEpoch = 'e';
constexpr char kTokenKey = 'k';
constexpr char kRecord = 's';
constexpr char kIdsToSkip = 'u';

// More ids than a store hands out in a second: each id is a committed write,
// and the directory commits about 15,000 a second.
constexpr uint64_t kIdsPerSecondBound = 100'000;

// How many of the newest records are kept in memory for the live tail, and
// in how many bytes at most: a record holds its resource before and after,
// and a note's are 80 KB each, so 4,096 updates of big notes held 660 MB
// (the directory's pod has 1 GiB). Watchers further behind read RocksDB.
constexpr size_t kRecentRecords = 4096;
constexpr size_t kRecentBytes = 16 << 20;
// A read from RocksDB stops past this many bytes of records.
constexpr size_t kStoredReadBytes = 1 << 20;

std::string NewEpoch(const Clock& clock) {
  absl::BitGen random;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(random),
                         static_cast<uint64_t>(absl::ToUnixMicros(clock.Now())));
}

std::string NewTokenKey() {
  absl::BitGen random;
  std::string key;
  for (int i = 0; i < 4; ++i)
    key += storage::EncodeUint64(absl::Uniform<uint64_t>(random));
  return key;
}

}  // namespace

std::string ChangeLog::RecordKey(uint64_t sequence) const {
  return storage::KeyBuilder(table_).Byte(kRecord).Uint64(sequence).Release();
}

absl::StatusOr<std::string> ChangeLog::SecretOf(
    storage::Database& db, char table, char part,
    const std::function<std::string()>& make) {
  const std::string key = storage::KeyBuilder(table).Byte(part).Release();
  absl::StatusOr<std::optional<std::string>> stored = db.Get(key);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) return std::move(**stored);
  std::string made = make();
  rocksdb::WriteBatch batch;
  batch.Put(key, made);
  if (absl::Status s = db.WriteDurably(batch); !s.ok()) return s;
  return made;
}

absl::StatusOr<std::unique_ptr<ChangeLog>> ChangeLog::Open(storage::Database& db,
                                                           char table,
                                                           const Clock& clock) {
  absl::StatusOr<std::string> epoch =
      SecretOf(db, table, kEpoch, [&clock] { return NewEpoch(clock); });
  if (!epoch.ok()) return epoch.status();
  absl::StatusOr<std::string> token_key = SecretOf(db, table, kTokenKey, NewTokenKey);
  if (!token_key.ok()) return token_key.status();
  // The first and last records bound what is kept.
  const std::string prefix = storage::KeyBuilder(table).Byte(kRecord).Release();
  std::unique_ptr<rocksdb::Iterator> it = db.NewIterator(nullptr);
  uint64_t oldest = 1;
  uint64_t next = 1;
  it->Seek(prefix);
  if (it->Valid() && it->key().starts_with(prefix)) {
    std::optional<uint64_t> first =
        storage::TrailingUint64(absl::string_view(it->key().data(), it->key().size()));
    std::string end = prefix;
    end.push_back('\xff');
    it->SeekForPrev(end);
    std::optional<uint64_t> last =
        storage::TrailingUint64(absl::string_view(it->key().data(), it->key().size()));
    if (!first || !last) return absl::DataLossError("bad change log key");
    oldest = *first;
    next = *last + 1;
  }
  if (!it->status().ok()) return storage::ToAbslStatus(it->status());
  absl::StatusOr<std::optional<std::string>> stored_skip =
      db.Get(storage::KeyBuilder(table).Byte(kIdsToSkip).Release());
  if (!stored_skip.ok()) return stored_skip.status();
  uint64_t ids_to_skip = 0;
  if (stored_skip->has_value()) {
    std::optional<uint64_t> skip = storage::DecodeUint64(**stored_skip);
    if (!skip.has_value()) return absl::DataLossError("unreadable count of ids to skip");
    ids_to_skip = *skip;
  }
  return std::unique_ptr<ChangeLog>(new ChangeLog(db, table, clock, std::move(*epoch),
                                                  std::move(*token_key), oldest, next,
                                                  ids_to_skip));
}

absl::Status ChangeLog::Commit(rocksdb::WriteBatch& batch,
                               std::vector<ChangeRecord> records, bool durable) {
  // The call the records come from, as the frame proved it; its identity
  // only on the records the caller is the actor of.
  if (const CallInfo* call = CurrentCall::Get(); call != nullptr && !records.empty()) {
    const std::string method =
        call->request_type != nullptr ? MethodOf(call->request_type) : "";
    for (ChangeRecord& record : records) {
      record.set_method(method);
      if (record.actor() != call->caller->user_id) continue;
      record.set_actor_email(call->caller->verified_email);
      record.set_via(call->caller->via);
      for (const std::string& role : call->caller->roles) record.add_actor_roles(role);
    }
  }
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = std::max(clock_.Now(), last_commit_);
    uint64_t sequence = next_;
    for (ChangeRecord& record : records) {
      record.set_sequence(sequence);
      record.set_commit_time_us(absl::ToUnixMicros(now));
      const std::string stored = record.SerializeAsString();
      batch.Put(RecordKey(sequence), stored);
      if (audit_on()) {
        for (const std::string& key : audit_index::KeysOf(table_, record)) {
          batch.Put(key, audit_index::HoldsRecord(key) ? stored : "");
        }
      }
      ++sequence;
    }
    if (absl::Status s = durable ? db_.WriteDurably(batch) : db_.Write(batch); !s.ok()) {
      return s;
    }
    next_ = sequence;
    last_commit_ = now;
    if (records.empty()) return absl::OkStatus();
    Publish(std::move(records));
  }
  // Out of the commit lock: waking the watchers never holds up the next
  // commit.
  {
    // A watcher that found its sequence unpublished is now waiting, not
    // about to.
    std::lock_guard<std::mutex> waiting(await_mu_);
  }
  published_cv_.notify_all();
  return absl::OkStatus();
}

size_t ChangeLog::BatchBytesOf(const std::vector<ChangeRecord>& records) const {
  // Room for the sequence and commit time set at commit, and the framing.
  constexpr size_t kStampBytes = 32;
  size_t bytes = 0;
  for (const ChangeRecord& record : records) {
    const size_t stored = record.ByteSizeLong() + kStampBytes;
    bytes += RecordKey(0).size() + stored;
    if (!audit_on()) continue;
    for (const std::string& key : audit_index::KeysOf(table_, record)) {
      bytes += key.size() + kStampBytes + (audit_index::HoldsRecord(key) ? stored : 0);
    }
  }
  return bytes;
}

absl::StatusOr<uint64_t> ChangeLog::CheckpointInto(const std::string& dir) const {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = db_.Checkpoint(dir); !s.ok()) return s;
  return next_ - 1;
}

absl::Status ChangeLog::StartNewEpoch(storage::Database& db, char table,
                                      const Clock& clock, absl::Time backup_time) {
  const uint64_t seconds_since_backup = static_cast<uint64_t>(
      std::max<int64_t>(0, absl::ToInt64Seconds(clock.Now() - backup_time)));
  rocksdb::WriteBatch batch;
  batch.Put(storage::KeyBuilder(table).Byte(kEpoch).Release(), NewEpoch(clock));
  batch.Put(storage::KeyBuilder(table).Byte(kIdsToSkip).Release(),
            storage::EncodeUint64((seconds_since_backup + 1) * kIdsPerSecondBound));
  return db.WriteDurably(batch);
}

absl::Status ChangeLog::IdsSkipped() {
  if (ids_to_skip_ == 0) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  batch.Delete(storage::KeyBuilder(table_).Byte(kIdsToSkip).Release());
  if (absl::Status s = db_.WriteDurably(batch); !s.ok()) return s;
  ids_to_skip_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<storage::IdAllocator>> ChangeLog::OpenIdAllocator(
    std::string key, uint64_t first_id, names::Cell cell) {
  absl::StatusOr<std::unique_ptr<storage::IdAllocator>> ids = storage::IdAllocator::Open(
      &db_, std::move(key), std::max(first_id, cell.first_id()), cell.end_id(),
      ids_to_skip_);
  if (!ids.ok()) return ids.status();
  if (absl::Status s = IdsSkipped(); !s.ok()) return s;
  return ids;
}

absl::Status ChangeLog::RecordRead(const DataRead& read, ReadStage stage) {
  if (!audit_on()) return absl::OkStatus();
  ChangeRecord record;
  record.set_type(stage == ReadStage::kBegun ? kExportStarted : kExported);
  record.set_firm_id(read.firm_id);
  record.set_name(read.name);
  record.set_resource_type(read.resource_type);
  record.set_actor(read.actor);
  record.set_rows_read(read.rows);
  record.set_read_filter(read.filter);
  rocksdb::WriteBatch batch;
  return Commit(batch, {std::move(record)});
}

void ChangeLog::Publish(std::vector<ChangeRecord> records) {
  std::vector<RecentRecord> shared;
  shared.reserve(records.size());
  for (ChangeRecord& record : records) {
    const size_t bytes = record.ByteSizeLong();
    shared.push_back({std::make_shared<const ChangeRecord>(std::move(record)), bytes});
  }
  absl::MutexLock lock(&recent_mu_);
  for (RecentRecord& record : shared) {
    recent_bytes_ += record.bytes;
    recent_.push_back(std::move(record));
    // The newest one stays, however large.
    while (recent_.size() > 1 &&
           (recent_.size() > kRecentRecords || recent_bytes_ > kRecentBytes)) {
      recent_bytes_ -= recent_.front().bytes;
      recent_.pop_front();
    }
  }
  published_.store(recent_.back().record->sequence() + 1, std::memory_order_release);
}

size_t ChangeLog::recent_bytes() const {
  absl::ReaderMutexLock lock(&recent_mu_);
  return recent_bytes_;
}

std::unique_ptr<ResourceSnapshot> ChangeLog::OpenSnapshot(uint64_t firm_id) const {
  // Under the commit lock: the snapshot holds every committed change and
  // none of the next.
  absl::MutexLock lock(&mu_);
  return std::make_unique<ResourceSnapshot>(db_, db_.Snapshot(), next_, tables_, firm_id);
}

void ChangeLog::AwaitSequence(uint64_t sequence, absl::Duration timeout) const {
  auto reached = [this, sequence]() { return Published(sequence); };
  if (reached() || timeout <= absl::ZeroDuration()) return;
  std::unique_lock<std::mutex> lock(await_mu_);
  if (timeout == absl::InfiniteDuration()) {
    published_cv_.wait(lock, reached);
  } else {
    published_cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), reached);
  }
}

absl::StatusOr<std::vector<SharedRecord>> ChangeLog::Read(uint64_t from,
                                                          size_t limit) const {
  std::vector<SharedRecord> records;
  if (from >= published_.load(std::memory_order_acquire)) return records;
  {
    absl::ReaderMutexLock lock(&recent_mu_);
    if (!recent_.empty() && from >= recent_.front().record->sequence()) {
      for (auto it = recent_.begin() + (from - recent_.front().record->sequence());
           it != recent_.end() && records.size() < limit; ++it) {
        records.push_back(it->record);
      }
      return records;
    }
  }
  absl::StatusOr<std::vector<ChangeRecord>> stored =
      ReadStored(from, limit, kStoredReadBytes);
  if (!stored.ok()) return stored.status();
  // Never past what is published: a commit may be writing its records.
  const uint64_t published = published_.load(std::memory_order_acquire);
  for (ChangeRecord& record : *stored) {
    if (record.sequence() >= published) break;
    records.push_back(std::make_shared<const ChangeRecord>(std::move(record)));
  }
  return records;
}

absl::StatusOr<std::vector<ChangeRecord>> ChangeLog::ReadStored(uint64_t from,
                                                                size_t limit,
                                                                size_t max_bytes) const {
  std::vector<ChangeRecord> records;
  size_t bytes = 0;
  absl::Status scanned = storage::ScanRecords<ChangeRecord>(
      db_, RecordKey(from), RecordKey(UINT64_MAX),
      [&](ChangeRecord record, absl::string_view stored) -> absl::StatusOr<bool> {
        records.push_back(std::move(record));
        bytes += stored.size();
        return records.size() < limit && bytes <= max_bytes;
      });
  if (!scanned.ok()) return scanned;
  return records;
}

uint64_t ChangeLog::next_sequence() const {
  absl::MutexLock lock(&mu_);
  return next_;
}

uint64_t ChangeLog::oldest_sequence() const {
  return oldest_.load(std::memory_order_acquire);
}

absl::StatusOr<size_t> ChangeLog::DeleteBefore(absl::Time cutoff, size_t limit) {
  absl::MutexLock sweeping(&sweep_mu_);
  uint64_t first;
  {
    absl::MutexLock lock(&mu_);
    first = first_kept_;
  }
  absl::StatusOr<std::vector<ChangeRecord>> records =
      ReadStored(first, limit, kStoredReadBytes);
  if (!records.ok()) return records.status();
  // The newest record always stays: it holds the log's place (the next
  // sequence) across a restart.
  const size_t deletable = static_cast<size_t>(next_sequence() - 1 - first);
  size_t expired = 0;
  while (expired < std::min(records->size(), deletable) &&
         absl::FromUnixMicros((*records)[expired].commit_time_us()) < cutoff) {
    ++expired;
  }
  if (expired == 0) return 0;
  rocksdb::WriteBatch batch;
  batch.DeleteRange(RecordKey(first), RecordKey(first + expired));
  for (size_t i = 0; i < expired; ++i) {
    for (const std::string& key : audit_index::KeysOf(table_, (*records)[i])) {
      batch.Delete(key);
    }
  }
  if (absl::Status s = db_.Write(batch); !s.ok()) return s;
  {
    absl::MutexLock lock(&mu_);
    first_kept_ = first + expired;
    oldest_.store(std::max(oldest_.load(), first_kept_), std::memory_order_release);
  }
  absl::MutexLock lock(&recent_mu_);
  while (!recent_.empty() && recent_.front().record->sequence() < first + expired) {
    recent_bytes_ -= recent_.front().bytes;
    recent_.pop_front();
  }
  return expired;
}

absl::StatusOr<uint64_t> ChangeLog::ExpireFeedBefore(absl::Time cutoff) {
  absl::MutexLock sweeping(&sweep_mu_);
  // Commit times never go back along the sequences: the first record at or
  // after `cutoff` is found by bisection, a few reads however long the log.
  uint64_t low = oldest_sequence();
  uint64_t high = next_sequence() - 1;  // the newest stays in the window
  while (low < high) {
    const uint64_t middle = low + (high - low) / 2;
    absl::StatusOr<std::vector<ChangeRecord>> record = ReadStored(middle, 1);
    if (!record.ok()) return record.status();
    if (record->empty() || record->front().sequence() != middle) {
      return absl::DataLossError(absl::StrCat("change record ", middle, " is missing"));
    }
    if (absl::FromUnixMicros(record->front().commit_time_us()) < cutoff) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  absl::MutexLock lock(&mu_);
  oldest_.store(std::max(oldest_.load(), low), std::memory_order_release);
  return oldest_.load();
}

absl::StatusOr<std::string> ChangeLog::ReadAudit(
    absl::string_view prefix, absl::string_view cursor, size_t limit, size_t max_examined,
    const std::function<absl::StatusOr<bool>(const ChangeRecord&)>& visit) const {
  return db_.ScanMatches(
      prefix, cursor, limit, max_examined,
      [&](absl::string_view key, absl::string_view value) -> absl::StatusOr<bool> {
        if (!value.empty()) {
          ChangeRecord held;
          if (!held.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            return absl::DataLossError("bad audit index entry");
          }
          return visit(held);
        }
        std::optional<uint64_t> sequence = audit_index::SequenceOf(key);
        if (!sequence.has_value()) return absl::DataLossError("bad audit index key");
        absl::StatusOr<std::optional<ChangeRecord>> record =
            storage::ReadRecord<ChangeRecord>(db_, RecordKey(*sequence));
        if (!record.ok()) return record.status();
        // Gone with its retention while the walk read its index.
        if (!record->has_value()) return false;
        return visit(**record);
      });
}

}  // namespace clientbook::changes
