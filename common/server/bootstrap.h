#ifndef CLIENTBOOK_COMMON_SERVER_BOOTSTRAP_H_
#define CLIENTBOOK_COMMON_SERVER_BOOTSTRAP_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/authenticator.h"
#include "common/names/cell.h"
#include "common/server/clock_flags.h"
#include "common/server/flags.h"
#include "common/server/frame.h"
#include "common/storage/database.h"

namespace clientbook::server {

// What every service binary opens before building its own parts.
struct Basics {
  ServiceClock clock;
  std::unique_ptr<auth::Authenticator> authenticator;
  // Every call of the binary's services passes through it.
  std::unique_ptr<Frame> frame;
  std::unique_ptr<storage::Database> db;
  // --cell_id: the range of the ids its store hands out, and of the firms
  // its frame serves.
  names::Cell cell;
};

// Blocks SIGTERM/SIGINT (before any thread starts), applies the service's
// flag defaults, parses the command line, fits --max_streams and
// --max_watchers beneath the process's thread limit (thread_limit.h), reads
// the cell (--cell_id), and opens the clock (--fake_clock), the
// authenticator (--auth and its flags), the serving frame and the RocksDB
// (--data_dir, --sync_writes).
absl::StatusOr<Basics> Bootstrap(int argc, char** argv, const ServiceDefaults& defaults);

// Process-wide settings every service binary runs with: Debian builds
// Abseil with deadlock detection on, which makes every absl::Mutex lock
// (gRPC core's included) record a lock graph; it is turned off here. And
// the open-files limit is raised to the hard limit (connections are files).
void TuneProcess();

// Gives the memory the allocator (tcmalloc) holds free back to the kernel.
// For after one-off work at start: tcmalloc returns free pages slowly, so a
// directory that had just reindexed 1,000,000 clients kept its peak (over
// 230 MB) while serving.
void ReturnFreeMemory();

// Logs `status` as the reason the binary stops and returns exit code 1.
int ExitWith(const absl::Status& status);

// Closes storage and returns the exit code: 0 when it closed cleanly.
int CloseAndExit(absl::string_view name, storage::Database& db);

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_BOOTSTRAP_H_
