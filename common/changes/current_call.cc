#include "common/changes/current_call.h"

#include "absl/strings/str_cat.h"

namespace clientbook::changes {
namespace {

thread_local const CallInfo* current = nullptr;

}  // namespace

std::string MethodOf(const google::protobuf::Descriptor* request_type) {
  const google::protobuf::FileDescriptor* file = request_type->file();
  for (int s = 0; s < file->service_count(); ++s) {
    const google::protobuf::ServiceDescriptor* service = file->service(s);
    for (int m = 0; m < service->method_count(); ++m) {
      if (service->method(m)->input_type() == request_type) {
        return absl::StrCat("/", service->full_name(), "/", service->method(m)->name());
      }
    }
  }
  return "";
}

CurrentCall::CurrentCall(CallInfo call) : call_(call), outer_(current) {
  current = &call_;
}

CurrentCall::~CurrentCall() { current = outer_; }

const CallInfo* CurrentCall::Get() { return current; }

}  // namespace clientbook::changes
