#ifndef CLIENTBOOK_COMMON_CLIENT_OUTGOING_CALL_H_
#define CLIENTBOOK_COMMON_CLIENT_OUTGOING_CALL_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/caller.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/status.h"

// Calls from one Clientbook service to another.
namespace clientbook::client {

// A plaintext channel to host:port (tests, local tools); services connect
// with tls::SecureChannel, which honours the --tls_* flags.
std::shared_ptr<grpc::Channel> Connect(const std::string& target);

// Arguments of every channel to a peer: one back from a restart is
// reconnected to within a second however long it was away (gRPC's own
// backoff grows to two minutes, refusing calls all that time).
grpc::ChannelArguments PeerChannelArguments();

// A context that carries the original caller's credentials (their token, or
// their headers in header mode), the service that carries it (Caller::via)
// and a deadline: the callee verifies and authorizes the user, not the
// calling service. A `go_between` (the calling service as itself) adds its
// own credentials under auth::kGoBetweenPrefix, for the callee that must
// know both who asks and which service vouches for the request. The call
// ends before the caller's own deadline if that comes first, and waits for
// a reconnecting peer until then.
std::unique_ptr<grpc::ClientContext> ContextFor(const auth::Caller& caller,
                                                absl::Duration timeout,
                                                const auth::Caller* go_between = nullptr);

// The callee's status as an absl::Status; a peer that cannot be reached or
// did not answer in time becomes UNAVAILABLE naming it, so the caller
// refuses rather than guesses.
absl::Status FromCall(const grpc::Status& status, absl::string_view peer);

}  // namespace clientbook::client

#endif  // CLIENTBOOK_COMMON_CLIENT_OUTGOING_CALL_H_
