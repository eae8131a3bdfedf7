#ifndef CLIENTBOOK_COMMON_CLIENT_CHANGE_SNAPSHOT_H_
#define CLIENTBOOK_COMMON_CLIENT_CHANGE_SNAPSHOT_H_

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "common/auth/caller.h"
#include "grpcpp/channel.h"

namespace clientbook::client {

// Every firm's resources matching `filter` as another service's change feed
// has them now: a SNAPSHOT watch of firms/- as `caller` (a platform or
// operator identity), each EXISTS event passed to `visit`, closed once the
// snapshot is complete. Fails as a whole (the peer named `peer`, gone or
// refusing) rather than give part of the answer. A snapshot of a million
// resources takes seconds; ten minutes bound a peer that stops half way.
absl::Status ReadSnapshot(const std::shared_ptr<grpc::Channel>& channel,
                          const auth::Caller& caller, absl::string_view filter,
                          absl::string_view peer,
                          const std::function<void(const v1::ChangeEvent&)>& visit);

}  // namespace clientbook::client

#endif  // CLIENTBOOK_COMMON_CLIENT_CHANGE_SNAPSHOT_H_
