// The billing service binary: flags, storage, the directory client, domain,
// the trial sweeper, server; then waits for SIGTERM/SIGINT and drains.
#include "absl/flags/flag.h"
#include "common/auth/auth_flags.h"
#include "common/changes/backup_service.h"
#include "common/changes/change_service.h"
#include "common/server/bootstrap.h"
#include "common/server/periodic_task.h"
#include "common/server/server.h"
#include "common/tls/credentials.h"
#include "services/billing/api/billing_change_readers.h"
#include "services/billing/api/billing_operator_service.h"
#include "services/billing/api/billing_reconcile_service.h"
#include "services/billing/api/billing_service.h"
#include "services/billing/peers/directory_feed.h"
#include "services/billing/peers/grpc_directory_port.h"
#include "services/billing/store/rocksdb_billing_store.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, directory_target, "127.0.0.1:50051",
          "host:port of the directory service (firms, members, clients)");
ABSL_FLAG(absl::Duration, directory_timeout, absl::Seconds(2),
          "deadline of a call to the directory service");
ABSL_FLAG(absl::Duration, trial_sweep_interval, absl::Minutes(10),
          "how often lapsed direct-discount trials are recorded");

// Every billing call asks the directory who the caller is: enough threads
// for 64 calls in flight, each waiting on that answer.
constexpr int kBlockingThreads = 64;

int main(int argc, char** argv) {
  using namespace clientbook;
  auto basics = server::Bootstrap(argc, argv,
                                  {.listen = "127.0.0.1:50052",
                                   .data_dir = "./data/billing",
                                   .metrics_listen = "127.0.0.1:9452",
                                   .operator_listen = "127.0.0.1:50062",
                                   .blocking_threads = kBlockingThreads});
  if (!basics.ok()) return server::ExitWith(basics.status());
  auto retention = changes::ChangeRetentionFromFlags();
  if (!retention.ok()) return server::ExitWith(retention.status());
  auto created =
      billing::RocksBillingStore::Create(basics->db.get(), *basics->clock.clock);
  if (!created.ok()) return server::ExitWith(created.status());
  billing::RocksBillingStore& store = **created;
  auto channel = tls::SecureChannel(absl::GetFlag(FLAGS_directory_target),
                                    tls::TlsClientOptions::FromFlags());
  if (!channel.ok()) return server::ExitWith(channel.status());
  billing::GrpcDirectoryPort directory(*channel, absl::GetFlag(FLAGS_directory_timeout));
  billing::Billing billing(store, *basics->clock.clock, directory);
  billing::BillingService service(billing, store.change_log(), *basics->frame);
  billing::BillingOperatorService operator_service(billing, *basics->frame);
  billing::BillingReconcileService reconcile(billing, *channel, *basics->frame);
  billing::BillingChangeReaders change_readers(directory);
  SystemClock real_time;
  changes::ChangeService change_feed(store.change_log(), change_readers, *basics->frame,
                                     real_time,
                                     changes::ChangeServiceOptions::FromFlags());
  auto backups =
      changes::BackupService::FromFlags(store.change_log(), "billing", *basics->frame);
  if (!backups.ok()) return server::ExitWith(backups.status());
  // Follows the directory's changes, so a deleted client's subscription
  // leaves the firm's lists and sweeps.
  std::unique_ptr<billing::DirectoryFeed> directory_feed;
  auto feed_channel = tls::SecureChannel(absl::GetFlag(FLAGS_directory_target),
                                         tls::TlsClientOptions::FromFlags(),
                                         /*own_connection=*/true);
  if (!feed_channel.ok()) return server::ExitWith(feed_channel.status());
  if (auto service = auth::ServiceCallerFromFlags("clientbook-billing"); service.ok()) {
    directory_feed =
        std::make_unique<billing::DirectoryFeed>(*feed_channel, *service, billing, store);
    directory_feed->Start();
  } else {
    spdlog::error("not following the directory's change feed: {}",
                  service.status().ToString());
  }
  {
    auto backup_schedule = (*backups)->StartSchedule();
    auto change_sweeper =
        changes::ApplyRetention(store.change_log(), *basics->clock.clock, *retention);
    server::PeriodicTask sweeper(absl::GetFlag(FLAGS_trial_sweep_interval), [&] {
      auto lapsed = billing.SweepExpiredTrials();
      if (!lapsed.ok()) {
        spdlog::error("trial sweep: {}", lapsed.status().ToString());
      } else if (!lapsed->empty()) {
        spdlog::info("trial sweep: {} direct-discount trials lapsed", lapsed->size());
      }
    });
    server::ServerOptions options = server::ServerOptions::FromFlags();
    if (directory_feed != nullptr) options.metrics.push_back(directory_feed.get());
    options.metrics.push_back(backups->get());
    if (absl::Status s = server::ServeUntilSignal(
            "billing", options, *basics->frame, {&service, &change_feed},
            basics->clock.control.get(), {&operator_service, &reconcile, backups->get()});
        !s.ok()) {
      return server::ExitWith(s);
    }
  }
  // Before the storage it writes to closes.
  directory_feed.reset();
  return server::CloseAndExit("billing", *basics->db);
}
