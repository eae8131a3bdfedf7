// clientbook-admin: lists, verifies and restores the backups a service
// wrote into its --backup_dir (BackupService). It reads the backup
// directory only; a restore writes into an empty --data_dir, verified first,
// and gives the restored store a new epoch.
//
//   clientbook-admin list    --from DIR
//   clientbook-admin verify  --from DIR [--backup ID]
//   clientbook-admin restore --from DIR [--backup ID] --data_dir DIR [--force]
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/changes/store_backups.h"
#include "common/storage/backups.h"
#include "common/time/clock.h"

ABSL_FLAG(std::string, from, "", "the backup directory (a service's --backup_dir)");
ABSL_FLAG(uint32_t, backup, 0, "the backup's id (0: the newest; verify: every backup)");
ABSL_FLAG(std::string, data_dir, "",
          "restore: the service's --data_dir, empty or absent");
ABSL_FLAG(bool, force, false, "restore: empty a non-empty --data_dir first");

namespace clientbook::admin {
namespace {

using changes::StoreBackup;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "clientbook-admin: %s\n", status.ToString().c_str());
  return 1;
}

void Print(const StoreBackup& backup, const char* verdict) {
  std::printf(
      "backup %u  %s  %s  changes up to %llu  epoch %s  %llu bytes in %u files%s\n",
      backup.info.id,
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", backup.info.create_time, absl::UTCTimeZone())
          .c_str(),
      backup.metadata.service().c_str(),
      static_cast<unsigned long long>(backup.metadata.change_sequence()),
      backup.metadata.store_epoch().c_str(),
      static_cast<unsigned long long>(backup.info.size_bytes), backup.info.file_count,
      verdict);
}

int List(const storage::Backups& backups) {
  absl::StatusOr<std::vector<storage::BackupInfo>> all = backups.List();
  if (!all.ok()) return Fail(all.status());
  for (const storage::BackupInfo& info : *all) {
    absl::StatusOr<StoreBackup> backup = changes::DescribeBackup(info);
    if (!backup.ok()) return Fail(backup.status());
    Print(*backup, "");
  }
  if (all->empty()) std::printf("no backups\n");
  return 0;
}

int Verify(const storage::Backups& backups, uint32_t only) {
  absl::StatusOr<std::vector<storage::BackupInfo>> all = backups.List();
  if (!all.ok()) return Fail(all.status());
  int damaged = 0;
  bool found = false;
  for (const storage::BackupInfo& info : *all) {
    if (only != 0 && info.id != only) continue;
    found = true;
    absl::StatusOr<StoreBackup> backup = changes::DescribeBackup(info);
    if (!backup.ok()) return Fail(backup.status());
    absl::Status verified = backups.Verify(info.id);
    Print(*backup, verified.ok() ? "  verified" : "  DAMAGED");
    if (!verified.ok()) {
      std::fprintf(stderr, "  %s\n", verified.ToString().c_str());
      ++damaged;
    }
  }
  if (!found && only != 0) return Fail(absl::NotFoundError("no such backup"));
  if (!found) std::printf("no backups\n");
  return damaged == 0 ? 0 : 1;
}

int Restore(const storage::Backups& backups, uint32_t id, const std::string& data_dir,
            bool force) {
  if (data_dir.empty())
    return Fail(absl::InvalidArgumentError("restore needs --data_dir"));
  SystemClock clock;
  absl::StatusOr<StoreBackup> restored =
      changes::RestoreBackup(backups, id, data_dir, clock, /*replace=*/force);
  if (!restored.ok()) return Fail(restored.status());
  Print(*restored, "  restored");
  std::printf(
      "into %s with a new store epoch: watchers holding older tokens are told "
      "STORE_EPOCH_CHANGED and list again\n",
      data_dir.c_str());
  return 0;
}

}  // namespace
}  // namespace clientbook::admin

int main(int argc, char** argv) {
  using namespace clientbook;
  absl::SetProgramUsageMessage(
      "list | verify | restore --from BACKUP_DIR [--backup ID] [--data_dir DIR] "
      "[--force]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string from = absl::GetFlag(FLAGS_from);
  if (args.size() != 2 || from.empty()) {
    std::fprintf(stderr, "usage: clientbook-admin %s\n",
                 absl::ProgramUsageMessage().data());
    return 2;
  }
  absl::StatusOr<std::unique_ptr<storage::Backups>> backups =
      storage::Backups::Open(from, /*read_only=*/true);
  if (!backups.ok()) return admin::Fail(backups.status());
  const std::string command = args[1];
  if (command == "list") return admin::List(**backups);
  if (command == "verify") return admin::Verify(**backups, absl::GetFlag(FLAGS_backup));
  if (command == "restore") {
    return admin::Restore(**backups, absl::GetFlag(FLAGS_backup),
                          absl::GetFlag(FLAGS_data_dir), absl::GetFlag(FLAGS_force));
  }
  std::fprintf(stderr, "usage: clientbook-admin %s\n",
               absl::ProgramUsageMessage().data());
  return 2;
}
