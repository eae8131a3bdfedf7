#include "services/billing/api/grpc_directory_client.h"

#include "absl/strings/str_cat.h"
#include "common/client/outgoing_call.h"

namespace clientbook::billing {
namespace {

constexpr absl::string_view kPeer = "the directory service";

}  // namespace

absl::Status GrpcDirectoryClient::CheckMember(absl::string_view caller,
                                              uint64_t firm_id) {
  v1::GetFirmRequest req;
  req.set_name(absl::StrCat("firms/", firm_id));
  v1::Firm firm;
  return client::FromCall(
      stub_->GetFirm(client::ContextFor(caller, timeout_).get(), req, &firm), kPeer);
}

absl::StatusOr<ClientAccess> GrpcDirectoryClient::AccessToClient(absl::string_view caller,
                                                                 uint64_t firm_id,
                                                                 uint64_t company_id) {
  v1::GetClientRequest req;
  req.set_name(absl::StrCat("firms/", firm_id, "/clients/", company_id));
  v1::Client client;
  absl::Status found = client::FromCall(
      stub_->GetClient(client::ContextFor(caller, timeout_).get(), req, &client), kPeer);
  if (!found.ok()) return found;
  ClientAccess access;
  access.client_primary_admin = client.primary_admin_user_id() == caller;
  absl::Status member = CheckMember(caller, firm_id);
  if (member.code() == absl::StatusCode::kPermissionDenied) return access;
  if (!member.ok()) return member;
  access.firm_member = true;
  return access;
}

}  // namespace clientbook::billing
