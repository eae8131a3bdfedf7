#include "services/billing/peers/grpc_directory_port.h"

namespace clientbook::billing {

absl::Status GrpcDirectoryPort::CheckMember(const auth::Caller& caller,
                                            uint64_t firm_id) {
  return directory_.CheckMember(caller, {firm_id});
}

absl::StatusOr<std::string> GrpcDirectoryPort::ClientPrimaryAdmin(
    const auth::Caller& caller, uint64_t firm_id, uint64_t company_id) {
  absl::StatusOr<v1::Client> client = directory_.GetClient(caller, {firm_id, company_id});
  if (!client.ok()) return client.status();
  return client->primary_admin_user_id();
}

}  // namespace clientbook::billing
