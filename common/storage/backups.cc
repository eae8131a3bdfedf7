#include "common/storage/backups.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "common/storage/database.h"
#include "common/storage/rocksdb_reports.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"

namespace clientbook::storage {
namespace {

BackupInfo FromRocks(const rocksdb::BackupInfo& info) {
  return {.id = info.backup_id,
          .create_time = absl::FromUnixSeconds(info.timestamp),
          .size_bytes = info.size,
          .file_count = info.number_files,
          .metadata = info.app_metadata};
}

absl::Status NoSuchBackup(uint32_t id) {
  return absl::NotFoundError(absl::StrCat("there is no backup ", id));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Backups>> Backups::Open(const std::string& dir,
                                                       bool read_only,
                                                       rocksdb::Env* backup_env) {
  rocksdb::BackupEngineOptions options(dir, backup_env);
  // One copying thread: the other core stays with the service.
  options.max_background_operations = 1;
  if (read_only) {
    if (!std::filesystem::is_directory(dir)) {
      return absl::NotFoundError(absl::StrCat("no backup directory ", dir));
    }
    rocksdb::BackupEngineReadOnly* engine = nullptr;
    rocksdb::IOStatus s =
        rocksdb::BackupEngineReadOnly::Open(options, rocksdb::Env::Default(), &engine);
    if (!s.ok()) return ToAbslStatus(s);
    std::unique_ptr<rocksdb::BackupEngineReadOnly> owned(engine);
    std::unique_ptr<Backups> backups(new Backups(engine, nullptr, std::move(owned)));
    absl::ReaderMutexLock lock(&backups->mu_);
    backups->Relist();
    return backups;
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create the backup directory ", dir, ": ", error.message()));
  }
  rocksdb::BackupEngine* engine = nullptr;
  rocksdb::IOStatus s =
      rocksdb::BackupEngine::Open(options, rocksdb::Env::Default(), &engine);
  if (!s.ok()) return ToAbslStatus(s);
  std::unique_ptr<rocksdb::BackupEngine> owned(engine);
  std::unique_ptr<Backups> backups(new Backups(engine, std::move(owned), nullptr));
  absl::ReaderMutexLock lock(&backups->mu_);
  backups->Relist();
  return backups;
}

void Backups::Relist() {
  std::vector<rocksdb::BackupInfo> infos;
  reader_->GetBackupInfo(&infos);
  std::vector<BackupInfo> backups;
  for (const rocksdb::BackupInfo& info : infos) backups.push_back(FromRocks(info));
  std::sort(backups.begin(), backups.end(),
            [](const BackupInfo& a, const BackupInfo& b) { return a.id > b.id; });
  absl::MutexLock lock(&listed_mu_);
  listed_ = std::move(backups);
}

absl::StatusOr<BackupInfo> Backups::BackUpCheckpoint(const std::string& checkpoint_dir,
                                                     const std::string& metadata) {
  absl::MutexLock lock(&mu_);
  if (engine_ == nullptr)
    return absl::FailedPreconditionError("backups opened read-only");
  rocksdb::Options options;
  options.create_if_missing = false;
  options.info_log = ServiceLogForRocksDb();
  rocksdb::DB* opened = nullptr;
  if (rocksdb::Status s = rocksdb::DB::Open(options, checkpoint_dir, &opened); !s.ok()) {
    return ToAbslStatus(s);
  }
  std::unique_ptr<rocksdb::DB> db(opened);
  rocksdb::BackupID id = 0;
  rocksdb::CreateBackupOptions create;
  create.flush_before_backup = true;
  // The copy runs beside the service's own work: it yields the CPU.
  create.decrease_background_thread_cpu_priority = true;
  create.background_thread_cpu_priority = rocksdb::CpuPriority::kLow;
  if (rocksdb::IOStatus s =
          engine_->CreateNewBackupWithMetadata(create, db.get(), metadata, &id);
      !s.ok()) {
    // Not the service's own disk (ToAbslStatus's STORAGE_FULL): the
    // checkpoint copied is read from there.
    if (s.IsNoSpace()) {
      return errors::WithReason(absl::StatusCode::kResourceExhausted,
                                "BACKUP_VOLUME_FULL",
                                "the backup volume (--backup_dir) is full: delete old "
                                "backups, keep fewer (--backup_keep) or grow it");
    }
    return ToAbslStatus(s);
  }
  Relist();
  if (rocksdb::Status s = db->Close(); !s.ok()) return ToAbslStatus(s);
  rocksdb::BackupInfo info;
  if (rocksdb::Status s = engine_->GetBackupInfo(id, &info); !s.ok())
    return ToAbslStatus(s);
  return FromRocks(info);
}

absl::StatusOr<std::vector<BackupInfo>> Backups::List() const {
  absl::MutexLock lock(&listed_mu_);
  return listed_;
}

absl::StatusOr<BackupInfo> Backups::Get(uint32_t id) const {
  absl::MutexLock lock(&listed_mu_);
  for (const BackupInfo& info : listed_) {
    if (info.id == id) return info;
  }
  return NoSuchBackup(id);
}

absl::Status Backups::Verify(uint32_t id) const {
  return verifies_.Run(id, [this, id]() -> absl::Status {
    absl::ReaderMutexLock lock(&mu_);
    rocksdb::BackupInfo info;
    if (rocksdb::Status s = reader_->GetBackupInfo(id, &info); s.IsNotFound()) {
      return NoSuchBackup(id);
    }
    rocksdb::IOStatus s = reader_->VerifyBackup(id, /*verify_with_checksum=*/true);
    if (s.ok()) return absl::OkStatus();
    if (s.IsNotFound()) return NoSuchBackup(id);
    return absl::DataLossError(
        absl::StrCat("backup ", id, " is damaged: ", s.ToString()));
  });
}

absl::Status Backups::Delete(uint32_t id) {
  absl::MutexLock lock(&mu_);
  if (engine_ == nullptr)
    return absl::FailedPreconditionError("backups opened read-only");
  rocksdb::BackupInfo info;
  if (rocksdb::Status s = engine_->GetBackupInfo(id, &info); s.IsNotFound()) {
    return NoSuchBackup(id);
  }
  absl::Status deleted = ToAbslStatus(engine_->DeleteBackup(id));
  Relist();
  return deleted;
}

absl::Status Backups::KeepNewest(uint32_t keep) {
  absl::MutexLock lock(&mu_);
  if (engine_ == nullptr)
    return absl::FailedPreconditionError("backups opened read-only");
  absl::Status purged = ToAbslStatus(engine_->PurgeOldBackups(keep));
  Relist();
  return purged;
}

absl::Status Backups::RestoreInto(uint32_t id, const std::string& db_dir) const {
  absl::ReaderMutexLock lock(&mu_);
  return ToAbslStatus(
      reader_->RestoreDBFromBackup(rocksdb::RestoreOptions(), id, db_dir, db_dir));
}

}  // namespace clientbook::storage
