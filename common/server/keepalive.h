#ifndef CLIENTBOOK_COMMON_SERVER_KEEPALIVE_H_
#define CLIENTBOOK_COMMON_SERVER_KEEPALIVE_H_

#include "absl/flags/declare.h"
#include "absl/time/time.h"

// In a file of their own: every binary that calls a service links them
// (clientbook-admin, whose flags are not the services').
ABSL_DECLARE_FLAG(absl::Duration, keepalive_time);
ABSL_DECLARE_FLAG(absl::Duration, keepalive_timeout);

namespace clientbook::server {

// How a connection finds its peer gone without a word (its node lost, its
// process frozen), both ways: while it has calls open it is pinged after
// `time` without a frame from the peer, and closed, its calls ended, when a
// ping goes unanswered for `timeout`. TCP alone never finds such a peer
// when this side has nothing unacknowledged (a stream it only reads), and
// a frozen process's kernel acknowledges everything.
struct Keepalive {
  absl::Duration time = absl::Seconds(30);
  absl::Duration timeout = absl::Seconds(10);

  // From --keepalive_time and --keepalive_timeout.
  static Keepalive FromFlags();
};

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_KEEPALIVE_H_
