#include "common/changes/store_backups.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/keys/key_codec.h"
#include "common/status/errors.h"
#include "common/storage/database.h"

namespace clientbook::changes {
namespace {

absl::Status RemoveAll(const std::string& dir) {
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot remove ", dir, ": ", error.message()));
  }
  return absl::OkStatus();
}

absl::Status Rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code error;
  std::filesystem::rename(from, to, error);
  if (error) {
    return absl::InternalError(absl::StrCat("cannot move ", from.string(), " to ",
                                            to.string(), ": ", error.message()));
  }
  return absl::OkStatus();
}

// A rename is durable once its directory is synced.
absl::Status SyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot open ", dir.string(), ": ", std::strerror(errno)));
  }
  const int synced = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (synced != 0) {
    return absl::InternalError(
        absl::StrCat("cannot sync ", dir.string(), ": ", std::strerror(error)));
  }
  return absl::OkStatus();
}

// A volume's mount point cannot be renamed, and what is beside it is on
// another file system.
bool IsMountPoint(const std::filesystem::path& dir) {
  struct stat self, parent;
  return ::stat(dir.c_str(), &self) == 0 &&
         ::stat(dir.parent_path().c_str(), &parent) == 0 && self.st_dev != parent.st_dev;
}

}  // namespace

absl::StatusOr<StoreBackup> DescribeBackup(const storage::BackupInfo& info) {
  StoreBackup backup{.info = info};
  if (!backup.metadata.ParseFromString(info.metadata) ||
      backup.metadata.service().empty()) {
    return absl::DataLossError(
        absl::StrCat("backup ", info.id, " was not made by a Clientbook service"));
  }
  return backup;
}

absl::StatusOr<StoreBackup> StoreBackups::Create(const BackupRequest& request) {
  absl::MutexLock lock(&create_mu_);
  // What a backup killed half way left behind.
  if (absl::Status s = RemoveAll(scratch_dir_); !s.ok()) return s;
  absl::StatusOr<uint64_t> sequence = log_.CheckpointInto(scratch_dir_);
  if (!sequence.ok()) return sequence.status();
  BackupMetadata metadata;
  metadata.set_service(service_);
  metadata.set_log_table(static_cast<unsigned char>(log_.table()));
  metadata.set_change_sequence(*sequence);
  metadata.set_store_epoch(log_.epoch());
  if (!request.request_id.empty()) {
    metadata.set_request_id(request.request_id);
    metadata.set_requested_by(request.caller);
  }
  absl::StatusOr<storage::BackupInfo> info =
      backups_.BackUpCheckpoint(scratch_dir_, metadata.SerializeAsString());
  absl::Status removed = RemoveAll(scratch_dir_);
  if (!info.ok()) return info.status();
  if (!removed.ok()) return removed;
  return StoreBackup{.info = *std::move(info), .metadata = std::move(metadata)};
}

absl::StatusOr<storage::Page<StoreBackup>> StoreBackups::List(
    const storage::PageRequest& request) const {
  absl::StatusOr<storage::ListPage> page = storage::OpenPage(kPageQuery, request);
  if (!page.ok()) return page.status();
  // The cursor is the id of the previous page's last (oldest) backup.
  uint64_t below = std::numeric_limits<uint64_t>::max();
  if (!page->cursor.empty()) {
    std::optional<uint64_t> id = storage::DecodeUint64(page->cursor);
    if (!id.has_value()) return errors::InvalidField("page_token", "is not a backup's");
    below = *id;
  }
  absl::StatusOr<std::vector<storage::BackupInfo>> infos = backups_.List();
  if (!infos.ok()) return infos.status();
  storage::Page<StoreBackup> backups;
  for (const storage::BackupInfo& info : *infos) {
    if (info.id >= below) continue;
    if (backups.items.size() == page->size) {
      backups.next_page_token =
          page->TokenFor(storage::EncodeUint64(backups.items.back().info.id));
      break;
    }
    absl::StatusOr<StoreBackup> backup = DescribeBackup(info);
    if (!backup.ok()) return backup.status();
    backups.items.push_back(*std::move(backup));
  }
  return backups;
}

absl::StatusOr<std::optional<StoreBackup>> StoreBackups::MadeFor(
    const BackupRequest& request) const {
  if (request.request_id.empty()) return std::nullopt;
  absl::StatusOr<std::vector<storage::BackupInfo>> infos = backups_.List();
  if (!infos.ok()) return infos.status();
  for (const storage::BackupInfo& info : *infos) {
    absl::StatusOr<StoreBackup> backup = DescribeBackup(info);
    if (!backup.ok()) return backup.status();
    if (backup->metadata.request_id() == request.request_id &&
        backup->metadata.requested_by() == request.caller) {
      return std::optional<StoreBackup>(*std::move(backup));
    }
  }
  return std::nullopt;
}

absl::StatusOr<StoreBackup> StoreBackups::Get(uint32_t id) const {
  absl::StatusOr<storage::BackupInfo> info = backups_.Get(id);
  if (!info.ok()) return info.status();
  return DescribeBackup(*info);
}

absl::StatusOr<StoreBackup> StoreBackups::Verify(uint32_t id) const {
  if (absl::Status s = backups_.Verify(id); !s.ok()) return s;
  return Get(id);
}

absl::StatusOr<StoreBackup> RestoreBackup(const storage::Backups& backups, uint32_t id,
                                          const std::string& data_dir, const Clock& clock,
                                          bool replace) {
  if (id == 0) {
    absl::StatusOr<std::vector<storage::BackupInfo>> all = backups.List();
    if (!all.ok()) return all.status();
    if (all->empty()) return absl::NotFoundError("there is no backup to restore");
    id = all->front().id;
  }
  absl::StatusOr<storage::BackupInfo> info = backups.Get(id);
  if (!info.ok()) return info.status();
  absl::StatusOr<StoreBackup> backup = DescribeBackup(*info);
  if (!backup.ok()) return backup.status();
  // Verified before anything is written or removed: a damaged backup
  // changes nothing.
  if (absl::Status s = backups.Verify(id); !s.ok()) return s;
  std::filesystem::path target = std::filesystem::absolute(data_dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  if (IsMountPoint(target)) {
    return absl::FailedPreconditionError(absl::StrCat(
        data_dir,
        " is a volume's mount point: a restore is made beside the data directory and "
        "moved into it, so the data directory must be one inside the volume"));
  }
  // A file where the store or a directory above it goes: refused before
  // anything is written (it failed only at the last rename, leaving the
  // restored store beside it).
  std::error_code error;
  for (std::filesystem::path at = target; at.has_relative_path(); at = at.parent_path()) {
    if (std::filesystem::exists(at, error) && !std::filesystem::is_directory(at, error)) {
      return absl::FailedPreconditionError(absl::StrCat(
          at.string(), " is not a directory: --data_dir must be a directory's path"));
    }
  }
  const bool holds_store =
      std::filesystem::exists(target, error) && !std::filesystem::is_empty(target, error);
  if (holds_store && !replace) {
    return absl::FailedPreconditionError(absl::StrCat(
        data_dir, " is not empty: a restore writes only into an empty directory"));
  }
  // Made beside `target` and moved into it by renames: a restore killed at
  // any moment leaves no store, the store it was replacing, or the whole
  // restored store with its new epoch; never half a store, nor the backup's
  // under its old epoch. The next restore removes what a killed one left.
  const std::filesystem::path staging = target.string() + ".restoring";
  const std::filesystem::path replaced = target.string() + ".replaced";
  if (absl::Status s = RemoveAll(staging); !s.ok()) return s;
  if (std::filesystem::create_directories(target.parent_path(), error); error) {
    return absl::InternalError(absl::StrCat("cannot make ", target.parent_path().string(),
                                            ": ", error.message()));
  }
  if (absl::Status s = backups.RestoreInto(id, staging); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Open(staging, {});
  if (!db.ok()) return db.status();
  if (absl::Status s = ChangeLog::StartNewEpoch(
          **db, static_cast<char>(backup->metadata.log_table()), clock,
          backup->info.create_time);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = (*db)->Close(); !s.ok()) return s;
  if (holds_store) {
    if (absl::Status s = Rename(target, replaced); !s.ok()) return s;
  }
  // Onto an empty directory, or none, in one step.
  if (absl::Status s = Rename(staging, target); !s.ok()) {
    if (holds_store) Rename(replaced, target).IgnoreError();  // as it was
    return s;
  }
  if (absl::Status s = SyncDirectory(target.parent_path()); !s.ok()) return s;
  if (absl::Status s = RemoveAll(replaced); !s.ok()) return s;
  return backup;
}

}  // namespace clientbook::changes
