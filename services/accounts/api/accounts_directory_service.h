#ifndef CLIENTBOOK_SERVICES_ACCOUNTS_API_ACCOUNTS_DIRECTORY_SERVICE_H_
#define CLIENTBOOK_SERVICES_ACCOUNTS_API_ACCOUNTS_DIRECTORY_SERVICE_H_

#include "clientbook/v1/directory.grpc.pb.h"
#include "common/server/frame.h"
#include "services/accounts/domain/accounts.h"
#include "services/accounts/domain/invitations.h"

namespace clientbook::accounts {

// The calls of clientbook.v1.DirectoryService that span cells: ListMyFirms
// from the accounts index, and the invitations, which accounts keeps; the
// front door sends them here. The contract is
// the directory's: callers see no other service. The rest of the directory
// is each cell's: this service leaves those methods to the server's answer
// for methods it does not serve (UNIMPLEMENTED, kUnservedHere).
class AccountsDirectoryService final : public v1::DirectoryService::CallbackService {
 public:
  AccountsDirectoryService(Accounts& accounts, Invitations& invitations,
                           server::Frame& frame);

  // What accounts' API is, for a call of a method it does not serve.
  static constexpr char kUnservedHere[] =
      "accounts' API: it answers ListMyFirms and the invitation calls of "
      "clientbook.v1.DirectoryService; every other call goes to the firm's cell, "
      "through the front door or at the cell's own address";

  grpc::ServerUnaryReactor* ListMyFirms(grpc::CallbackServerContext* ctx,
                                        const v1::ListMyFirmsRequest* req,
                                        v1::ListMyFirmsResponse* resp) override;
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

 private:
  Accounts& accounts_;
  Invitations& invitations_;
  server::Frame& frame_;
};

}  // namespace clientbook::accounts

#endif  // CLIENTBOOK_SERVICES_ACCOUNTS_API_ACCOUNTS_DIRECTORY_SERVICE_H_
