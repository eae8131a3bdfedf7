// The directory service binary: flags, storage, domain, server; then waits
// for SIGTERM/SIGINT and drains.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/client/outgoing_call.h"
#include "common/server/flags.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "common/time/clock_flags.h"
#include "services/directory/api/billing_wholesale_check.h"
#include "services/directory/api/directory_service.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, billing_target, "127.0.0.1:50052",
          "host:port of the billing service, asked before a permanent delete");
ABSL_FLAG(absl::Duration, billing_timeout, absl::Seconds(2),
          "deadline of a call to the billing service");

int main(int argc, char** argv) {
  using namespace clientbook;
  server::BlockShutdownSignals();
  server::SetServiceDefaults({.listen = "127.0.0.1:50051",
                              .data_dir = "./data/directory",
                              .metrics_listen = "127.0.0.1:9451"});
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
  auto store = directory::RocksDirectoryStore::Create(db->get());
  if (!store.ok()) return fail(store.status());
  directory::BillingWholesaleCheck wholesale(
      client::Connect(absl::GetFlag(FLAGS_billing_target)),
      absl::GetFlag(FLAGS_billing_timeout));
  directory::Directory directory(**store, *clock->clock, wholesale);
  directory::DirectoryService service(directory);

  if (absl::Status s =
          server::ServeUntilSignal("directory", server::ServerOptions::FromFlags(),
                                   {&service}, clock->control.get());
      !s.ok()) {
    return fail(s);
  }
  if (absl::Status s = (*db)->Close(); !s.ok()) return fail(s);
  spdlog::info("directory stopped cleanly");
  return 0;
}
