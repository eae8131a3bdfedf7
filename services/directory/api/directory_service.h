#ifndef CLIENTBOOK_SERVICES_DIRECTORY_API_DIRECTORY_SERVICE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_API_DIRECTORY_SERVICE_H_

#include "clientbook/v1/directory.grpc.pb.h"
#include "common/changes/change_log.h"
#include "common/server/arena_messages.h"
#include "common/server/frame.h"
#include "services/directory/domain/directory.h"

namespace clientbook::directory {

// clientbook.v1.DirectoryService over gRPC's callback API: reads run on
// gRPC's threads, writes on the frame's blocking pool. Converts messages, calls the
// Directory, maps the status. No rules live here.
class DirectoryService final : public v1::DirectoryService::CallbackService {
 public:
  // `changes`: the directory's change log, whose position ListClients
  // returns (change_token).
  DirectoryService(Directory& directory, server::Frame& frame,
                   const changes::ChangeLog& changes)
      : directory_(directory), frame_(frame), changes_(changes) {
    SetMessageAllocatorFor_ListClients(&list_clients_messages_);
    SetMessageAllocatorFor_BatchGetClients(&batch_get_clients_messages_);
    SetMessageAllocatorFor_FindDuplicateClients(&find_duplicates_messages_);
  }

  grpc::ServerUnaryReactor* CreateFirm(grpc::CallbackServerContext* ctx,
                                       const v1::CreateFirmRequest* req,
                                       v1::Firm* resp) override;
  grpc::ServerUnaryReactor* GetFirm(grpc::CallbackServerContext* ctx,
                                    const v1::GetFirmRequest* req,
                                    v1::Firm* resp) override;
  grpc::ServerUnaryReactor* UpdateFirm(grpc::CallbackServerContext* ctx,
                                       const v1::UpdateFirmRequest* req,
                                       v1::Firm* resp) override;
  grpc::ServerUnaryReactor* ListMyFirms(grpc::CallbackServerContext* ctx,
                                        const v1::ListMyFirmsRequest* req,
                                        v1::ListMyFirmsResponse* resp) override;
  grpc::ServerUnaryReactor* AddFirmMember(grpc::CallbackServerContext* ctx,
                                          const v1::AddFirmMemberRequest* req,
                                          v1::FirmMember* resp) override;
  grpc::ServerUnaryReactor* UpdateFirmMember(grpc::CallbackServerContext* ctx,
                                             const v1::UpdateFirmMemberRequest* req,
                                             v1::FirmMember* resp) override;
  grpc::ServerUnaryReactor* ListFirmMembers(grpc::CallbackServerContext* ctx,
                                            const v1::ListFirmMembersRequest* req,
                                            v1::ListFirmMembersResponse* resp) override;
  grpc::ServerUnaryReactor* GetFirmMember(grpc::CallbackServerContext* ctx,
                                          const v1::GetFirmMemberRequest* req,
                                          v1::FirmMember* resp) override;
  grpc::ServerUnaryReactor* RemoveFirmMember(grpc::CallbackServerContext* ctx,
                                             const v1::RemoveFirmMemberRequest* req,
                                             v1::RemoveFirmMemberResponse* resp) override;
  grpc::ServerUnaryReactor* TransferPrimaryAdmin(
      grpc::CallbackServerContext* ctx, const v1::TransferPrimaryAdminRequest* req,
      v1::TransferPrimaryAdminResponse* resp) override;
  grpc::ServerUnaryReactor* CreateClient(grpc::CallbackServerContext* ctx,
                                         const v1::CreateClientRequest* req,
                                         v1::Client* resp) override;
  grpc::ServerUnaryReactor* GetClient(grpc::CallbackServerContext* ctx,
                                      const v1::GetClientRequest* req,
                                      v1::Client* resp) override;
  grpc::ServerUnaryReactor* UpdateClient(grpc::CallbackServerContext* ctx,
                                         const v1::UpdateClientRequest* req,
                                         v1::Client* resp) override;
  grpc::ServerUnaryReactor* FindDuplicateClients(
      grpc::CallbackServerContext* ctx, const v1::FindDuplicateClientsRequest* req,
      v1::FindDuplicateClientsResponse* resp) override;
  grpc::ServerUnaryReactor* MergeClients(grpc::CallbackServerContext* ctx,
                                         const v1::MergeClientsRequest* req,
                                         v1::MergeClientsResponse* resp) override;
  grpc::ServerUnaryReactor* ListClients(grpc::CallbackServerContext* ctx,
                                        const v1::ListClientsRequest* req,
                                        v1::ListClientsResponse* resp) override;
  grpc::ServerUnaryReactor* DeactivateClient(grpc::CallbackServerContext* ctx,
                                             const v1::DeactivateClientRequest* req,
                                             v1::Client* resp) override;
  grpc::ServerUnaryReactor* ReactivateClient(grpc::CallbackServerContext* ctx,
                                             const v1::ReactivateClientRequest* req,
                                             v1::Client* resp) override;
  grpc::ServerUnaryReactor* DeleteClient(grpc::CallbackServerContext* ctx,
                                         const v1::DeleteClientRequest* req,
                                         google::protobuf::Empty* resp) override;
  grpc::ServerUnaryReactor* ChangeClientPrimaryAdmin(
      grpc::CallbackServerContext* ctx, const v1::ChangeClientPrimaryAdminRequest* req,
      v1::Client* resp) override;
  grpc::ServerUnaryReactor* BatchUpdateClientNumbers(
      grpc::CallbackServerContext* ctx, const v1::BatchUpdateClientNumbersRequest* req,
      v1::BatchUpdateClientNumbersResponse* resp) override;
  grpc::ServerUnaryReactor* BatchGetClients(grpc::CallbackServerContext* ctx,
                                            const v1::BatchGetClientsRequest* req,
                                            v1::BatchGetClientsResponse* resp) override;
  grpc::ServerUnaryReactor* GetClientListView(grpc::CallbackServerContext* ctx,
                                              const v1::GetClientListViewRequest* req,
                                              v1::ClientListView* resp) override;
  grpc::ServerUnaryReactor* UpdateClientListView(
      grpc::CallbackServerContext* ctx, const v1::UpdateClientListViewRequest* req,
      v1::ClientListView* resp) override;
  grpc::ServerUnaryReactor* CreateInvitation(grpc::CallbackServerContext* ctx,
                                             const v1::CreateInvitationRequest* req,
                                             v1::Invitation* resp) override;
  grpc::ServerUnaryReactor* ListInvitations(grpc::CallbackServerContext* ctx,
                                            const v1::ListInvitationsRequest* req,
                                            v1::ListInvitationsResponse* resp) override;
  grpc::ServerUnaryReactor* AcceptInvitation(grpc::CallbackServerContext* ctx,
                                             const v1::AcceptInvitationRequest* req,
                                             v1::Invitation* resp) override;
  grpc::ServerUnaryReactor* DeclineInvitation(grpc::CallbackServerContext* ctx,
                                              const v1::DeclineInvitationRequest* req,
                                              v1::Invitation* resp) override;
  grpc::ServerUnaryReactor* ConnectInvitedClient(
      grpc::CallbackServerContext* ctx, const v1::ConnectInvitedClientRequest* req,
      v1::Client* resp) override;

 private:
  Directory& directory_;
  server::Frame& frame_;
  const changes::ChangeLog& changes_;
  // The reads whose answers are up to 1,000 clients.
  server::ArenaMessages<v1::ListClientsRequest, v1::ListClientsResponse>
      list_clients_messages_;
  server::ArenaMessages<v1::BatchGetClientsRequest, v1::BatchGetClientsResponse>
      batch_get_clients_messages_;
  server::ArenaMessages<v1::FindDuplicateClientsRequest, v1::FindDuplicateClientsResponse>
      find_duplicates_messages_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_API_DIRECTORY_SERVICE_H_
