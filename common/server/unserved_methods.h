#ifndef CLIENTBOOK_COMMON_SERVER_UNSERVED_METHODS_H_
#define CLIENTBOOK_COMMON_SERVER_UNSERVED_METHODS_H_

#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "grpcpp/generic/async_generic_service.h"

namespace clientbook::server {

// Answers a call of any method the server does not serve: UNIMPLEMENTED
// saying what the address is and where to go (`where`, e.g. "accounts' API:
// …"), where gRPC's own answer is a bare status with no message. Reads
// nothing of the call; counted by the metrics as an unknown method.
class UnservedMethods final : public grpc::CallbackGenericService {
 public:
  explicit UnservedMethods(std::string where) : where_(std::move(where)) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* ctx) override;

 private:
  const std::string where_;
};

// The answer to a call of `method` (its path, as the caller sent it) at an
// address that does not serve it. A path too long or odd to repeat is
// left out: a caller can send any bytes as a path.
std::string UnservedMessage(absl::string_view method, absl::string_view where);

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_UNSERVED_METHODS_H_
