#include "common/client/service_clients.h"

namespace clientbook::client {

absl::StatusOr<v1::Firm> DirectoryClient::GetFirm(const auth::Caller& caller,
                                                  const names::FirmName& firm) {
  v1::GetFirmRequest request;
  request.set_name(firm.ToString());
  return Call(&v1::DirectoryService::Stub::GetFirm, caller, request);
}

absl::Status DirectoryClient::CheckMember(const auth::Caller& caller,
                                          const names::FirmName& firm) {
  return GetFirm(caller, firm).status();
}

absl::StatusOr<v1::Client> DirectoryClient::GetClient(const auth::Caller& caller,
                                                      const names::ClientName& client) {
  v1::GetClientRequest request;
  request.set_name(client.ToString());
  return Call(&v1::DirectoryService::Stub::GetClient, caller, request);
}

absl::StatusOr<v1::BatchGetClientsResponse> DirectoryClient::BatchGetClients(
    const auth::Caller& caller, const v1::BatchGetClientsRequest& request) {
  return Call(&v1::DirectoryService::Stub::BatchGetClients, caller, request);
}

absl::StatusOr<v1::BatchUpdateClientNumbersResponse>
DirectoryClient::BatchUpdateClientNumbers(
    const auth::Caller& caller, const v1::BatchUpdateClientNumbersRequest& request) {
  return Call(&v1::DirectoryService::Stub::BatchUpdateClientNumbers, caller, request);
}

absl::StatusOr<v1::ListClientsResponse> DirectoryClient::ListClients(
    const auth::Caller& caller, const v1::ListClientsRequest& request) {
  return Call(&v1::DirectoryService::Stub::ListClients, caller, request);
}

absl::StatusOr<v1::Subscription> BillingClient::GetSubscription(
    const auth::Caller& caller, const names::SubscriptionName& subscription) {
  v1::GetSubscriptionRequest request;
  request.set_name(subscription.ToString());
  return Call(&v1::BillingService::Stub::GetSubscription, caller, request);
}

absl::StatusOr<v1::ListImportJobsResponse> ImportClient::ListUnfinishedJobs(
    const auth::Caller& caller, const names::FirmName& firm) {
  v1::ListImportJobsRequest request;
  request.set_parent(firm.ToString());
  request.set_unfinished_only(true);
  return Call(&v1::ImportService::Stub::ListImportJobs, caller, request);
}

}  // namespace clientbook::client
