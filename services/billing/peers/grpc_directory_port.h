#ifndef CLIENTBOOK_SERVICES_BILLING_PEERS_GRPC_DIRECTORY_PORT_H_
#define CLIENTBOOK_SERVICES_BILLING_PEERS_GRPC_DIRECTORY_PORT_H_

#include <memory>

#include "absl/time/time.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "common/client/service_clients.h"
#include "grpcpp/channel.h"
#include "services/billing/domain/directory_port.h"

namespace clientbook::billing {

// DirectoryPort over gRPC, on behalf of the caller (their credentials are
// passed on), each call with a deadline.
class GrpcDirectoryPort final : public DirectoryPort {
 public:
  GrpcDirectoryPort(std::shared_ptr<grpc::Channel> directory, absl::Duration timeout)
      : directory_(std::move(directory), timeout) {}

  absl::Status CheckMember(const auth::Caller& caller, uint64_t firm_id) override;
  absl::StatusOr<std::string> ClientPrimaryAdmin(const auth::Caller& caller,
                                                 uint64_t firm_id,
                                                 uint64_t company_id) override;

 private:
  client::DirectoryClient directory_;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_PEERS_GRPC_DIRECTORY_PORT_H_
