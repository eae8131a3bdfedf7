#include "common/server/unserved_methods.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

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
  explicit Refusal(const std::string& message) {
    Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, message));
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
  return new Refusal(UnservedMessage(ctx->method(), where_));
}

}  // namespace clientbook::server
