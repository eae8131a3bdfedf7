#ifndef CLIENTBOOK_COMMON_SERVER_REQUEST_CHECKS_H_
#define CLIENTBOOK_COMMON_SERVER_REQUEST_CHECKS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace clientbook::server {

// INVALID_ARGUMENT naming every enum field of `request` (at any depth) that
// holds a number its enum does not define. Proto3 keeps unknown enum numbers
// as they came, so without this a typo'd filter silently matches nothing.
absl::Status CheckKnownEnums(const google::protobuf::Message& request);

// The method a gRPC path ("/pkg.Service/Method") names among the contracts
// linked into the process, or null.
const google::protobuf::MethodDescriptor* FindMethod(absl::string_view path);

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_REQUEST_CHECKS_H_
