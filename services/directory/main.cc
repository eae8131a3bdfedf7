// The directory service binary: flags, storage, domain, server; then waits
// for SIGTERM/SIGINT and drains.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/client/outgoing_call.h"
#include "common/server/flags.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
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

  auto db = storage::Database::Open(absl::GetFlag(FLAGS_data_dir),
                                    {.sync_writes = absl::GetFlag(FLAGS_sync_writes)});
  if (!db.ok()) {
    spdlog::critical("{}", db.status().ToString());
    return 1;
  }
  auto store = directory::RocksDirectoryStore::Create(db->get());
  if (!store.ok()) {
    spdlog::critical("{}", store.status().ToString());
    return 1;
  }
  auto clock = ClockFromFlags();
  if (!clock.ok()) {
    spdlog::critical("{}", clock.status().ToString());
    return 1;
  }
  directory::BillingWholesaleCheck wholesale(
      client::Connect(absl::GetFlag(FLAGS_billing_target)),
      absl::GetFlag(FLAGS_billing_timeout));
  directory::Directory directory(**store, *clock->clock, wholesale);
  directory::DirectoryService service(directory);

  std::vector<grpc::Service*> services = {&service};
  if (clock->control) services.push_back(clock->control.get());
  auto server = server::Server::Start(server::ServerOptions::FromFlags(), services);
  if (!server.ok()) {
    spdlog::critical("{}", server.status().ToString());
    return 1;
  }
  spdlog::info("directory ready (data in {})", absl::GetFlag(FLAGS_data_dir));
  int signal = server::WaitForShutdownSignal();
  spdlog::info("signal {}: shutting down", signal);
  (*server)->Shutdown();
  if (absl::Status s = (*db)->Close(); !s.ok()) {
    spdlog::error("closing storage: {}", s.ToString());
    return 1;
  }
  spdlog::info("directory stopped cleanly");
  return 0;
}
