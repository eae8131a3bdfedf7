#include "common/changes/change_log.h"

#include <algorithm>
#include <optional>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "common/storage/key_codec.h"
#include "common/storage/records.h"

namespace clientbook::changes {
namespace {

// Parts of the log's table.
constexpr char kEpoch = 'e';
constexpr char kRecord = 's';

std::string NewEpoch(const Clock& clock) {
  absl::BitGen random;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(random),
                         static_cast<uint64_t>(absl::ToUnixMicros(clock.Now())));
}

}  // namespace

std::string ChangeLog::RecordPrefix() const {
  return storage::KeyBuilder(table_).Byte(kRecord).Release();
}

std::string ChangeLog::RecordKey(uint64_t sequence) const {
  return storage::KeyBuilder(table_).Byte(kRecord).Uint64(sequence).Release();
}

absl::StatusOr<std::unique_ptr<ChangeLog>> ChangeLog::Open(storage::Database& db,
                                                           char table,
                                                           const Clock& clock) {
  const std::string epoch_key = storage::KeyBuilder(table).Byte(kEpoch).Release();
  absl::StatusOr<std::optional<std::string>> stored = db.Get(epoch_key);
  if (!stored.ok()) return stored.status();
  std::string epoch;
  if (stored->has_value()) {
    epoch = std::move(**stored);
  } else {
    epoch = NewEpoch(clock);
    rocksdb::WriteBatch batch;
    batch.Put(epoch_key, epoch);
    if (absl::Status s = db.WriteDurably(batch); !s.ok()) return s;
  }
  // The first and last records bound what is kept.
  const std::string prefix = storage::KeyBuilder(table).Byte(kRecord).Release();
  std::unique_ptr<rocksdb::Iterator> it = db.NewIterator(nullptr);
  uint64_t oldest = 1;
  uint64_t next = 1;
  it->Seek(prefix);
  if (it->Valid() && it->key().starts_with(prefix)) {
    std::optional<uint64_t> first = storage::TrailingUint64(absl::string_view(it->key().data(), it->key().size()));
    std::string end = prefix;
    end.push_back('\xff');
    it->SeekForPrev(end);
    std::optional<uint64_t> last = storage::TrailingUint64(absl::string_view(it->key().data(), it->key().size()));
    if (!first || !last) return absl::DataLossError("bad change log key");
    oldest = *first;
    next = *last + 1;
  }
  if (!it->status().ok()) return storage::ToAbslStatus(it->status());
  return std::unique_ptr<ChangeLog>(
      new ChangeLog(db, table, clock, std::move(epoch), oldest, next));
}

absl::Status ChangeLog::Commit(rocksdb::WriteBatch& batch,
                               std::vector<ChangeRecord> records) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = std::max(clock_.Now(), last_commit_);
  uint64_t sequence = next_;
  for (ChangeRecord& record : records) {
    record.set_sequence(sequence);
    record.set_commit_time_us(absl::ToUnixMicros(now));
    batch.Put(RecordKey(sequence), record.SerializeAsString());
    ++sequence;
  }
  if (absl::Status s = db_.Write(batch); !s.ok()) return s;
  next_ = sequence;
  last_commit_ = now;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ChangeRecord>> ChangeLog::Read(uint64_t from,
                                                          size_t limit) const {
  std::vector<ChangeRecord> records;
  absl::Status decoded;
  absl::Status scanned = db_.Scan(RecordKey(from), RecordKey(UINT64_MAX),
                                  [&](absl::string_view, absl::string_view value) {
                                    absl::StatusOr<ChangeRecord> record =
                                        storage::DecodeRecord<ChangeRecord>(value);
                                    if (!record.ok()) {
                                      decoded = record.status();
                                      return false;
                                    }
                                    records.push_back(std::move(*record));
                                    return records.size() < limit;
                                  });
  if (!scanned.ok()) return scanned;
  if (!decoded.ok()) return decoded;
  return records;
}

uint64_t ChangeLog::next_sequence() const {
  absl::MutexLock lock(&mu_);
  return next_;
}

uint64_t ChangeLog::oldest_sequence() const {
  absl::MutexLock lock(&mu_);
  return oldest_;
}

absl::StatusOr<size_t> ChangeLog::DeleteBefore(absl::Time cutoff, size_t limit) {
  absl::MutexLock sweeping(&sweep_mu_);
  const uint64_t oldest = oldest_sequence();
  absl::StatusOr<std::vector<ChangeRecord>> records = Read(oldest, limit);
  if (!records.ok()) return records.status();
  // The newest record always stays: it holds the log's place (the next
  // sequence) across a restart.
  const size_t deletable = static_cast<size_t>(next_sequence() - 1 - oldest);
  size_t expired = 0;
  while (expired < std::min(records->size(), deletable) &&
         absl::FromUnixMicros((*records)[expired].commit_time_us()) < cutoff) {
    ++expired;
  }
  if (expired == 0) return 0;
  rocksdb::WriteBatch batch;
  batch.DeleteRange(RecordKey(oldest), RecordKey(oldest + expired));
  if (absl::Status s = db_.Write(batch); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  oldest_ = oldest + expired;
  return expired;
}

}  // namespace clientbook::changes
