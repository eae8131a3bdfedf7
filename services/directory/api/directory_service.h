#ifndef CLIENTBOOK_SERVICES_DIRECTORY_API_DIRECTORY_SERVICE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_API_DIRECTORY_SERVICE_H_

#include "clientbook/v1/directory.grpc.pb.h"
#include "common/auth/authenticator.h"
#include "services/directory/domain/directory.h"

namespace clientbook::directory {

// clientbook.v1.DirectoryService over gRPC: converts messages, calls the
// Directory, maps the status. No rules live here.
class DirectoryService final : public v1::DirectoryService::Service {
 public:
  DirectoryService(Directory& directory, const auth::Authenticator& authenticator)
      : directory_(directory), authenticator_(authenticator) {}

  grpc::Status CreateFirm(grpc::ServerContext* ctx, const v1::CreateFirmRequest* req,
                          v1::Firm* resp) override;
  grpc::Status GetFirm(grpc::ServerContext* ctx, const v1::GetFirmRequest* req,
                       v1::Firm* resp) override;
  grpc::Status ListMyFirms(grpc::ServerContext* ctx, const v1::ListMyFirmsRequest* req,
                           v1::ListMyFirmsResponse* resp) override;
  grpc::Status AddFirmMember(grpc::ServerContext* ctx,
                             const v1::AddFirmMemberRequest* req,
                             v1::FirmMember* resp) override;
  grpc::Status ListFirmMembers(grpc::ServerContext* ctx,
                               const v1::ListFirmMembersRequest* req,
                               v1::ListFirmMembersResponse* resp) override;
  grpc::Status TransferPrimaryAdmin(grpc::ServerContext* ctx,
                                    const v1::TransferPrimaryAdminRequest* req,
                                    v1::TransferPrimaryAdminResponse* resp) override;
  grpc::Status CreateClient(grpc::ServerContext* ctx, const v1::CreateClientRequest* req,
                            v1::Client* resp) override;
  grpc::Status GetClient(grpc::ServerContext* ctx, const v1::GetClientRequest* req,
                         v1::Client* resp) override;
  grpc::Status UpdateClient(grpc::ServerContext* ctx, const v1::UpdateClientRequest* req,
                            v1::Client* resp) override;
  grpc::Status ListClients(grpc::ServerContext* ctx, const v1::ListClientsRequest* req,
                           v1::ListClientsResponse* resp) override;
  grpc::Status DeactivateClient(grpc::ServerContext* ctx,
                                const v1::DeactivateClientRequest* req,
                                v1::Client* resp) override;
  grpc::Status ReactivateClient(grpc::ServerContext* ctx,
                                const v1::ReactivateClientRequest* req,
                                v1::Client* resp) override;
  grpc::Status DeleteClient(grpc::ServerContext* ctx, const v1::DeleteClientRequest* req,
                            google::protobuf::Empty* resp) override;
  grpc::Status ChangeClientPrimaryAdmin(grpc::ServerContext* ctx,
                                        const v1::ChangeClientPrimaryAdminRequest* req,
                                        v1::Client* resp) override;
  grpc::Status BatchUpdateClientNumbers(
      grpc::ServerContext* ctx, const v1::BatchUpdateClientNumbersRequest* req,
      v1::BatchUpdateClientNumbersResponse* resp) override;
  grpc::Status BatchGetClients(grpc::ServerContext* ctx,
                               const v1::BatchGetClientsRequest* req,
                               v1::BatchGetClientsResponse* resp) override;
  grpc::Status GetClientListView(grpc::ServerContext* ctx,
                                 const v1::GetClientListViewRequest* req,
                                 v1::ClientListView* resp) override;
  grpc::Status UpdateClientListView(grpc::ServerContext* ctx,
                                    const v1::UpdateClientListViewRequest* req,
                                    v1::ClientListView* resp) override;
  grpc::Status CreateInvitation(grpc::ServerContext* ctx,
                                const v1::CreateInvitationRequest* req,
                                v1::Invitation* resp) override;
  grpc::Status ListInvitations(grpc::ServerContext* ctx,
                               const v1::ListInvitationsRequest* req,
                               v1::ListInvitationsResponse* resp) override;
  grpc::Status AcceptInvitation(grpc::ServerContext* ctx,
                                const v1::AcceptInvitationRequest* req,
                                v1::Invitation* resp) override;
  grpc::Status DeclineInvitation(grpc::ServerContext* ctx,
                                 const v1::DeclineInvitationRequest* req,
                                 v1::Invitation* resp) override;

 private:
  Directory& directory_;
  const auth::Authenticator& authenticator_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_API_DIRECTORY_SERVICE_H_
