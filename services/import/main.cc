// The import service binary: flags, storage, the directory port, the job
// worker, the retention sweeper, server; resumes unfinished jobs, then waits
// for SIGTERM/SIGINT and drains.
#include "absl/flags/flag.h"
#include "common/changes/backup_service.h"
#include "common/changes/change_service.h"
#include "common/server/bootstrap.h"
#include "common/server/periodic_task.h"
#include "common/server/server.h"
#include "common/tls/credentials.h"
#include "services/import/api/import_change_readers.h"
#include "services/import/api/import_reconcile_service.h"
#include "services/import/api/import_service.h"
#include "services/import/api/job_metrics.h"
#include "services/import/domain/job_worker.h"
#include "services/import/peers/grpc_directory_port.h"
#include "services/import/store/rocksdb_import_store.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, directory_target, "127.0.0.1:50051",
          "host:port of the directory service");
ABSL_FLAG(absl::Duration, directory_timeout, absl::Seconds(10),
          "deadline of a call to the directory service");
ABSL_FLAG(absl::Duration, job_retention, absl::Hours(90 * 24),
          "finished import jobs and their error logs are deleted after this long");
ABSL_FLAG(absl::Duration, retention_sweep_interval, absl::Hours(1),
          "how often old import jobs are looked for");

// Every import call asks the directory who the caller is: enough threads
// for 64 calls in flight, each waiting on that answer.
constexpr int kBlockingThreads = 64;

int main(int argc, char** argv) {
  using namespace clientbook;
  auto basics = server::Bootstrap(argc, argv,
                                  {.listen = "127.0.0.1:50053",
                                   .data_dir = "./data/import",
                                   .metrics_listen = "127.0.0.1:9453",
                                   .blocking_threads = kBlockingThreads});
  if (!basics.ok()) return server::ExitWith(basics.status());
  auto retention = changes::ChangeRetentionFromFlags();
  if (!retention.ok()) return server::ExitWith(retention.status());
  auto store = importer::RocksImportStore::Create(basics->db.get(), *basics->clock.clock,
                                                  basics->cell);
  if (!store.ok()) return server::ExitWith(store.status());
  auto channel = tls::SecureChannel(absl::GetFlag(FLAGS_directory_target),
                                    tls::TlsClientOptions::FromFlags());
  if (!channel.ok()) return server::ExitWith(channel.status());
  importer::GrpcDirectoryPort directory(*channel, absl::GetFlag(FLAGS_directory_timeout));
  // The worker runs jobs through the importer, which schedules on the
  // worker: the pointer closes that loop once both exist.
  importer::Importer* running = nullptr;
  auto worker =
      std::make_unique<importer::JobWorker>([&running](names::ImportJobName job) {
        if (absl::Status s = running->RunJob(job); !s.ok()) {
          spdlog::error("import job {}: {}", job.ToString(), s.ToString());
        }
      });
  importer::Importer importer(**store, *basics->clock.clock, directory, *worker);
  running = &importer;
  if (absl::Status s = importer.ResumeUnfinished(); !s.ok()) return server::ExitWith(s);
  importer::ImportService service(importer, (*store)->change_log(), *basics->frame);
  importer::ImportReconcileService reconcile(importer, *channel, *basics->frame);
  importer::ImportChangeReaders change_readers(directory);
  SystemClock real_time;
  changes::ChangeService change_feed((*store)->change_log(), change_readers,
                                     *basics->frame, real_time,
                                     changes::ChangeServiceOptions::FromFlags());
  auto backups =
      changes::BackupService::FromFlags((*store)->change_log(), "import", *basics->frame);
  if (!backups.ok()) return server::ExitWith(backups.status());
  {
    auto backup_schedule = (*backups)->StartSchedule();
    auto change_sweeper =
        changes::ApplyRetention((*store)->change_log(), *basics->clock.clock, *retention);
    const absl::Duration retention = absl::GetFlag(FLAGS_job_retention);
    server::PeriodicTask sweeper(absl::GetFlag(FLAGS_retention_sweep_interval), [&] {
      auto deleted = importer.DeleteJobsOlderThan(retention);
      if (!deleted.ok()) {
        spdlog::error("retention sweep: {}", deleted.status().ToString());
      } else if (*deleted > 0) {
        spdlog::info("retention sweep: deleted {} old import jobs", *deleted);
      }
    });
    server::ServerOptions options = server::ServerOptions::FromFlags();
    options.metrics.push_back(backups->get());
    importer::JobMetrics job_metrics(*worker);
    options.metrics.push_back(&job_metrics);
    if (absl::Status s = server::ServeUntilSignal(
            "import", options, *basics->frame, {&service, &change_feed},
            basics->clock.control.get(), {&reconcile, backups->get()});
        !s.ok()) {
      return server::ExitWith(s);
    }
  }
  // The running job finishes its step; queued ones resume at the next start.
  worker.reset();
  return server::CloseAndExit("import", *basics->db);
}
