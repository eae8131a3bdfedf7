#ifndef CLIENTBOOK_COMMON_CHANGES_STORE_BACKUPS_H_
#define CLIENTBOOK_COMMON_CHANGES_STORE_BACKUPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/changes/change_log.h"
#include "common/changes/change_record.pb.h"
#include "common/paging/paging.h"
#include "common/storage/backups.h"

namespace clientbook::changes {

// A backup and what it holds of the store.
struct StoreBackup {
  storage::BackupInfo info;
  BackupMetadata metadata;
};

// Who asks for a backup, and under which request id (request_id.h).
struct BackupRequest {
  std::string caller;
  std::string request_id;  // "" for none
};

// One service's store backed up while it serves: a checkpoint taken between
// two commits of its change log (so the backup holds exactly the changes up
// to one sequence), then handed to the BackupEngine, which copies only the
// files earlier backups lack.
class StoreBackups {
 public:
  // `scratch_dir`: where the checkpoint is made, on the store's filesystem
  // (so its files are links), removed after each backup.
  StoreBackups(const ChangeLog& log, storage::Backups& backups, std::string service,
               std::string scratch_dir)
      : log_(log),
        backups_(backups),
        service_(std::move(service)),
        scratch_dir_(std::move(scratch_dir)) {}

  // Kept with the backup: the request's id and caller, when it has an id.
  absl::StatusOr<StoreBackup> Create(const BackupRequest& request = {});
  // The backup kept that was made for `request`'s id, if any.
  absl::StatusOr<std::optional<StoreBackup>> MadeFor(const BackupRequest& request) const;
  // What List's page tokens are bound to.
  static constexpr char kPageQuery[] = "backups";

  // Newest first, a page at a time (AIP-158; an operator may keep any
  // number by hand).
  absl::StatusOr<storage::Page<StoreBackup>> List(
      const storage::PageRequest& request) const;
  // NOT_FOUND when there is no backup `id`.
  absl::StatusOr<StoreBackup> Get(uint32_t id) const;
  // DATA_LOSS when a file of the backup does not match its checksum.
  absl::StatusOr<StoreBackup> Verify(uint32_t id) const;
  absl::Status Delete(uint32_t id) { return backups_.Delete(id); }
  absl::Status KeepNewest(uint32_t keep) { return backups_.KeepNewest(keep); }

 private:
  const ChangeLog& log_;
  storage::Backups& backups_;
  const std::string service_;
  const std::string scratch_dir_;
  // One backup at a time: they share the scratch directory.
  absl::Mutex create_mu_;
};

// What `info` says it holds; DATA_LOSS when its metadata cannot be read.
absl::StatusOr<StoreBackup> DescribeBackup(const storage::BackupInfo& info);

// Verifies backup `id` (the newest when 0) of `backups`, restores it beside
// `data_dir` (`<data_dir>.restoring`), gives the restored store a new epoch
// and moves it into `data_dir`: killed at any moment, `data_dir` holds no
// store, the one it held, or the whole restored one. A non-empty `data_dir`
// is refused, or with `replace` replaced (moved to `<data_dir>.replaced`
// until the restored store is in place); a volume's mount point is refused.
// Returns the backup restored.
absl::StatusOr<StoreBackup> RestoreBackup(const storage::Backups& backups, uint32_t id,
                                          const std::string& data_dir, const Clock& clock,
                                          bool replace = false);

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_STORE_BACKUPS_H_
