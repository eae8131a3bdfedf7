#include "services/accounts/peers/grpc_cell_directories.h"

#include "absl/strings/str_cat.h"
#include "common/client/outgoing_call.h"
#include "common/names/names.h"
#include "common/status/errors.h"

namespace clientbook::accounts {

GrpcCellDirectories::GrpcCellDirectories(const std::vector<CellFeeds::Cell>& cells,
                                         auth::Caller service, absl::Duration timeout)
    : service_(std::move(service)), timeout_(timeout) {
  for (const CellFeeds::Cell& cell : cells) {
    stubs_[cell.cell.id] = v1::DirectoryService::NewStub(cell.directory);
  }
}

absl::StatusOr<v1::Client> GrpcCellDirectories::ConnectInvitedClient(
    const auth::Caller& invitee, uint64_t firm_id, const InvitationRecord& invitation,
    const std::string& request_id) {
  const names::Cell cell = names::Cell::Holding(firm_id);
  const auto stub = stubs_.find(cell.id);
  if (stub == stubs_.end()) {
    return errors::InvalidField(
        "firm", absl::StrCat(names::FirmName{firm_id}.ToString(), " is in ",
                             cell.ToString(), ", which this deployment does not have"));
  }
  v1::ConnectInvitedClientRequest request;
  request.set_parent(names::FirmName{firm_id}.ToString());
  *request.mutable_invitation() = invitations::ToProto(invitation);
  request.mutable_invitation()->clear_token();
  request.set_request_id(request_id);
  auth::Caller carried = invitee;
  carried.via =
      absl::StrCat("accounts ", names::InvitationName{invitation.id()}.ToString());
  std::unique_ptr<grpc::ClientContext> context =
      client::ContextFor(carried, timeout_, &service_);
  v1::Client client;
  absl::Status status = client::FromCall(
      stub->second->ConnectInvitedClient(context.get(), request, &client),
      absl::StrCat("the directory of ", cell.ToString()));
  if (!status.ok()) return status;
  return client;
}

}  // namespace clientbook::accounts
