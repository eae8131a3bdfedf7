#ifndef CLIENTBOOK_SERVICES_IMPORT_PEERS_GRPC_DIRECTORY_PORT_H_
#define CLIENTBOOK_SERVICES_IMPORT_PEERS_GRPC_DIRECTORY_PORT_H_

#include <memory>

#include "absl/time/time.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "common/client/service_clients.h"
#include "grpcpp/channel.h"
#include "services/import/domain/directory_port.h"

namespace clientbook::importer {

// DirectoryPort over gRPC, on behalf of the job's user, each call with a
// deadline; an unanswered call is UNAVAILABLE.
class GrpcDirectoryPort final : public DirectoryPort {
 public:
  GrpcDirectoryPort(std::shared_ptr<grpc::Channel> directory, absl::Duration timeout)
      : directory_(std::move(directory), timeout) {}

  absl::Status CheckMember(const auth::Caller& caller, uint64_t firm_id) override;
  absl::StatusOr<std::vector<ExistingClient>> GetClients(
      const auth::Caller& caller, uint64_t firm_id,
      const std::vector<uint64_t>& company_ids) override;
  absl::StatusOr<std::vector<NumberVerdict>> CheckNumbers(
      const auth::Caller& caller, uint64_t firm_id,
      const std::vector<NumberUpdate>& updates) override;
  absl::StatusOr<AppliedNumbers> ApplyNumbers(const auth::Caller& caller,
                                              uint64_t firm_id,
                                              const std::vector<NumberUpdate>& updates,
                                              absl::string_view request_id) override;
  absl::StatusOr<ClientPage> ListClients(const auth::Caller& caller, uint64_t firm_id,
                                         bool include_inactive,
                                         absl::string_view page_token,
                                         int32_t page_size) override;

 private:
  // One BatchUpdateClientNumbers call; its results, one per update.
  absl::StatusOr<v1::BatchUpdateClientNumbersResponse> Batch(
      const auth::Caller& caller, uint64_t firm_id,
      const std::vector<NumberUpdate>& updates, bool validate_only,
      absl::string_view request_id);

  client::DirectoryClient directory_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_PEERS_GRPC_DIRECTORY_PORT_H_
