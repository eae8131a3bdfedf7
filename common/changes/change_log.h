#ifndef CLIENTBOOK_COMMON_CHANGES_CHANGE_LOG_H_
#define CLIENTBOOK_COMMON_CHANGES_CHANGE_LOG_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/changes/change_origin.h"
#include "common/changes/change_record.pb.h"
#include "common/changes/resource_snapshot.h"
#include "common/names/cell.h"
#include "common/storage/database.h"
#include "common/storage/id_allocator.h"
#include "common/time/clock.h"
#include "rocksdb/write_batch.h"

namespace clientbook::changes {

// A service's change log, kept in its own RocksDB under one table byte:
// every write appends its change records to the batch that makes the change,
// so the log holds a change exactly when the data does (never a second
// write, never the WAL, whose GetUpdatesSince skips what it cannot read).
//
// Sequences are gapless and in commit order: they are taken under one lock
// held across the commit and kept only if the batch commits, so a failed
// write uses none. The cost is that the service's writes commit one at a
// time, with no group commit (measured: README, Change feed).
//
// The store's epoch, made at the log's first open, names this history: a
// store restored from a backup or made anew has another, so a position in
// one is never taken for a position in the other.

// A record as the log hands it out: shared, never copied, by every reader of
// the live tail (a hundred watchers read each record of a busy firm).
using SharedRecord = std::shared_ptr<const ChangeRecord>;

class ChangeLog {
 public:
  static absl::StatusOr<std::unique_ptr<ChangeLog>> Open(storage::Database& db,
                                                         char table, const Clock& clock);

  // Commits `batch` with `records` appended, numbered from next_sequence()
  // and stamped with the commit time. A batch without records commits as is
  // (in the same order as the others). `durable`: the WAL synced whatever
  // --sync_writes says (Database::WriteDurably).
  absl::Status Commit(rocksdb::WriteBatch& batch, std::vector<ChangeRecord> records,
                      bool durable = false);
  // About the bytes Commit adds to a batch for `records`: each stored, and
  // again for its audit history. A batch made that large at once never
  // grows by doubling (1,000 clients of 21 KB held 280 MB of batch).
  size_t BatchBytesOf(const std::vector<ChangeRecord>& records) const;

  // Up to `limit` records from sequence `from` on, in order: from memory
  // when the recent ones cover `from` (the live tail), else from RocksDB,
  // where a read stops past 1 MiB of them (one record at least): 500
  // records of big notes were 80 MB a read, for each watch behind.
  absl::StatusOr<std::vector<SharedRecord>> Read(uint64_t from, size_t limit) const;

  // The tables that hold the service's current resources, as its store lays
  // them out; set once, before the log is read.
  void SetResourceTables(std::vector<ResourceTable> tables) {
    tables_ = std::move(tables);
  }
  // Firm `firm_id`'s resources (0: every firm's) as of now, between two
  // commits: the changes from its next_sequence() on are the ones after it.
  std::unique_ptr<ResourceSnapshot> OpenSnapshot(uint64_t firm_id) const;

  // Keeps `read` at `stage` as an EXPORT_STARTED or EXPORTED record: in the
  // audit, not in the feed.
  absl::Status RecordRead(const DataRead& read, ReadStage stage);

  // With the audit off (--audit_retention=0), commits write no audit index
  // keys and reads record nothing; set as the service starts (a feed or a
  // job may already write).
  void TurnAuditOff() { audit_on_.store(false, std::memory_order_relaxed); }
  bool audit_on() const { return audit_on_.load(std::memory_order_relaxed); }

  // A checkpoint of the whole store in `dir` (Database::Checkpoint), taken
  // between two commits; returns the last sequence it holds.
  absl::StatusOr<uint64_t> CheckpointInto(const std::string& dir) const;

  // Gives the store in `db` a new epoch, for a store restored from a backup
  // taken at `backup_time`: positions taken before name another history, and
  // its ids skip ahead (ids_to_skip()). Before the log is opened.
  static absl::Status StartNewEpoch(storage::Database& db, char table, const Clock& clock,
                                    absl::Time backup_time);

  // Returns once a record at or after `sequence` exists, or after
  // `timeout` (measured on a steady clock: a wall clock stepped back does
  // not hold a waiting watch there).
  void AwaitSequence(uint64_t sequence, absl::Duration timeout) const;
  // Whether a record at or after `sequence` exists; never waits.
  bool Published(uint64_t sequence) const {
    return published_.load(std::memory_order_acquire) > sequence;
  }

  // Bytes of the newest records kept in memory for the live tail (at most
  // 16 MiB, or the newest record alone when it is larger).
  size_t recent_bytes() const;

  // The sequence the next record gets (1 in a new log).
  uint64_t next_sequence() const;
  // The oldest sequence still kept: next_sequence() when the log is empty.
  uint64_t oldest_sequence() const;
  const std::string& epoch() const { return epoch_; }
  // How many ids the store's allocators skip before their next, once: 0
  // but in a store just restored. A restore forgets the ids handed out after
  // its backup was taken, and a name must never come back for another
  // resource: it skips as many as a store could hand out from the backup to
  // the restore (100,000 a second, several times what one commits).
  uint64_t ids_to_skip() const { return ids_to_skip_; }

  // The store's one allocator of ids, under `key`, in `cell`'s range (from
  // `first_id` in cell 0), having skipped ids_to_skip() durably: the skip is
  // then forgotten, so a later open skips no more.
  absl::StatusOr<std::unique_ptr<storage::IdAllocator>> OpenIdAllocator(std::string key,
                                                                        uint64_t first_id,
                                                                        names::Cell cell);
  // The secret resume tokens are signed with, made with the epoch.
  const std::string& token_key() const { return token_key_; }

  // Deletes up to `limit` of the oldest records committed before `cutoff`
  // with their audit index entries (one batch, so writers wait for one
  // small write at most; read as Read() reads, past 1 MiB of them it stops),
  // never the newest record; returns how many went. A sweeper calls it
  // until it returns none. The audit's retention: the feed's window ends
  // sooner (ExpireFeedBefore).
  absl::StatusOr<size_t> DeleteBefore(absl::Time cutoff, size_t limit);

  // Moves the feed's window past the records committed before `cutoff`
  // (never past the newest): they stay for the audit, but no resume token
  // reaches them. Returns the oldest sequence the feed still serves.
  absl::StatusOr<uint64_t> ExpireFeedBefore(absl::Time cutoff);

  // One page of an audit index walk (audit_index.h) under `prefix` after
  // `cursor`, newest first: `visit` sees each entry's record and says
  // whether it matched, as in Database::ScanMatches. Returns where the next
  // page starts, "" at the end.
  absl::StatusOr<std::string> ReadAudit(
      absl::string_view prefix, absl::string_view cursor, size_t limit,
      size_t max_examined,
      const std::function<absl::StatusOr<bool>(const ChangeRecord&)>& visit) const;
  char table() const { return table_; }

 private:
  ChangeLog(storage::Database& db, char table, const Clock& clock, std::string epoch,
            std::string token_key, uint64_t oldest, uint64_t next, uint64_t ids_to_skip)
      : db_(db),
        table_(table),
        clock_(clock),
        epoch_(std::move(epoch)),
        token_key_(std::move(token_key)),
        ids_to_skip_(ids_to_skip),
        oldest_(oldest),
        first_kept_(oldest),
        next_(next),
        published_(next) {}

  std::string RecordKey(uint64_t sequence) const;
  // Forgets ids_to_skip(), durably, once the allocator has skipped them.
  absl::Status IdsSkipped();
  // The log's secret `part`, made and written durably at the first open.
  static absl::StatusOr<std::string> SecretOf(storage::Database& db, char table,
                                              char part,
                                              const std::function<std::string()>& make);
  absl::StatusOr<std::vector<ChangeRecord>> ReadStored(
      uint64_t from, size_t limit,
      size_t max_bytes = std::numeric_limits<size_t>::max()) const;
  // Hands `records` (at least one) to the readers of the live tail; under
  // the commit lock, so they come in sequence order.
  void Publish(std::vector<ChangeRecord> records) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  storage::Database& db_;
  const char table_;
  std::vector<ResourceTable> tables_;
  std::atomic<bool> audit_on_{true};
  const Clock& clock_;
  const std::string epoch_;
  const std::string token_key_;
  // Read and cleared while the store opens, before any other use.
  uint64_t ids_to_skip_;
  // Held across each commit: the order of sequences is the order of commits.
  mutable absl::Mutex mu_;
  // The oldest record the feed serves, moved under mu_ and read without it
  // (every message of every watch carries it); the oldest kept at all (the
  // audit's).
  std::atomic<uint64_t> oldest_;
  uint64_t first_kept_ ABSL_GUARDED_BY(mu_);
  uint64_t next_ ABSL_GUARDED_BY(mu_);
  // Commit times never go back, even when the clock does: records in
  // sequence order are in time order, which retention relies on.
  absl::Time last_commit_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // One sweep at a time.
  absl::Mutex sweep_mu_;
  // The newest records, for watchers at the live tail: they read them
  // without waiting for a commit in progress or touching RocksDB.
  struct RecentRecord {
    SharedRecord record;
    size_t bytes = 0;  // as stored
  };
  mutable absl::Mutex recent_mu_;
  std::deque<RecentRecord> recent_ ABSL_GUARDED_BY(recent_mu_);
  size_t recent_bytes_ ABSL_GUARDED_BY(recent_mu_) = 0;
  // One past the last record readers may see (next_, once committed);
  // moved under recent_mu_.
  std::atomic<uint64_t> published_;
  // What AwaitSequence waits on: a condition variable, whose futex wakes
  // each waiter and times it out on its own. An absl::Mutex condition was
  // evaluated at each unlock of its mutex, and every waiter's timed
  // wake-up walked the mutex's list of waiters: 4,000 idle watchers, each
  // looking once a second whether its caller left, took the directory's
  // GetClient from 25,700 to 6,200 calls a second (README: Change feed).
  mutable std::mutex await_mu_;
  mutable std::condition_variable published_cv_;
};

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_CHANGE_LOG_H_
