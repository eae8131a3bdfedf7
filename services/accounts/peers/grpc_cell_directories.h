#ifndef CLIENTBOOK_SERVICES_ACCOUNTS_PEERS_GRPC_CELL_DIRECTORIES_H_
#define CLIENTBOOK_SERVICES_ACCOUNTS_PEERS_GRPC_CELL_DIRECTORIES_H_

#include <map>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "services/accounts/domain/invitations.h"
#include "services/accounts/peers/cell_feeds.h"

namespace clientbook::accounts {

// CellDirectories over gRPC: the firm's id says its cell, whose directory
// is called with the invitee's credentials and, as the go-between,
// accounts' own.
class GrpcCellDirectories final : public CellDirectories {
 public:
  GrpcCellDirectories(const std::vector<CellFeeds::Cell>& cells, auth::Caller service,
                      absl::Duration timeout = absl::Seconds(10));

  absl::StatusOr<v1::Client> ConnectInvitedClient(const auth::Caller& invitee,
                                                  uint64_t firm_id,
                                                  const InvitationRecord& invitation,
                                                  const std::string& request_id) override;

 private:
  std::map<uint32_t, std::unique_ptr<v1::DirectoryService::Stub>> stubs_;
  const auth::Caller service_;
  const absl::Duration timeout_;
};

}  // namespace clientbook::accounts

#endif  // CLIENTBOOK_SERVICES_ACCOUNTS_PEERS_GRPC_CELL_DIRECTORIES_H_
