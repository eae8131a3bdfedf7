#include "common/server/bootstrap.h"

#include <sys/resource.h>

#include <algorithm>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/auth_flags.h"
#include "common/changes/change_service.h"
#include "common/server/server.h"
#include "common/server/thread_limit.h"
#include "gperftools/malloc_extension.h"
#include "spdlog/spdlog.h"

namespace clientbook::server {
namespace {

// The frame's threads, fair share and stream bounds, from
// --concurrent_calls, the --firm_* flags, --max_streams* and
// --max_unsent_response_mib*.
FrameOptions FrameOptionsFromFlags(const ServiceDefaults& defaults, names::Cell cell) {
  FrameOptions options;
  options.cell = defaults.spans_cells ? std::nullopt : std::optional<names::Cell>(cell);
  options.blocking_threads = defaults.blocking_threads;
  const int seats = absl::GetFlag(FLAGS_concurrent_calls);
  options.fair_share.seats = seats > 0 ? seats : defaults.blocking_threads;
  options.fair_share.queue_per_flow = absl::GetFlag(FLAGS_firm_queue_limit);
  options.fair_share.rate_limit = absl::GetFlag(FLAGS_firm_rate_limit);
  options.fair_share.rate_burst = absl::GetFlag(FLAGS_firm_rate_burst);
  options.streams = {.per_process = absl::GetFlag(FLAGS_max_streams),
                     .per_caller = absl::GetFlag(FLAGS_max_streams_per_caller)};
  options.unsent = {
      .per_process = int64_t{absl::GetFlag(FLAGS_max_unsent_response_mib)} << 20,
      .per_caller = int64_t{absl::GetFlag(FLAGS_max_unsent_response_mib_per_caller)}
                    << 20};
  return options;
}

// Streams and watches hold a thread each: their bounds are fitted beneath
// the threads the process may run (thread_limit.h), with a warning.
void FitStreamBoundsToThreadLimit() {
  const StreamBounds wanted{.streams = absl::GetFlag(FLAGS_max_streams),
                            .watchers = absl::GetFlag(FLAGS_max_watchers)};
  const std::optional<int64_t> limit = ThreadLimit();
  const StreamBounds fitted = FitToThreadLimit(
      wanted, limit,
      ThreadsBesideStreams(static_cast<int>(std::thread::hardware_concurrency())));
  if (fitted.streams == wanted.streams && fitted.watchers == wanted.watchers) return;
  spdlog::warn(
      "--max_streams={} and --max_watchers={} would hold up to {} threads, and this "
      "process may run {} (its cgroup's pids.max): serving at most {} streams and {} "
      "change watches",
      wanted.streams, wanted.watchers, wanted.streams + wanted.watchers, *limit,
      fitted.streams, fitted.watchers);
  absl::SetFlag(&FLAGS_max_streams, fitted.streams);
  absl::SetFlag(&FLAGS_max_watchers, fitted.watchers);
}

}  // namespace

void TuneProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Every connection is a file descriptor, as is each of the store's
  // files: under a soft limit of 1,024 (a login shell's, systemd's), 1,024
  // idle connections shut every other caller out, and for good, since
  // gRPC 1.51's listener never accepts again once it has found no file
  // left. The hard limit is what the host allows.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
}

void ReturnFreeMemory() { MallocExtension::instance()->ReleaseFreeMemory(); }

absl::StatusOr<Basics> Bootstrap(int argc, char** argv, const ServiceDefaults& defaults) {
  TuneProcess();
  BlockShutdownSignals();
  SetServiceDefaults(defaults);
  absl::ParseCommandLine(argc, argv);
  FitStreamBoundsToThreadLimit();
  Basics basics;
  const int cell_id = absl::GetFlag(FLAGS_cell_id);
  if (cell_id < 0 || cell_id >= static_cast<int>(names::Cell::kCells)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cell_id=", cell_id, ": a cell is 0 to ", names::Cell::kCells - 1));
  }
  basics.cell = names::Cell{static_cast<uint32_t>(cell_id)};
  absl::StatusOr<ServiceClock> clock = ClockFromFlags();
  if (!clock.ok()) return clock.status();
  basics.clock = std::move(*clock);
  absl::StatusOr<std::unique_ptr<auth::Authenticator>> authenticator =
      auth::AuthenticatorFromFlags(*basics.clock.clock);
  if (!authenticator.ok()) return authenticator.status();
  basics.authenticator = std::move(*authenticator);
  basics.frame = std::make_unique<Frame>(*basics.authenticator,
                                         FrameOptionsFromFlags(defaults, basics.cell));
  ServeClockControl(basics.clock, *basics.frame);
  absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Open(
      absl::GetFlag(FLAGS_data_dir),
      {.sync_writes = absl::GetFlag(FLAGS_sync_writes),
       .block_cache_mb =
           static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_block_cache_mb))),
       .write_buffer_mb =
           static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_write_buffer_mb)))});
  if (!db.ok()) return db.status();
  basics.db = std::move(*db);
  spdlog::info("storage open at {}, {}", absl::GetFlag(FLAGS_data_dir),
               basics.cell.ToString());
  return basics;
}

int ExitWith(const absl::Status& status) {
  spdlog::critical("{}", status.ToString());
  return 1;
}

int CloseAndExit(absl::string_view name, storage::Database& db) {
  if (absl::Status s = db.Close(); !s.ok()) return ExitWith(s);
  spdlog::info("{} stopped cleanly", std::string(name));
  return 0;
}

}  // namespace clientbook::server
