#include "common/server/malformed_request.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/server/frame.h"
#include "common/server/request_checks.h"
#include "common/server/status_mapping.h"
#include "google/protobuf/descriptor.h"

namespace clientbook::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

class MalformedRequestInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit MalformedRequestInterceptor(std::string request_type)
      : request_type_(std::move(request_type)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    // The server hands interceptors no message when the request's bytes did
    // not parse.
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      unparsed_ = true;
    }
    if (unparsed_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status sent = methods->GetSendStatus();
      if ((sent.error_code() == grpc::StatusCode::UNIMPLEMENTED ||
           sent.error_code() == grpc::StatusCode::INTERNAL) &&
          sent.error_message().empty()) {
        methods->ModifySendStatus(ToGrpcStatus(NotAValidRequest(request_type_)));
      }
    }
    methods->Proceed();
  }

 private:
  const std::string request_type_;
  bool unparsed_ = false;
};

class InterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    using Type = grpc::experimental::ServerRpcInfo::Type;
    if ((info->type() != Type::UNARY && info->type() != Type::SERVER_STREAMING) ||
        info->method() == nullptr) {
      return nullptr;
    }
    const std::string* type = RequestType(info->method());
    return type == nullptr ? nullptr : new MalformedRequestInterceptor(*type);
  }

 private:
  // The request message's full name for a method path, looked up once per
  // method of the contracts. A path no contract defines is not remembered:
  // a caller can name any path, and the map must not grow with them.
  const std::string* RequestType(const char* path) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = types_.find(absl::string_view(path)); it != types_.end()) {
        return it->second.get();
      }
    }
    const google::protobuf::MethodDescriptor* method = FindMethod(path);
    if (method == nullptr) return nullptr;
    absl::MutexLock lock(&mu_);
    auto& type = types_[path];
    if (type == nullptr) {
      type = std::make_unique<std::string>(method->input_type()->full_name());
    }
    return type.get();
  }

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<std::string>> types_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MalformedRequestInterceptorFactory() {
  return std::make_unique<InterceptorFactory>();
}

}  // namespace clientbook::server
