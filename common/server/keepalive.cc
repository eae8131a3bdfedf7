#include "common/server/keepalive.h"

#include "absl/flags/flag.h"

ABSL_FLAG(absl::Duration, keepalive_time, absl::Seconds(30),
          "a connection with calls open, to or from this process, is pinged "
          "after this long without a frame from its peer");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(10),
          "a ping not answered within this closes its connection and ends its "
          "calls: a peer gone without a word (its node lost, its process "
          "frozen) no longer holds its watches, nor is waited on");

namespace clientbook::server {

Keepalive Keepalive::FromFlags() {
  return {.time = absl::GetFlag(FLAGS_keepalive_time),
          .timeout = absl::GetFlag(FLAGS_keepalive_timeout)};
}

}  // namespace clientbook::server
