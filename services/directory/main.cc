// The directory service binary: flags, storage, domain, server; then waits
// for SIGTERM/SIGINT and drains.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/server/flags.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "services/directory/api/directory_service.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "spdlog/spdlog.h"

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
  SystemClock clock;
  directory::ClientFlagWholesaleCheck wholesale;
  directory::Directory directory(**store, clock, wholesale);
  directory::DirectoryService service(directory);

  auto server = server::Server::Start(server::ServerOptions::FromFlags(), {&service});
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
