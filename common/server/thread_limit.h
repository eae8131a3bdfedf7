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

// Threads a service runs beside its streams on a machine of `cores`: the
// blocking pools, RocksDB's, metrics, and gRPC's pools, which are sized by
// the machine's cores (not a pod's CPU limit) and grow under load. A
// directory runs about 50 on 2 cores.
int64_t ThreadsBesideStreams(int cores);

// `wanted`, or, when it would take more threads than `limit` leaves beside
// `beside` (ThreadsBesideStreams), both bounds cut in the same proportion
// to fit (at least one each that was any). Past the limit gRPC's own
// threads fail to start as well: a directory whose watches took every
// thread the cgroup allowed lost calls and never finished stopping at
// SIGTERM.
StreamBounds FitToThreadLimit(StreamBounds wanted, std::optional<int64_t> limit,
                              int64_t beside);

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_THREAD_LIMIT_H_
