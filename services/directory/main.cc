// The directory service binary: flags, storage, domain, server; then waits
// for SIGTERM/SIGINT and drains.
#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "common/changes/backup_service.h"
#include "common/changes/change_service.h"
#include "common/server/bootstrap.h"
#include "common/server/periodic_task.h"
#include "common/server/server.h"
#include "common/tls/credentials.h"
#include "services/directory/api/directory_change_readers.h"
#include "services/directory/api/directory_service.h"
#include "services/directory/api/workspace_service.h"
#include "services/directory/peers/billing_wholesale_check.h"
#include "services/directory/peers/import_service_activity.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, billing_target, "127.0.0.1:50052",
          "host:port of the billing service, asked before a permanent delete");
ABSL_FLAG(absl::Duration, billing_timeout, absl::Seconds(2),
          "deadline of a call to the billing service");
ABSL_FLAG(std::string, import_target, "127.0.0.1:50053",
          "host:port of the import service, asked before merging clients");
ABSL_FLAG(absl::Duration, import_timeout, absl::Seconds(2),
          "deadline of a call to the import service");
ABSL_FLAG(absl::Duration, note_purge_interval, absl::Hours(1),
          "how often deleted notes past their 30 days are purged");

int main(int argc, char** argv) {
  using namespace clientbook;
  auto basics = server::Bootstrap(argc, argv,
                                  {.listen = "127.0.0.1:50051",
                                   .data_dir = "./data/directory",
                                   .metrics_listen = "127.0.0.1:9451"});
  if (!basics.ok()) return server::ExitWith(basics.status());
  auto retention = changes::ChangeRetentionFromFlags();
  if (!retention.ok()) return server::ExitWith(retention.status());
  auto store = directory::RocksDirectoryStore::Create(basics->db.get(),
                                                      *basics->clock.clock, basics->cell);
  if (!store.ok()) return server::ExitWith(store.status());
  auto billing = tls::SecureChannel(absl::GetFlag(FLAGS_billing_target),
                                    tls::TlsClientOptions::FromFlags());
  if (!billing.ok()) return server::ExitWith(billing.status());
  directory::BillingWholesaleCheck wholesale(*billing,
                                             absl::GetFlag(FLAGS_billing_timeout));
  auto import = tls::SecureChannel(absl::GetFlag(FLAGS_import_target),
                                   tls::TlsClientOptions::FromFlags());
  if (!import.ok()) return server::ExitWith(import.status());
  directory::ImportServiceActivity imports(*import, absl::GetFlag(FLAGS_import_timeout));
  directory::Directory directory(**store, *basics->clock.clock, wholesale, imports);
  absl::StatusOr<directory::Reindexed> reindexed = directory.core.ReindexIfOutdated();
  if (!reindexed.ok()) return server::ExitWith(reindexed.status());
  if (reindexed->clients > 0) {
    spdlog::info("listing indexes rebuilt for {} clients", reindexed->clients);
  }
  if (reindexed->notes > 0) {
    spdlog::info("note indexes rebuilt for {} notes", reindexed->notes);
  }
  if (reindexed->clients > 0 || reindexed->notes > 0) server::ReturnFreeMemory();
  if (reindexed->shared_numbers > 0) {
    spdlog::warn(
        "{} client numbers are held by more than one client of a firm (written before "
        "they counted as one); each stays with the client created first: {}",
        reindexed->shared_numbers,
        absl::StrJoin(reindexed->shared_number_examples, "; "));
  }
  changes::ChangeLog& change_log = (*store)->change_log();
  directory::DirectoryService service(directory, *basics->frame, change_log);
  directory::WorkspaceService workspace(directory, *basics->frame, change_log);
  directory::DirectoryChangeReaders change_readers(directory);
  SystemClock real_time;
  changes::ChangeService change_feed(change_log, change_readers, *basics->frame,
                                     real_time,
                                     changes::ChangeServiceOptions::FromFlags());
  auto backups =
      changes::BackupService::FromFlags(change_log, "directory", *basics->frame);
  if (!backups.ok()) return server::ExitWith(backups.status());
  {
    auto backup_schedule = (*backups)->StartSchedule();
    auto change_sweeper =
        changes::ApplyRetention(change_log, *basics->clock.clock, *retention);
    server::PeriodicTask purger(absl::GetFlag(FLAGS_note_purge_interval), [&] {
      absl::StatusOr<size_t> purged = directory.notes.PurgeDeletedNotes();
      if (!purged.ok()) {
        spdlog::error("note purge: {}", purged.status().ToString());
      } else if (*purged > 0) {
        spdlog::info("note purge: {} deleted notes purged", *purged);
      }
    });
    server::ServerOptions options = server::ServerOptions::FromFlags();
    options.metrics.push_back(backups->get());
    if (absl::Status s = server::ServeUntilSignal(
            "directory", options, *basics->frame, {&service, &workspace, &change_feed},
            basics->clock.control.get(), {backups->get()});
        !s.ok()) {
      return server::ExitWith(s);
    }
  }
  return server::CloseAndExit("directory", *basics->db);
}
