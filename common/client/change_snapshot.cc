#include "common/client/change_snapshot.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/client/outgoing_call.h"

namespace clientbook::client {
namespace {

constexpr absl::Duration kSnapshotTimeout = absl::Minutes(10);

}  // namespace

absl::Status ReadSnapshot(const std::shared_ptr<grpc::Channel>& channel,
                          const auth::Caller& caller, absl::string_view filter,
                          absl::string_view peer,
                          const std::function<void(const v1::ChangeEvent&)>& visit) {
  auto stub = v1::ChangeService::NewStub(channel);
  v1::WatchChangesRequest request;
  request.set_parent("firms/-");
  request.set_filter(std::string(filter));
  request.set_start(v1::WatchChangesRequest::SNAPSHOT);
  std::unique_ptr<grpc::ClientContext> context = ContextFor(caller, kSnapshotTimeout);
  auto stream = stub->WatchChanges(context.get(), request);
  v1::WatchChangesResponse response;
  bool complete = false;
  while (!complete && stream->Read(&response)) {
    for (const v1::ChangeEvent& event : response.events()) {
      if (event.type() == v1::ChangeEvent::EXISTS) visit(event);
    }
    complete = response.snapshot_complete();
  }
  // The watch goes on live after the snapshot: this reader is done.
  if (complete) context->TryCancel();
  const grpc::Status finished = stream->Finish();
  if (complete) return absl::OkStatus();
  if (finished.ok()) {
    return absl::UnavailableError(
        absl::StrCat(peer, " ended its snapshot before it was complete; try again"));
  }
  return FromCall(finished, peer);
}

}  // namespace clientbook::client
