#ifndef CLIENTBOOK_TESTS_SUPPORT_REQUIRED_FIELDS_H_
#define CLIENTBOOK_TESTS_SUPPORT_REQUIRED_FIELDS_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "google/api/field_behavior.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace clientbook::testing {

// The dotted paths of the fields of `type` the contract marks REQUIRED (AIP-203),
// through the messages it requires (a create's resource): the fields a
// create cannot go without.
inline std::vector<std::string> RequiredPaths(const google::protobuf::Descriptor& type,
                                              const std::string& prefix = "") {
  std::vector<std::string> paths;
  for (int i = 0; i < type.field_count(); ++i) {
    const google::protobuf::FieldDescriptor& field = *type.field(i);
    const auto& behavior =
        field.options().GetRepeatedExtension(google::api::field_behavior);
    if (std::find(behavior.begin(), behavior.end(), google::api::REQUIRED) ==
        behavior.end()) {
      continue;
    }
    const std::string path = prefix + field.name();
    std::vector<std::string> inner;
    if (field.message_type() != nullptr && !field.is_repeated()) {
      inner = RequiredPaths(*field.message_type(), path + ".");
    }
    if (inner.empty()) inner.push_back(path);
    paths.insert(paths.end(), inner.begin(), inner.end());
  }
  return paths;
}

// The dotted paths of the fields `message` sets, down to those that are not
// messages.
inline std::vector<std::string> SetPaths(const google::protobuf::Message& message,
                                         const std::string& prefix = "") {
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  std::vector<std::string> paths;
  for (const google::protobuf::FieldDescriptor* field : fields) {
    const std::string path = prefix + field->name();
    if (field->message_type() != nullptr && !field->is_repeated()) {
      std::vector<std::string> inner =
          SetPaths(message.GetReflection()->GetMessage(message, field), path + ".");
      paths.insert(paths.end(), inner.begin(), inner.end());
    } else {
      paths.push_back(path);
    }
  }
  return paths;
}

// Clears the field at dotted `path` of `message`.
inline void ClearPath(google::protobuf::Message& message, absl::string_view path) {
  google::protobuf::Message* at = &message;
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    at = at->GetReflection()->MutableMessage(
        at, at->GetDescriptor()->FindFieldByName(parts[i]));
  }
  at->GetReflection()->ClearField(at, at->GetDescriptor()->FindFieldByName(parts.back()));
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_REQUIRED_FIELDS_H_
