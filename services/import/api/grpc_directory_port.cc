#include "services/import/api/grpc_directory_port.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/client/outgoing_call.h"

namespace clientbook::importer {
namespace {

constexpr absl::string_view kPeer = "the directory service";
constexpr int32_t kExportPageSize = 1000;

std::string FirmName(uint64_t firm_id) { return absl::StrCat("firms/", firm_id); }

DirectoryClient FromProto(const v1::Client& c) {
  DirectoryClient out;
  absl::SimpleAtoi(c.company_id(), &out.company_id);
  out.display_name = c.display_name();
  out.client_number = c.client_number();
  out.etag = c.etag();
  return out;
}

}  // namespace

absl::Status GrpcDirectoryPort::CheckMember(absl::string_view caller, uint64_t firm_id) {
  v1::GetFirmRequest req;
  req.set_name(FirmName(firm_id));
  v1::Firm firm;
  return client::FromCall(
      stub_->GetFirm(client::ContextFor(caller, timeout_).get(), req, &firm), kPeer);
}

absl::StatusOr<std::vector<DirectoryClient>> GrpcDirectoryPort::GetClients(
    absl::string_view caller, uint64_t firm_id,
    const std::vector<uint64_t>& company_ids) {
  v1::BatchGetClientsRequest req;
  req.set_parent(FirmName(firm_id));
  for (uint64_t id : company_ids) {
    req.add_names(absl::StrCat(FirmName(firm_id), "/clients/", id));
  }
  v1::BatchGetClientsResponse resp;
  absl::Status s = client::FromCall(
      stub_->BatchGetClients(client::ContextFor(caller, timeout_).get(), req, &resp),
      kPeer);
  if (!s.ok()) return s;
  std::vector<DirectoryClient> out;
  for (const v1::Client& c : resp.clients()) out.push_back(FromProto(c));
  return out;
}

absl::Status GrpcDirectoryPort::Batch(absl::string_view caller, uint64_t firm_id,
                                      const std::vector<NumberUpdate>& updates,
                                      bool validate_only) {
  v1::BatchUpdateClientNumbersRequest req;
  req.set_parent(FirmName(firm_id));
  req.set_validate_only(validate_only);
  for (const NumberUpdate& u : updates) {
    auto* entry = req.add_requests();
    entry->set_client(absl::StrCat(FirmName(firm_id), "/clients/", u.company_id));
    entry->set_client_number(u.client_number);
    if (!validate_only) entry->set_etag(u.etag);
  }
  v1::BatchUpdateClientNumbersResponse resp;
  return client::FromCall(stub_->BatchUpdateClientNumbers(
                              client::ContextFor(caller, timeout_).get(), req, &resp),
                          kPeer);
}

absl::StatusOr<std::vector<errors::FieldViolation>> GrpcDirectoryPort::CheckNumbers(
    absl::string_view caller, uint64_t firm_id,
    const std::vector<NumberUpdate>& updates) {
  absl::Status s = Batch(caller, firm_id, updates, /*validate_only=*/true);
  if (s.ok()) return std::vector<errors::FieldViolation>{};
  std::vector<errors::FieldViolation> violations = errors::FieldViolationsOf(s);
  if (violations.empty()) return s;
  return violations;
}

absl::Status GrpcDirectoryPort::ApplyNumbers(absl::string_view caller, uint64_t firm_id,
                                             const std::vector<NumberUpdate>& updates) {
  return Batch(caller, firm_id, updates, /*validate_only=*/false);
}

absl::StatusOr<ClientPage> GrpcDirectoryPort::ListClients(absl::string_view caller,
                                                          uint64_t firm_id,
                                                          bool include_inactive,
                                                          absl::string_view page_token) {
  v1::ListClientsRequest req;
  req.set_parent(FirmName(firm_id));
  req.set_page_size(kExportPageSize);
  req.set_page_token(std::string(page_token));
  req.set_show_inactive(include_inactive);
  v1::ListClientsResponse resp;
  absl::Status s = client::FromCall(
      stub_->ListClients(client::ContextFor(caller, timeout_).get(), req, &resp), kPeer);
  if (!s.ok()) return s;
  ClientPage page;
  for (const v1::Client& c : resp.clients()) page.clients.push_back(FromProto(c));
  page.next_page_token = resp.next_page_token();
  return page;
}

}  // namespace clientbook::importer
