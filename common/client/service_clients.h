#ifndef CLIENTBOOK_COMMON_CLIENT_SERVICE_CLIENTS_H_
#define CLIENTBOOK_COMMON_CLIENT_SERVICE_CLIENTS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clientbook/v1/billing.grpc.pb.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "clientbook/v1/import.grpc.pb.h"
#include "common/client/outgoing_call.h"
#include "common/names/names.h"
#include "grpcpp/channel.h"

// One client per remote Clientbook service, used by every service that
// calls it. Each call goes on behalf of the end user (`caller`, whose
// credentials it forwards), with the
// configured deadline, and comes back as absl::StatusOr; a peer that does
// not answer is UNAVAILABLE naming it (outgoing_call.h). The domains keep
// their own narrow ports and adapt these.
namespace clientbook::client {

// Sends unary calls of `Service` and maps their answers.
template <typename Service>
class UnaryCaller {
 public:
  UnaryCaller(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout,
              absl::string_view peer)
      : stub_(Service::NewStub(std::move(channel))), timeout_(timeout), peer_(peer) {}
  virtual ~UnaryCaller() = default;

 protected:
  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(grpc::Status (Service::Stub::*method)(
                                    grpc::ClientContext*, const Request&, Response*),
                                const auth::Caller& caller, const Request& request) {
    Response response;
    std::unique_ptr<grpc::ClientContext> context = ContextFor(caller, timeout_);
    absl::Status status =
        FromCall(((*stub_).*method)(context.get(), request, &response), peer_);
    if (!status.ok()) return status;
    return response;
  }

 private:
  std::unique_ptr<typename Service::Stub> stub_;
  absl::Duration timeout_;
  std::string peer_;
};

class DirectoryClient final : public UnaryCaller<v1::DirectoryService> {
 public:
  DirectoryClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : UnaryCaller(std::move(channel), timeout, "the directory service") {}

  absl::StatusOr<v1::Firm> GetFirm(const auth::Caller& caller,
                                   const names::FirmName& firm);
  // OK when `caller` is a member of `firm`; else the directory's refusal.
  absl::Status CheckMember(const auth::Caller& caller, const names::FirmName& firm);
  absl::StatusOr<v1::Client> GetClient(const auth::Caller& caller,
                                       const names::ClientName& client);
  absl::StatusOr<v1::BatchGetClientsResponse> BatchGetClients(
      const auth::Caller& caller, const v1::BatchGetClientsRequest& request);
  absl::StatusOr<v1::BatchUpdateClientNumbersResponse> BatchUpdateClientNumbers(
      const auth::Caller& caller, const v1::BatchUpdateClientNumbersRequest& request);
  absl::StatusOr<v1::ListClientsResponse> ListClients(
      const auth::Caller& caller, const v1::ListClientsRequest& request);
};

class BillingClient final : public UnaryCaller<v1::BillingService> {
 public:
  BillingClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : UnaryCaller(std::move(channel), timeout, "the billing service") {}

  absl::StatusOr<v1::Subscription> GetSubscription(
      const auth::Caller& caller, const names::SubscriptionName& subscription);
};

class ImportClient final : public UnaryCaller<v1::ImportService> {
 public:
  ImportClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : UnaryCaller(std::move(channel), timeout, "the import service") {}

  // The firm's jobs still validating or applying.
  absl::StatusOr<v1::ListImportJobsResponse> ListUnfinishedJobs(
      const auth::Caller& caller, const names::FirmName& firm);
};

}  // namespace clientbook::client

#endif  // CLIENTBOOK_COMMON_CLIENT_SERVICE_CLIENTS_H_
