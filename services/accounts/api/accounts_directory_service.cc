#include "services/accounts/api/accounts_directory_service.h"

#include "common/server/respond.h"

namespace clientbook::accounts {

grpc::ServerUnaryReactor* AccountsDirectoryService::ListMyFirms(
    grpc::CallbackServerContext* ctx, const v1::ListMyFirmsRequest* req,
    v1::ListMyFirmsResponse* resp) {
  return frame_.Unary(ctx, req, [this, req, resp](const auth::Caller& caller) {
    return server::RespondPage(
        accounts_.ListMyFirms(caller.user_id, {.page_size = req->page_size(),
                                               .page_token = req->page_token()}),
        resp, [](auto& out) { return out.add_firms(); },
        [](const v1::Firm& firm) { return firm; });
  });
}

}  // namespace clientbook::accounts
