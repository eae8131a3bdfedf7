#ifndef CLIENTBOOK_COMMON_SERVER_THREAD_LIMIT_H_
#define CLIENTBOOK_COMMON_SERVER_THREAD_LIMIT_H_

#include <cstdint>
#include <optional>
#include <string>

namespace clientbook::server {

// How many threads the system lets this process run: the smallest pids.max
// of its cgroup and the cgroup's ancestors (v1's pids controller or v2's;
// a Kubernetes pod's pids limit), read under `root` ("/" but in tests).
// Nothing when none is set.
std::optional<int64_t> ThreadLimit(const std::string& root = "/");

// Open streams (exports, error reports, job watches, uploads: --max_streams)
// and change watches (--max_watchers) hold a thread each.
struct StreamBounds {
  int streams = 0;
  int watchers = 0;
};

// Threads a service runs beside its streams: gRPC's pools, the blocking
// pools, RocksDB's, metrics. A directory runs about 50, and gRPC's pools
// grow under load.
inline constexpr int64_t kThreadsBesideStreams = 128;

// `wanted`, or, when it would take more threads than `limit` leaves beside
// kThreadsBesideStreams, both bounds cut in the same proportion to fit (at
// least one each that was any). Past the limit gRPC's own threads fail to start as well:
// a directory whose watches took every thread the cgroup allowed lost calls
// and never finished stopping at SIGTERM.
StreamBounds FitToThreadLimit(StreamBounds wanted, std::optional<int64_t> limit);

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_THREAD_LIMIT_H_
