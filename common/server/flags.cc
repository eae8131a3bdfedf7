#include "common/server/flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "host:port to serve gRPC on (port 0 picks a free one)");
ABSL_FLAG(std::string, data_dir, "./data", "directory holding this service's RocksDB");
ABSL_FLAG(int, cell_id, 0,
          "the cell this service is part of (0-999): its ids are in "
          "[cell_id*10^12, (cell_id+1)*10^12), and a call naming a firm of "
          "another cell is refused FAILED_PRECONDITION (WRONG_CELL)");
ABSL_FLAG(bool, sync_writes, false, "fsync the RocksDB write-ahead log on every write");
ABSL_FLAG(int, block_cache_mb, 64,
          "RocksDB block cache (data, index and filter blocks), in MiB");
ABSL_FLAG(int, write_buffer_mb, 32,
          "RocksDB memtable size in MiB (at most two: one written, one flushing)");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port serving Prometheus metrics at /metrics; empty disables");
ABSL_FLAG(absl::Duration, drain_delay, absl::Seconds(5),
          "after SIGTERM, how long health says NOT_SERVING while calls are "
          "still served, so load balancers withdraw the endpoint first");
ABSL_FLAG(std::string, operator_listen, "",
          "host:port serving operator-only services (actions across firms); "
          "keep it unreachable to firm members; empty disables them");
ABSL_FLAG(std::string, health_listen, "",
          "host:port serving only grpc.health.v1, in plaintext, for probes that "
          "speak no TLS (Kubernetes gRPC probes); empty disables");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "how long in-flight calls may finish after SIGTERM before being "
          "cancelled");
ABSL_FLAG(absl::Duration, handshake_timeout, absl::Seconds(10),
          "how long a new connection may take to finish its TLS and HTTP/2 "
          "handshakes; one that has not by then is closed (gRPC's default, 2 "
          "minutes, let idle sockets that never speak hold the process's file "
          "descriptors)");
ABSL_FLAG(int, max_message_bytes, 4 << 20,
          "largest gRPC message accepted or sent, in bytes");
ABSL_FLAG(int, concurrent_calls, 0,
          "calls that run at once (seats); more wait in their firm's queue and "
          "firms take turns. 0: the service's default (16 for the directory, "
          "64 for billing and import, whose calls wait on the directory)");
ABSL_FLAG(int, firm_queue_limit, 256,
          "calls one firm may have waiting for a seat; more are refused "
          "RESOURCE_EXHAUSTED (FIRM_OVER_CAPACITY) at once, with a retry delay");
ABSL_FLAG(double, firm_rate_limit, 0,
          "a hard quota: calls a second one firm may make, refused "
          "RESOURCE_EXHAUSTED (FIRM_RATE_LIMITED) past it; 0: none");
ABSL_FLAG(double, firm_rate_burst, 0,
          "calls a firm may make at once above --firm_rate_limit; 0: one "
          "second's worth");
ABSL_FLAG(int, max_streams, 1000,
          "exports, error reports, job watches and uploads open at once; more "
          "are refused RESOURCE_EXHAUSTED (TOO_MANY_STREAMS)");
ABSL_FLAG(int, max_streams_per_caller, 100,
          "of those, open at once for one caller; more are refused "
          "RESOURCE_EXHAUSTED (TOO_MANY_STREAMS_OF_CALLER)");
ABSL_FLAG(int, max_unsent_response_mib, 64,
          "MiB of answers (as sent; each takes about five times as much "
          "memory while held) the process holds for callers that have not read "
          "them; past it every call is refused RESOURCE_EXHAUSTED "
          "(UNSENT_RESPONSES) until they are read or their connections close");
ABSL_FLAG(int, max_unsent_response_mib_per_caller, 16,
          "of those, MiB held for one caller; past it its calls are refused "
          "RESOURCE_EXHAUSTED (UNSENT_RESPONSES_OF_CALLER)");

namespace clientbook::server {

void SetServiceDefaults(const ServiceDefaults& defaults) {
  absl::SetFlag(&FLAGS_listen, defaults.listen);
  absl::SetFlag(&FLAGS_data_dir, defaults.data_dir);
  absl::SetFlag(&FLAGS_metrics_listen, defaults.metrics_listen);
  absl::SetFlag(&FLAGS_operator_listen, defaults.operator_listen);
}

}  // namespace clientbook::server
