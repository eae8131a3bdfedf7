#include "services/import/peers/grpc_directory_port.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/names/names.h"

namespace clientbook::importer {
namespace {

ExistingClient FromProto(const v1::Client& c) {
  ExistingClient out;
  absl::SimpleAtoi(c.company_id(), &out.company_id);
  out.display_name = c.display_name();
  out.client_number = c.client_number();
  out.etag = c.etag();
  return out;
}

}  // namespace

absl::Status GrpcDirectoryPort::CheckMember(const auth::Caller& caller,
                                            uint64_t firm_id) {
  return directory_.CheckMember(caller, {firm_id});
}

absl::StatusOr<std::vector<ExistingClient>> GrpcDirectoryPort::GetClients(
    const auth::Caller& caller, uint64_t firm_id,
    const std::vector<uint64_t>& company_ids) {
  v1::BatchGetClientsRequest req;
  req.set_parent(names::FirmName{firm_id}.ToString());
  for (uint64_t id : company_ids) {
    req.add_names(names::ClientName{firm_id, id}.ToString());
  }
  // What a job checks rows against: 1,000 whole clients could pass the 2 MiB
  // a batch's answer may carry (50 long products each).
  for (const char* field : {"company_id", "display_name", "client_number", "etag"}) {
    req.mutable_read_mask()->add_paths(field);
  }
  absl::StatusOr<v1::BatchGetClientsResponse> resp =
      directory_.BatchGetClients(caller, req);
  if (!resp.ok()) return resp.status();
  std::vector<ExistingClient> out;
  for (const v1::Client& c : resp->clients()) out.push_back(FromProto(c));
  return out;
}

absl::StatusOr<v1::BatchUpdateClientNumbersResponse> GrpcDirectoryPort::Batch(
    const auth::Caller& caller, uint64_t firm_id,
    const std::vector<NumberUpdate>& updates, bool validate_only,
    absl::string_view request_id) {
  v1::BatchUpdateClientNumbersRequest req;
  req.set_parent(names::FirmName{firm_id}.ToString());
  req.set_validate_only(validate_only);
  req.set_request_id(std::string(request_id));
  for (const NumberUpdate& u : updates) {
    auto* entry = req.add_requests();
    entry->set_client(names::ClientName{firm_id, u.company_id}.ToString());
    entry->set_client_number(u.client_number);
    if (!validate_only) entry->set_etag(u.etag);
  }
  // A job reads the results only: the clients' names alone keep the answer
  // small whatever the clients hold.
  req.mutable_read_mask()->add_paths("name");
  absl::StatusOr<v1::BatchUpdateClientNumbersResponse> resp =
      directory_.BatchUpdateClientNumbers(caller, req);
  if (resp.ok() && resp->results_size() != req.requests_size()) {
    return absl::InternalError(absl::StrCat("the directory service answered ",
                                            resp->results_size(), " results for ",
                                            req.requests_size(), " entries"));
  }
  return resp;
}

absl::StatusOr<std::vector<NumberVerdict>> GrpcDirectoryPort::CheckNumbers(
    const auth::Caller& caller, uint64_t firm_id,
    const std::vector<NumberUpdate>& updates) {
  absl::StatusOr<v1::BatchUpdateClientNumbersResponse> resp =
      Batch(caller, firm_id, updates, /*validate_only=*/true, "");
  if (!resp.ok()) return resp.status();
  std::vector<NumberVerdict> verdicts;
  for (const v1::ClientNumberResult& r : resp->results()) {
    verdicts.push_back({r.refusal(), r.description()});
  }
  return verdicts;
}

absl::StatusOr<AppliedNumbers> GrpcDirectoryPort::ApplyNumbers(
    const auth::Caller& caller, uint64_t firm_id,
    const std::vector<NumberUpdate>& updates, absl::string_view request_id) {
  absl::StatusOr<v1::BatchUpdateClientNumbersResponse> resp =
      Batch(caller, firm_id, updates, /*validate_only=*/false, request_id);
  if (!resp.ok()) return resp.status();
  AppliedNumbers applied{.changed = {}, .replayed = resp->replayed()};
  for (const v1::ClientNumberResult& r : resp->results()) {
    applied.changed.push_back(r.changed());
  }
  return applied;
}

absl::StatusOr<ClientPage> GrpcDirectoryPort::ListClients(const auth::Caller& caller,
                                                          uint64_t firm_id,
                                                          bool include_inactive,
                                                          absl::string_view page_token,
                                                          int32_t page_size) {
  v1::ListClientsRequest req;
  req.set_parent(names::FirmName{firm_id}.ToString());
  req.set_page_size(page_size);
  req.set_page_token(std::string(page_token));
  req.set_show_inactive(include_inactive);
  // What an export prints: the directory answers it from its name index.
  for (const char* field : {"company_id", "display_name", "client_number"}) {
    req.mutable_read_mask()->add_paths(field);
  }
  absl::StatusOr<v1::ListClientsResponse> resp = directory_.ListClients(caller, req);
  if (!resp.ok()) return resp.status();
  ClientPage page;
  for (const v1::Client& c : resp->clients()) page.clients.push_back(FromProto(c));
  page.next_page_token = resp->next_page_token();
  return page;
}

}  // namespace clientbook::importer
