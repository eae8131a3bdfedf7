#include "common/server/unserved_methods.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"

namespace clientbook::server {
namespace {

// A method path long enough for any of the contracts' methods.
constexpr size_t kMaxRepeatedPathBytes = 200;

bool Repeatable(absl::string_view path) {
  if (path.empty() || path.size() > kMaxRepeatedPathBytes) return false;
  for (char c : path) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '.' &&
        c != '_') {
      return false;
    }
  }
  return true;
}

class Refusal final : public grpc::ServerGenericBidiReactor {
 public:
  Refusal(absl::string_view method, absl::string_view where) {
    std::map<std::string, std::string> metadata;
    if (Repeatable(method)) metadata.emplace("method", std::string(method));
    Finish(ToGrpcStatus(errors::WithReason(absl::StatusCode::kUnimplemented,
                                           "METHOD_NOT_SERVED_HERE",
                                           UnservedMessage(method, where), metadata)));
  }
  void OnDone() override { delete this; }
};

}  // namespace

std::string UnservedMessage(absl::string_view method, absl::string_view where) {
  return absl::StrCat(Repeatable(method) ? method : "the method",
                      " is not served at this address (", where,
                      "); server reflection lists what is");
}

grpc::ServerGenericBidiReactor* UnservedMethods::CreateReactor(
    grpc::GenericCallbackServerContext* ctx) {
  return new Refusal(ctx->method(), where_);
}

}  // namespace clientbook::server
