#include "services/accounts/api/accounts_directory_service.h"

#include "absl/container/flat_hash_set.h"
#include "common/server/respond.h"
#include "common/status/errors.h"
#include "common/status/macros.h"

namespace clientbook::accounts {
namespace {

constexpr auto kToProto = [](const InvitationRecord& invitation) {
  return invitations::ToProto(invitation);
};

}  // namespace

AccountsDirectoryService::AccountsDirectoryService(Accounts& accounts,
                                                   Invitations& invitations,
                                                   server::Frame& frame)
    : accounts_(accounts), invitations_(invitations), frame_(frame) {
  const absl::flat_hash_set<absl::string_view> served = {
      "ListMyFirms", "CreateInvitation", "ListInvitations", "AcceptInvitation",
      "DeclineInvitation"};
  // Generated services number their methods in the contract's order.
  const google::protobuf::ServiceDescriptor* contract =
      v1::ListMyFirmsRequest::descriptor()->file()->FindServiceByName("DirectoryService");
  for (int i = 0; i < contract->method_count(); ++i) {
    if (!served.contains(contract->method(i)->name())) MarkMethodGeneric(i);
  }
}

grpc::ServerUnaryReactor* AccountsDirectoryService::ListMyFirms(
    grpc::CallbackServerContext* ctx, const v1::ListMyFirmsRequest* req,
    v1::ListMyFirmsResponse* resp) {
  return frame_.Unary(ctx, req, resp, [this, req, resp](const auth::Caller& caller) {
    return server::RespondPage(
        accounts_.ListMyFirms(caller.user_id, {.page_size = req->page_size(),
                                               .page_token = req->page_token()}),
        resp, [](auto& out) { return out.add_firms(); },
        [](const v1::Firm& firm) { return firm; });
  });
}

grpc::ServerUnaryReactor* AccountsDirectoryService::CreateInvitation(
    grpc::CallbackServerContext* ctx, const v1::CreateInvitationRequest* req,
    v1::Invitation* resp) {
  return frame_.Blocking(ctx, req, resp, [this, req, resp](const auth::Caller& caller) {
    return server::Respond(
        invitations_.CreateInvitation(caller.user_id,
                                      invitations::DraftFromProto(req->invitation()),
                                      req->request_id()),
        resp, kToProto);
  });
}

grpc::ServerUnaryReactor* AccountsDirectoryService::ListInvitations(
    grpc::CallbackServerContext* ctx, const v1::ListInvitationsRequest* req,
    v1::ListInvitationsResponse* resp) {
  return frame_.Unary(ctx, req, resp, [this, req, resp](const auth::Caller& caller) {
    return server::RespondPage(
        invitations_.ListInvitations(
            caller, req->invitee_email(),
            {.page_size = req->page_size(), .page_token = req->page_token()}),
        resp, [](auto& out) { return out.add_invitations(); }, kToProto);
  });
}

grpc::ServerUnaryReactor* AccountsDirectoryService::AcceptInvitation(
    grpc::CallbackServerContext* ctx, const v1::AcceptInvitationRequest* req,
    v1::Invitation* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const invitations::AcceptRequest ask,
                            invitations::ParseAccept(*req));
        return server::Respond(
            invitations_.AcceptInvitation(caller, ask.token, ask.firm_id), resp,
            kToProto);
      });
}

grpc::ServerUnaryReactor* AccountsDirectoryService::DeclineInvitation(
    grpc::CallbackServerContext* ctx, const v1::DeclineInvitationRequest* req,
    v1::Invitation* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        if (req->token().empty()) return errors::InvalidField("token", "is required");
        return server::Respond(invitations_.DeclineInvitation(caller, req->token()), resp,
                               kToProto);
      });
}

}  // namespace clientbook::accounts
