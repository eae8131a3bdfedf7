// clientbook-admin: lists, verifies and restores the backups a service
// wrote into its --backup_dir (BackupService). It reads the backup
// directory only; a restore writes into an empty --data_dir, verified first,
// and gives the restored store a new epoch. After a restore, `reconcile`
// asks billing and import (ReconcileService on their operator addresses)
// what no longer matches the directory, and with --fix repairs what has one
// right answer. When one cell becomes several, `move-invitations` hands the
// lone cell's pending invitations to accounts (move_invitations.h).
//
//   clientbook-admin list    --from DIR
//   clientbook-admin verify  --from DIR [--backup ID]
//   clientbook-admin restore --from DIR [--backup ID] --data_dir DIR [--force]
//   clientbook-admin reconcile --billing HOST:PORT --import HOST:PORT [--fix]
//                              [--token_file FILE | --user NAME]
//   clientbook-admin move-invitations --directory_data_dir DIR
//                                     --accounts_data_dir DIR [--user NAME]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "clientbook/v1/reconcile.grpc.pb.h"
#include "common/auth/auth_flags.h"
#include "common/auth/authenticator.h"
#include "common/changes/store_backups.h"
#include "common/server/status_mapping.h"
#include "common/storage/backups.h"
#include "common/time/clock.h"
#include "common/tls/credentials.h"
#include "services/admin/move_invitations.h"

ABSL_FLAG(std::string, from, "", "the backup directory (a service's --backup_dir)");
ABSL_FLAG(uint32_t, backup, 0, "the backup's id (0: the newest; verify: every backup)");
ABSL_FLAG(std::string, data_dir, "",
          "restore: the service's --data_dir, empty or absent");
ABSL_FLAG(bool, force, false, "restore: empty a non-empty --data_dir first");
ABSL_FLAG(std::string, billing, "",
          "reconcile: host:port of billing's --operator_listen address");
ABSL_FLAG(std::string, import, "",
          "reconcile: host:port of import's --operator_listen address");
ABSL_FLAG(bool, fix, false,
          "reconcile: repair the mismatches that have one right answer");
ABSL_FLAG(std::string, token_file, "",
          "reconcile with --auth=jwt: a file holding a token with the 'operator' role");
ABSL_FLAG(std::string, user, "clientbook-admin",
          "reconcile with --auth=header, and move-invitations: the operator's user id");
ABSL_FLAG(std::string, directory_data_dir, "",
          "move-invitations: cell 0's directory --data_dir (the directory stopped)");
ABSL_FLAG(std::string, accounts_data_dir, "",
          "move-invitations: accounts' --data_dir (accounts stopped)");

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

// The operator's credentials: a token, or the headers of --auth=header.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> OperatorCredentials() {
  const std::string file = absl::GetFlag(FLAGS_token_file);
  if (file.empty()) {
    return std::vector<std::pair<std::string, std::string>>{
        {auth::kUserIdHeader, absl::GetFlag(FLAGS_user)},
        {auth::kUserRolesHeader, auth::kOperatorRole}};
  }
  return auth::BearerFromFile(file, "--token_file");
}

// One service's findings, printed; false when it could not be asked.
bool ReconcileWith(const std::string& service, const std::string& target,
                   const std::vector<std::pair<std::string, std::string>>& credentials,
                   bool fix) {
  auto channel = tls::SecureChannel(target, tls::TlsClientOptions::FromFlags());
  if (!channel.ok()) {
    Fail(channel.status());
    return false;
  }
  grpc::ClientContext context;
  for (const auto& [key, value] : credentials) context.AddMetadata(key, value);
  // A snapshot of a million clients takes a while.
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(15));
  v1::ReconcileRequest request;
  request.set_fix(fix);
  v1::ReconcileResponse response;
  const grpc::Status status =
      v1::ReconcileService::NewStub(*channel)->Reconcile(&context, request, &response);
  if (!status.ok()) {
    Fail(absl::Status(
        FromGrpcStatus(status).code(),
        absl::StrCat(service, " at ", target, ": ", status.error_message())));
    return false;
  }
  std::printf(
      "%s: %lld checked against %lld of the directory's: %lld mismatches, %lld fixed\n",
      service.c_str(), static_cast<long long>(response.checked_count()),
      static_cast<long long>(response.directory_resource_count()),
      static_cast<long long>(response.mismatch_count()),
      static_cast<long long>(response.fixed_count()));
  for (const v1::Mismatch& mismatch : response.mismatches()) {
    const char* verdict = mismatch.fixed()     ? "fixed"
                          : mismatch.fixable() ? "fixable with --fix"
                                               : "for a person";
    std::printf("  %s  %s  [%s]\n    %s\n",
                v1::Mismatch::Kind_Name(mismatch.kind()).c_str(), mismatch.name().c_str(),
                verdict, mismatch.detail().c_str());
  }
  if (response.mismatch_count() > response.mismatches_size()) {
    std::printf(
        "  … and %lld more\n",
        static_cast<long long>(response.mismatch_count() - response.mismatches_size()));
  }
  return true;
}

int MoveInvitationsToAccounts() {
  const std::string directory = absl::GetFlag(FLAGS_directory_data_dir);
  const std::string accounts = absl::GetFlag(FLAGS_accounts_data_dir);
  if (directory.empty() || accounts.empty()) {
    return Fail(absl::InvalidArgumentError(
        "move-invitations needs --directory_data_dir and --accounts_data_dir"));
  }
  SystemClock clock;
  absl::StatusOr<size_t> moved =
      MoveInvitations(directory, accounts, absl::GetFlag(FLAGS_user), clock);
  if (!moved.ok()) return Fail(moved.status());
  std::printf("%zu pending invitations moved from %s to accounts (%s)\n", *moved,
              directory.c_str(), accounts.c_str());
  return 0;
}

int Reconcile(bool fix) {
  const std::string billing = absl::GetFlag(FLAGS_billing);
  const std::string import = absl::GetFlag(FLAGS_import);
  if (billing.empty() || import.empty()) {
    return Fail(absl::InvalidArgumentError(
        "reconcile needs --billing and --import (their --operator_listen addresses)"));
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> credentials =
      OperatorCredentials();
  if (!credentials.ok()) return Fail(credentials.status());
  const bool billing_answered = ReconcileWith("billing", billing, *credentials, fix);
  const bool import_answered = ReconcileWith("import", import, *credentials, fix);
  return billing_answered && import_answered ? 0 : 1;
}

}  // namespace
}  // namespace clientbook::admin

int main(int argc, char** argv) {
  using namespace clientbook;
  absl::SetProgramUsageMessage(
      "list | verify | restore --from BACKUP_DIR [--backup ID] [--data_dir DIR] "
      "[--force]\n  reconcile --billing HOST:PORT --import HOST:PORT [--fix] "
      "[--token_file FILE | --user NAME]\n  move-invitations --directory_data_dir DIR "
      "--accounts_data_dir DIR [--user NAME]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() == 2 && args[1] == std::string("reconcile")) {
    return admin::Reconcile(absl::GetFlag(FLAGS_fix));
  }
  if (args.size() == 2 && args[1] == std::string("move-invitations")) {
    return admin::MoveInvitationsToAccounts();
  }
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
