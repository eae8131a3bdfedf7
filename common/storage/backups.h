#ifndef CLIENTBOOK_COMMON_STORAGE_BACKUPS_H_
#define CLIENTBOOK_COMMON_STORAGE_BACKUPS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/locks/shared_next_run.h"
#include "rocksdb/utilities/backup_engine.h"

namespace clientbook::storage {

struct BackupInfo {
  uint32_t id = 0;
  absl::Time create_time;
  // The files the backup holds, with those it shares with other backups.
  uint64_t size_bytes = 0;
  uint32_t file_count = 0;
  // What the caller stored with it.
  std::string metadata;
};

// One service's backups in one directory, kept by RocksDB's BackupEngine:
// incremental (a table file already backed up is shared, not copied again)
// and every file checksummed. A backup killed half way is not listed, and
// the next open removes what it left; the earlier ones stay valid.
class Backups {
 public:
  // Opens (creating it if needed) the backup directory `dir`; read_only
  // for tools that only list, verify and restore. `backup_env` is where
  // `dir` is (tests pass a disk that fills); null means the disk.
  static absl::StatusOr<std::unique_ptr<Backups>> Open(
      const std::string& dir, bool read_only = false, rocksdb::Env* backup_env = nullptr);

  // Backs up the database in `checkpoint_dir` (Database::Checkpoint) with
  // `metadata`; the checkpoint is opened, flushed and closed again. On a
  // full backup volume: RESOURCE_EXHAUSTED (BACKUP_VOLUME_FULL), nothing
  // listed, the earlier backups as they were.
  absl::StatusOr<BackupInfo> BackUpCheckpoint(const std::string& checkpoint_dir,
                                              const std::string& metadata);
  // Every backup, newest first; as the last backup made or deleted left
  // them, so never waiting for one being made.
  absl::StatusOr<std::vector<BackupInfo>> List() const;
  // NOT_FOUND when there is no backup `id`.
  absl::StatusOr<BackupInfo> Get(uint32_t id) const;
  // Reads every file back, checking its size and checksum: DATA_LOSS
  // naming what does not match. Racing callers of one backup share its
  // reads (a run that started after they asked).
  absl::Status Verify(uint32_t id) const;
  // Callers waiting for a verify of `id` (for tests).
  int VerifiesWaiting(uint32_t id) const { return verifies_.waiting(id); }
  absl::Status Delete(uint32_t id);
  // Deletes all but the newest `keep` backups.
  absl::Status KeepNewest(uint32_t keep);
  // Restores backup `id` into `db_dir`, which must be empty or absent;
  // callers Verify() first, so a damaged backup writes nothing.
  absl::Status RestoreInto(uint32_t id, const std::string& db_dir) const;

 private:
  explicit Backups(rocksdb::BackupEngineReadOnlyBase* reader,
                   std::unique_ptr<rocksdb::BackupEngine> engine,
                   std::unique_ptr<rocksdb::BackupEngineReadOnly> read_only)
      : reader_(reader), engine_(std::move(engine)), read_only_(std::move(read_only)) {}

  // Reads what the engine lists into listed_.
  void Relist() ABSL_SHARED_LOCKS_REQUIRED(mu_);

  // The engine allows one writer at a time, and no reads beside a write;
  // reads (verify, restore) side by side.
  mutable absl::Mutex mu_;
  rocksdb::BackupEngineReadOnlyBase* const reader_;
  const std::unique_ptr<rocksdb::BackupEngine> engine_ ABSL_GUARDED_BY(mu_);
  const std::unique_ptr<rocksdb::BackupEngineReadOnly> read_only_;
  mutable storage::SharedNextRunByKey<uint32_t, absl::Status> verifies_;
  // What List and Get answer, newest first.
  mutable absl::Mutex listed_mu_;
  std::vector<BackupInfo> listed_ ABSL_GUARDED_BY(listed_mu_);
};

}  // namespace clientbook::storage

#endif  // CLIENTBOOK_COMMON_STORAGE_BACKUPS_H_
