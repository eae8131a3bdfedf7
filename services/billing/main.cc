// The billing service binary: flags, storage, the directory client, domain,
// the trial sweeper, server; then waits for SIGTERM/SIGINT and drains.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/client/outgoing_call.h"
#include "common/server/flags.h"
#include "common/server/periodic_task.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "common/time/clock_flags.h"
#include "services/billing/api/billing_service.h"
#include "services/billing/api/grpc_directory_client.h"
#include "services/billing/store/rocksdb_billing_store.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, directory_target, "127.0.0.1:50051",
          "host:port of the directory service (firms, members, clients)");
ABSL_FLAG(absl::Duration, directory_timeout, absl::Seconds(2),
          "deadline of a call to the directory service");
ABSL_FLAG(absl::Duration, trial_sweep_interval, absl::Minutes(10),
          "how often lapsed direct-discount trials are recorded");

int main(int argc, char** argv) {
  using namespace clientbook;
  server::BlockShutdownSignals();
  server::SetServiceDefaults({.listen = "127.0.0.1:50052",
                              .data_dir = "./data/billing",
                              .metrics_listen = "127.0.0.1:9452"});
  absl::ParseCommandLine(argc, argv);
  auto fail = [](const absl::Status& s) {
    spdlog::critical("{}", s.ToString());
    return 1;
  };

  auto clock = ClockFromFlags();
  if (!clock.ok()) return fail(clock.status());
  auto db = storage::Database::Open(absl::GetFlag(FLAGS_data_dir),
                                    {.sync_writes = absl::GetFlag(FLAGS_sync_writes)});
  if (!db.ok()) return fail(db.status());
  billing::RocksBillingStore store(db->get());
  billing::GrpcDirectoryClient directory(
      client::Connect(absl::GetFlag(FLAGS_directory_target)),
      absl::GetFlag(FLAGS_directory_timeout));
  billing::Billing billing(store, *clock->clock, directory);
  billing::BillingService service(billing);
  {
    server::PeriodicTask sweeper(absl::GetFlag(FLAGS_trial_sweep_interval), [&] {
      auto lapsed = billing.SweepExpiredTrials();
      if (!lapsed.ok()) {
        spdlog::error("trial sweep: {}", lapsed.status().ToString());
      } else if (!lapsed->empty()) {
        spdlog::info("trial sweep: {} direct-discount trials lapsed", lapsed->size());
      }
    });
    if (absl::Status s =
            server::ServeUntilSignal("billing", server::ServerOptions::FromFlags(),
                                     {&service}, clock->control.get());
        !s.ok()) {
      return fail(s);
    }
  }
  if (absl::Status s = (*db)->Close(); !s.ok()) return fail(s);
  spdlog::info("billing stopped cleanly");
  return 0;
}
