// The accounts service binary: the calls that span cells. ListMyFirms, from
// an index it builds by following every cell's directory feed; and the
// invitations, which it keeps and connects to a firm in that firm's cell,
// with their change feed and backups. Flags, storage, the feeds, server;
// then waits for SIGTERM/SIGINT.
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/auth/auth_flags.h"
#include "common/changes/backup_service.h"
#include "common/changes/change_service.h"
#include "common/server/bootstrap.h"
#include "common/server/server.h"
#include "common/tls/credentials.h"
#include "services/accounts/api/accounts_change_readers.h"
#include "services/accounts/api/accounts_directory_service.h"
#include "services/accounts/peers/cell_feeds.h"
#include "services/accounts/peers/grpc_cell_directories.h"
#include "services/accounts/store/rocksdb_accounts_store.h"

ABSL_FLAG(std::vector<std::string>, cell_directory, {},
          "every cell's directory, as cell=host:port (0=directory-0:50051,1=…)");

namespace clientbook::accounts {
namespace {

absl::StatusOr<std::vector<CellFeeds::Cell>> CellsFromFlags() {
  std::vector<CellFeeds::Cell> cells;
  for (const std::string& entry : absl::GetFlag(FLAGS_cell_directory)) {
    std::pair<std::string, std::string> parts =
        absl::StrSplit(entry, absl::MaxSplits('=', 1));
    uint32_t id = 0;
    if (!absl::SimpleAtoi(parts.first, &id) || id >= names::Cell::kCells ||
        parts.second.empty()) {
      return absl::InvalidArgumentError(
          "--cell_directory: each entry is cell=host:port, a cell 0 to 999");
    }
    auto channel = tls::SecureChannel(parts.second, tls::TlsClientOptions::FromFlags(),
                                      /*own_connection=*/true);
    if (!channel.ok()) return channel.status();
    cells.push_back({names::Cell{id}, *std::move(channel)});
  }
  if (cells.empty()) return absl::InvalidArgumentError("--cell_directory names no cell");
  return cells;
}

}  // namespace
}  // namespace clientbook::accounts

int main(int argc, char** argv) {
  using namespace clientbook;
  auto basics = server::Bootstrap(argc, argv,
                                  {.listen = "127.0.0.1:50070",
                                   .data_dir = "./data/accounts",
                                   .metrics_listen = "127.0.0.1:9470",
                                   .operator_listen = "127.0.0.1:50080",
                                   .spans_cells = true});
  if (!basics.ok()) return server::ExitWith(basics.status());
  auto retention = changes::ChangeRetentionFromFlags();
  if (!retention.ok()) return server::ExitWith(retention.status());
  auto cells = accounts::CellsFromFlags();
  if (!cells.ok()) return server::ExitWith(cells.status());
  auto service = auth::ServiceCallerFromFlags("clientbook-accounts");
  if (!service.ok()) return server::ExitWith(service.status());
  auto store = accounts::RocksAccountsStore::Open(basics->db.get(), *basics->clock.clock);
  if (!store.ok()) return server::ExitWith(store.status());
  accounts::Accounts index(**store);
  accounts::GrpcCellDirectories cell_directories(*cells, *service);
  accounts::Invitations invitations(**store, cell_directories, *basics->clock.clock);
  accounts::AccountsDirectoryService directory(index, invitations, *basics->frame);
  changes::ChangeLog& change_log = (*store)->change_log();
  accounts::AccountsChangeReaders change_readers;
  SystemClock real_time;
  changes::ChangeService change_feed(change_log, change_readers, *basics->frame,
                                     real_time,
                                     changes::ChangeServiceOptions::FromFlags());
  auto backups =
      changes::BackupService::FromFlags(change_log, "accounts", *basics->frame);
  if (!backups.ok()) return server::ExitWith(backups.status());
  {
    auto backup_schedule = (*backups)->StartSchedule();
    auto change_sweeper =
        changes::ApplyRetention(change_log, *basics->clock.clock, *retention);
    accounts::CellFeeds feeds(*cells, *service, index);
    feeds.Start();
    server::ServerOptions options = server::ServerOptions::FromFlags();
    options.metrics.push_back(&feeds);
    options.metrics.push_back(backups->get());
    options.address_name = accounts::AccountsDirectoryService::kUnservedHere;
    if (absl::Status s = server::ServeUntilSignal(
            "accounts", options, *basics->frame, {&directory, &change_feed},
            basics->clock.control.get(), {backups->get()});
        !s.ok()) {
      return server::ExitWith(s);
    }
  }
  return server::CloseAndExit("accounts", *basics->db);
}
