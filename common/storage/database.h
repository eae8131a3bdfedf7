#ifndef CLIENTBOOK_COMMON_STORAGE_DATABASE_H_
#define CLIENTBOOK_COMMON_STORAGE_DATABASE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace clientbook::storage {

// A full disk is rarely freed within seconds.
inline constexpr absl::Duration kRetryAfterStorageFull = absl::Seconds(30);

// rocksdb::Status -> absl::Status: NotFound -> kNotFound, Busy/TryAgain/
// TimedOut -> kUnavailable, Corruption -> kDataLoss, a full disk ->
// kResourceExhausted (STORAGE_FULL, retry after kRetryAfterStorageFull),
// the rest kInternal.
absl::Status ToAbslStatus(const rocksdb::Status& s);

struct DatabaseOptions {
  // fsync the WAL on every write: survives power loss, costs latency.
  bool sync_writes = false;
  // Tests pass an in-memory Env; null means the default (disk).
  rocksdb::Env* env = nullptr;
  // The block cache (index, filter and data blocks together): with the
  // memtables, what bounds the database's memory.
  size_t block_cache_mb = 64;
  // One memtable; at most two exist (one being flushed).
  size_t write_buffer_mb = 32;
  // Called when a write failed in a way RocksDB cannot resume from without
  // reopening the store (an I/O error other than a full disk). Empty: the
  // process logs it and exits (ExitToReopenStorage), so that its supervisor
  // starts it again on the store, instead of it refusing every write while
  // its health says SERVING. Tests of a failing disk pass their own.
  std::function<void(const absl::Status&)> on_unrecoverable;
};

// The exit status of a service that stopped because its store failed.
inline constexpr int kExitStorageFailed = 74;  // EX_IOERR
[[noreturn]] void ExitToReopenStorage(const absl::Status& failure);

// INVALID_ARGUMENT unless `cursor` is "" or a key under `prefix`.
absl::Status CheckCursor(absl::string_view prefix, absl::string_view cursor);
// Where a scan resumes: `prefix` for a first page, else just after `cursor`.
std::string ResumeKey(absl::string_view prefix, absl::string_view cursor);

// One service's RocksDB: opened with the options we rely on, written only
// through atomic batches, closed cleanly.
class Database {
 public:
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const DatabaseOptions& options);
  ~Database();

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) const;
  // Get() of many keys in one call (cheaper per key: one pass over the
  // memtables and files), answers in the order of `keys`.
  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      const std::vector<std::string>& keys) const;
  // Applies every change in the batch or none. On a full disk:
  // RESOURCE_EXHAUSTED (STORAGE_FULL), nothing written, reads still served;
  // the first write after space is freed goes in, without a restart.
  absl::Status Write(rocksdb::WriteBatch& batch);
  // Write() with the WAL synced whatever --sync_writes says: for facts that
  // must survive a crash, such as reserved id blocks.
  absl::Status WriteDurably(rocksdb::WriteBatch& batch);

  // Visits keys in [begin, end) in order; stops when `visit` returns false.
  absl::Status Scan(absl::string_view begin, absl::string_view end,
                    const std::function<bool(absl::string_view key,
                                             absl::string_view value)>& visit) const;

  // The key `n` places from the last of those starting with `prefix` (1:
  // the last), if there are `n`: read from the end, however many there are.
  absl::StatusOr<std::optional<std::string>> NthLastKey(absl::string_view prefix,
                                                        size_t n) const;

  struct RawPage {
    std::vector<std::pair<std::string, std::string>> entries;
    // The last key returned when more keys follow, else "".
    std::string cursor;
  };
  // Up to `limit` entries whose keys start with `prefix`, after `cursor` (a
  // previous page's cursor, "" for the first page). A cursor from another
  // prefix is INVALID_ARGUMENT: page tokens cannot reach other ranges.
  absl::StatusOr<RawPage> ScanPage(absl::string_view prefix, absl::string_view cursor,
                                   size_t limit) const;

  // One page of a filtered walk under `prefix` after `cursor`. `visit`
  // says whether an entry matched (and may fail the walk). The walk stops
  // at the (limit + 1)-th match, which only shows that a next page exists:
  // callers keep their first `limit` matches. It also stops after
  // `max_examined` entries, so a selective filter returns a short page
  // instead of scanning everything, and at an entry for which `visit`
  // returns PageFull(), which the next page starts with. Returns where the
  // next page starts, "" at the end.
  absl::StatusOr<std::string> ScanMatches(
      absl::string_view prefix, absl::string_view cursor, size_t limit,
      size_t max_examined,
      const std::function<absl::StatusOr<bool>(absl::string_view key,
                                               absl::string_view value)>& visit) const;

  // ScanMatches over the keys of `prefix` in [from, to): `from` and `to`
  // start with `prefix`, or are "" for the range's own ends.
  absl::StatusOr<std::string> ScanMatchesBetween(
      absl::string_view prefix, absl::string_view from, absl::string_view to,
      absl::string_view cursor, size_t limit, size_t max_examined,
      const std::function<absl::StatusOr<bool>(absl::string_view key,
                                               absl::string_view value)>& visit) const;

  // For walks that hold several positions at once (an index join): iterators
  // made with the same snapshot see one consistent state.
  std::shared_ptr<const rocksdb::Snapshot> Snapshot() const;
  std::unique_ptr<rocksdb::Iterator> NewIterator(const rocksdb::Snapshot* snapshot) const;

  // A copy of the database as it is now in `dir` (absent; on the same
  // filesystem its table files are hard links, not copies), openable as a
  // database of its own: what a backup is taken from.
  absl::Status Checkpoint(const std::string& dir) const;

  // Flushes and compacts the whole store into its last level, and waits
  // until no compaction is left to run: a settled set of table files, as the
  // backup tests need to tell what a backup copies.
  absl::Status CompactAll();
  // No flush or compaction running or waiting: the store at rest, as a
  // benchmark measures reads after its writes.
  bool Settled() const;

  // Flushes and closes; called by the destructor too.
  absl::Status Close();

 private:
  Database(std::unique_ptr<rocksdb::DB> db, rocksdb::WriteOptions write_options,
           std::function<void(const absl::Status&)> on_unrecoverable)
      : db_(std::move(db)),
        write_options_(write_options),
        on_unrecoverable_(std::move(on_unrecoverable)) {}

  absl::Status WriteWith(const rocksdb::WriteOptions& options,
                         rocksdb::WriteBatch& batch);
  // Takes RocksDB out of the read-only state a failed write left it in: OK,
  // or why not (Busy while another writer is resuming it).
  rocksdb::Status Resume();

  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions write_options_;
  const std::function<void(const absl::Status&)> on_unrecoverable_;
  absl::Mutex resume_mu_;
};

// What a ScanMatches visitor returns for an entry that matches but no
// longer fits the page (its bytes, kMaxPageBytes): the walk ends before it.
absl::Status PageFull();
bool IsPageFull(const absl::Status& status);

}  // namespace clientbook::storage

#endif  // CLIENTBOOK_COMMON_STORAGE_DATABASE_H_
