#include "common/storage/database.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <thread>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/keys/key_codec.h"
#include "common/status/errors.h"
#include "common/storage/rocksdb_reports.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "spdlog/spdlog.h"

namespace clientbook::storage {

absl::Status ToAbslStatus(const rocksdb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  // The caller can do nothing but wait; the file it names is the operator's
  // business (RocksDB's warning in the service's log has it).
  if (s.IsNoSpace()) {
    return errors::QuotaExhausted(
        "STORAGE_FULL", "service",
        "the service's disk is full: no change can be written until space is "
        "freed (reads go on)",
        kRetryAfterStorageFull);
  }
  std::string message = absl::StrCat("storage: ", s.ToString());
  switch (s.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kTimedOut:
      return absl::UnavailableError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(message);
    case rocksdb::Status::kInvalidArgument:
    case rocksdb::Status::kNotSupported:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                         const DatabaseOptions& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.IncreaseParallelism(2);
  db_options.OptimizeLevelStyleCompaction(options.write_buffer_mb << 20);
  // Memory is what the flags say: one memtable being written, one being
  // flushed; blocks, indexes and filters all in the one bounded cache.
  db_options.write_buffer_size = options.write_buffer_mb << 20;
  db_options.max_write_buffer_number = 2;
  db_options.min_write_buffer_number_to_merge = 1;
  // OptimizeLevelStyleCompaction leaves levels 0-1 uncompressed and LZ4s the
  // rest; sized by the memtable, level 1 stays small, so most data is
  // compressed, the bottom level (the bulk) harder.
  db_options.bottommost_compression = rocksdb::kZSTD;
  if (options.env != nullptr) db_options.env = options.env;
  db_options.info_log = ServiceLogForRocksDb();
  db_options.listeners.push_back(ResumeOnlyWhenAsked());
  // Point lookups (members, clients, number index) dominate: bloom filters
  // spare most of them a disk read.
  rocksdb::BlockBasedTableOptions table_options;
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table_options.block_cache = rocksdb::NewLRUCache(options.block_cache_mb << 20);
  table_options.cache_index_and_filter_blocks = true;
  table_options.pin_l0_filter_and_index_blocks_in_cache = true;
  // Indexes and filters in pieces of a block each (4 KiB by default, the
  // top level pinned): whole, a bottom-level file's filter (a million keys:
  // over 1 MiB) does not fit a shard of the cache (64 MiB is 64 shards of
  // 1 MiB), so every lookup in that file read it from disk again; creates at
  // 1,000,000 clients fell to 2,600/s.
  table_options.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table_options.partition_filters = true;
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));

  if (options.env == nullptr) {
    std::error_code error;
    std::filesystem::create_directories(path, error);
    if (error) {
      return absl::UnavailableError(
          absl::StrCat("cannot create ", path, ": ", error.message()));
    }
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path, &raw);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot open RocksDB at ", path, ": ", s.ToString()));
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options.sync_writes;
  return std::unique_ptr<Database>(new Database(
      std::unique_ptr<rocksdb::DB>(raw), write_options,
      options.on_unrecoverable ? options.on_unrecoverable : ExitToReopenStorage));
}

Database::~Database() { Close().IgnoreError(); }

absl::StatusOr<std::optional<std::string>> Database::Get(absl::string_view key) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return ToAbslStatus(s);
  return value;
}

absl::StatusOr<std::vector<std::optional<std::string>>> Database::MultiGet(
    const std::vector<std::string>& keys) const {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), keys.size(),
                slices.data(), values.data(), statuses.data());
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return ToAbslStatus(statuses[i]);
    out[i] = values[i].ToString();
  }
  return out;
}

absl::Status Database::Write(rocksdb::WriteBatch& batch) {
  return WriteWith(write_options_, batch);
}

absl::Status Database::WriteDurably(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions options = write_options_;
  options.sync = true;
  return WriteWith(options, batch);
}

absl::Status Database::WriteWith(const rocksdb::WriteOptions& options,
                                 rocksdb::WriteBatch& batch) {
  rocksdb::Status s = db_->Write(options, &batch);
  if (!s.IsIOError()) return ToAbslStatus(s);
  // After a failed write RocksDB refuses every write until resumed. Resuming
  // succeeds once the cause is gone (space freed on a full disk); then this
  // write goes in, none of it having gone in before.
  const rocksdb::Status resumed = Resume();
  if (resumed.ok()) return ToAbslStatus(db_->Write(options, &batch));
  if (resumed.severity() >= rocksdb::Status::Severity::kFatalError) {
    on_unrecoverable_(ToAbslStatus(resumed));
  }
  return ToAbslStatus(s);
}

rocksdb::Status Database::Resume() {
  // One at a time: while one writer resumes, the others fail as they are.
  if (!resume_mu_.TryLock()) return rocksdb::Status::Busy("being resumed");
  rocksdb::Status s = db_->Resume();
  resume_mu_.Unlock();
  return s;
}

void ExitToReopenStorage(const absl::Status& failure) {
  spdlog::critical(
      "storage failed and cannot be written again without reopening it ({}): "
      "exiting, to be started again on the store",
      failure.ToString());
  spdlog::default_logger()->flush();
  // As after kill -9: every acknowledged write is in the write-ahead log.
  std::_Exit(kExitStorageFailed);
}

absl::Status Database::Checkpoint(const std::string& dir) const {
  rocksdb::Checkpoint* made = nullptr;
  if (rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &made); !s.ok()) {
    return ToAbslStatus(s);
  }
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(made);
  // Never flushed first: the write-ahead log is copied as it stands, so the
  // checkpoint takes milliseconds.
  return ToAbslStatus(checkpoint->CreateCheckpoint(
      dir, /*log_size_for_flush=*/std::numeric_limits<uint64_t>::max()));
}

absl::Status Database::CompactAll() {
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  if (rocksdb::Status s = db_->CompactRange(options, nullptr, nullptr); !s.ok()) {
    return ToAbslStatus(s);
  }
  // The compaction can leave levels the automatic ones then reshape (this
  // RocksDB has no WaitForCompact): wait for those too.
  while (!Settled()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return absl::OkStatus();
}

bool Database::Settled() const {
  uint64_t value = 0;
  for (const char* busy :
       {"rocksdb.compaction-pending", "rocksdb.num-running-compactions",
        "rocksdb.num-running-flushes", "rocksdb.mem-table-flush-pending"}) {
    if (!db_->GetIntProperty(busy, &value) || value != 0) return false;
  }
  return true;
}

// Marks PageFull()'s status apart from every refusal a visitor may return.
constexpr char kPageFullPayload[] = "clientbook.storage/page-full";

absl::Status PageFull() {
  absl::Status status = absl::ResourceExhaustedError("the page is full");
  status.SetPayload(kPageFullPayload, absl::Cord());
  return status;
}

bool IsPageFull(const absl::Status& status) {
  return status.GetPayload(kPageFullPayload).has_value();
}

absl::Status CheckCursor(absl::string_view prefix, absl::string_view cursor) {
  if (!cursor.empty() && !absl::StartsWith(cursor, prefix)) {
    return absl::InvalidArgumentError("page_token does not belong to this listing");
  }
  return absl::OkStatus();
}

std::string ResumeKey(absl::string_view prefix, absl::string_view cursor) {
  // The smallest key after `cursor`.
  return cursor.empty() ? std::string(prefix)
                        : absl::StrCat(cursor, std::string(1, '\0'));
}

absl::StatusOr<Database::RawPage> Database::ScanPage(absl::string_view prefix,
                                                     absl::string_view cursor,
                                                     size_t limit) const {
  if (absl::Status s = CheckCursor(prefix, cursor); !s.ok()) return s;
  RawPage page;
  bool more = false;
  absl::Status s = Scan(ResumeKey(prefix, cursor), PrefixSuccessor(prefix),
                        [&](absl::string_view key, absl::string_view value) {
                          if (page.entries.size() == limit) {
                            more = true;
                            return false;
                          }
                          page.entries.emplace_back(key, value);
                          return true;
                        });
  if (!s.ok()) return s;
  if (more) page.cursor = page.entries.back().first;
  return page;
}

absl::StatusOr<std::string> Database::ScanMatches(
    absl::string_view prefix, absl::string_view cursor, size_t limit, size_t max_examined,
    const std::function<absl::StatusOr<bool>(absl::string_view, absl::string_view)>&
        visit) const {
  return ScanMatchesBetween(prefix, "", "", cursor, limit, max_examined, visit);
}

absl::StatusOr<std::string> Database::ScanMatchesBetween(
    absl::string_view prefix, absl::string_view from, absl::string_view to,
    absl::string_view cursor, size_t limit, size_t max_examined,
    const std::function<absl::StatusOr<bool>(absl::string_view, absl::string_view)>&
        visit) const {
  if (absl::Status s = CheckCursor(prefix, cursor); !s.ok()) return s;
  const std::string resume = std::max(ResumeKey(prefix, cursor), std::string(from));
  const std::string end = to.empty() ? PrefixSuccessor(prefix) : std::string(to);
  std::string next;
  std::string last_key;
  size_t examined = 0;
  size_t matched = 0;
  absl::Status failure;
  absl::Status s = Scan(resume, end, [&](absl::string_view key, absl::string_view value) {
    if (examined++ == max_examined) {
      next = last_key.empty() ? std::string(cursor) : last_key;
      return false;
    }
    absl::StatusOr<bool> match = visit(key, value);
    if (!match.ok() && IsPageFull(match.status())) {
      next = last_key.empty() ? std::string(cursor) : last_key;
      return false;
    }
    if (!match.ok()) {
      failure = match.status();
      return false;
    }
    if (*match && ++matched > limit) {
      next = last_key;
      return false;
    }
    last_key = std::string(key);
    return true;
  });
  if (!s.ok()) return s;
  if (!failure.ok()) return failure;
  return next;
}

absl::Status Database::Scan(
    absl::string_view begin, absl::string_view end,
    const std::function<bool(absl::string_view, absl::string_view)>& visit) const {
  rocksdb::ReadOptions read_options;
  rocksdb::Slice upper(end.data(), end.size());
  if (!end.empty()) read_options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
  for (it->Seek(rocksdb::Slice(begin.data(), begin.size())); it->Valid(); it->Next()) {
    if (!visit(absl::string_view(it->key().data(), it->key().size()),
               absl::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return ToAbslStatus(it->status());
}

absl::StatusOr<std::optional<std::string>> Database::NthLastKey(absl::string_view prefix,
                                                                size_t n) const {
  const std::string end = PrefixSuccessor(prefix);
  rocksdb::ReadOptions read_options;
  rocksdb::Slice lower(prefix.data(), prefix.size());
  rocksdb::Slice upper(end.data(), end.size());
  read_options.iterate_lower_bound = &lower;
  if (!end.empty()) read_options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
  size_t place = 0;
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    if (++place == n) return std::optional<std::string>(it->key().ToString());
  }
  if (absl::Status s = ToAbslStatus(it->status()); !s.ok()) return s;
  return std::nullopt;
}

std::shared_ptr<const rocksdb::Snapshot> Database::Snapshot() const {
  rocksdb::DB* db = db_.get();
  return std::shared_ptr<const rocksdb::Snapshot>(
      db->GetSnapshot(), [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
}

std::unique_ptr<rocksdb::Iterator> Database::NewIterator(
    const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(read_options));
}

absl::Status Database::Close() {
  if (db_ == nullptr) return absl::OkStatus();
  // Memtables to disk now, so the next start has no write-ahead log to replay.
  rocksdb::Status s = db_->Flush(rocksdb::FlushOptions());
  if (s.ok()) s = db_->Close();
  db_.reset();
  return ToAbslStatus(s);
}

}  // namespace clientbook::storage
