#ifndef CLIENTBOOK_SERVICES_ACCOUNTS_API_ACCOUNTS_DIRECTORY_SERVICE_H_
#define CLIENTBOOK_SERVICES_ACCOUNTS_API_ACCOUNTS_DIRECTORY_SERVICE_H_

#include "clientbook/v1/directory.grpc.pb.h"
#include "common/server/frame.h"
#include "services/accounts/domain/accounts.h"

namespace clientbook::accounts {

// The calls of clientbook.v1.DirectoryService that span cells, answered
// from the accounts index; the front door sends them here. The contract is
// the directory's: callers see no other service. The rest of the directory
// is UNIMPLEMENTED here (each cell serves it).
class AccountsDirectoryService final : public v1::DirectoryService::CallbackService {
 public:
  AccountsDirectoryService(Accounts& accounts, server::Frame& frame)
      : accounts_(accounts), frame_(frame) {}

  grpc::ServerUnaryReactor* ListMyFirms(grpc::CallbackServerContext* ctx,
                                        const v1::ListMyFirmsRequest* req,
                                        v1::ListMyFirmsResponse* resp) override;

 private:
  Accounts& accounts_;
  server::Frame& frame_;
};

}  // namespace clientbook::accounts

#endif  // CLIENTBOOK_SERVICES_ACCOUNTS_API_ACCOUNTS_DIRECTORY_SERVICE_H_
