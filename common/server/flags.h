#ifndef CLIENTBOOK_COMMON_SERVER_FLAGS_H_
#define CLIENTBOOK_COMMON_SERVER_FLAGS_H_

#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"

// Flags every service binary takes. Each main() sets its own defaults with
// SetServiceDefaults() before parsing the command line.
ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(std::string, data_dir);
ABSL_DECLARE_FLAG(int, cell_id);
ABSL_DECLARE_FLAG(bool, sync_writes);
ABSL_DECLARE_FLAG(int, block_cache_mb);
ABSL_DECLARE_FLAG(int, write_buffer_mb);
ABSL_DECLARE_FLAG(std::string, metrics_listen);
ABSL_DECLARE_FLAG(absl::Duration, drain_delay);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_grace);
ABSL_DECLARE_FLAG(std::string, operator_listen);
ABSL_DECLARE_FLAG(std::string, health_listen);
ABSL_DECLARE_FLAG(absl::Duration, handshake_timeout);
ABSL_DECLARE_FLAG(int, max_message_bytes);
ABSL_DECLARE_FLAG(int, concurrent_calls);
ABSL_DECLARE_FLAG(int, firm_queue_limit);
ABSL_DECLARE_FLAG(double, firm_rate_limit);
ABSL_DECLARE_FLAG(double, firm_rate_burst);
ABSL_DECLARE_FLAG(int, max_streams);
ABSL_DECLARE_FLAG(int, max_streams_per_caller);
ABSL_DECLARE_FLAG(int, max_unsent_response_mib);
ABSL_DECLARE_FLAG(int, max_unsent_response_mib_per_caller);

namespace clientbook::server {

struct ServiceDefaults {
  std::string listen;
  std::string data_dir;
  std::string metrics_listen;
  // Where operator-only services listen ("" for a service that has none).
  std::string operator_listen;
  // Threads for the calls that wait (Frame::Blocking): enough for the calls
  // a service expects in flight when each waits on another service.
  int blocking_threads = 16;
  // A service in front of every cell (accounts): it serves calls naming a
  // firm of any cell, and --cell_id does not apply to it.
  bool spans_cells = false;
};

void SetServiceDefaults(const ServiceDefaults& defaults);

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_FLAGS_H_
