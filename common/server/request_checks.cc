#include "common/server/request_checks.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/status/errors.h"

namespace clientbook::server {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

void Collect(const Message& message, const std::string& path,
             std::vector<errors::FieldViolation>& out) {
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string name = absl::StrCat(path, field->name());
    auto check = [&](int value, const std::string& where) {
      if (field->enum_type()->FindValueByNumber(value) == nullptr) {
        out.push_back({where, absl::StrCat("unknown value ", value, " of ",
                                           field->enum_type()->name())});
      }
    };
    if (field->type() == FieldDescriptor::TYPE_ENUM) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
          check(reflection.GetRepeatedEnumValue(message, field, i),
                absl::StrCat(name, "[", i, "]"));
        }
      } else {
        check(reflection.GetEnumValue(message, field), name);
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE && !field->is_map()) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
          Collect(reflection.GetRepeatedMessage(message, field, i),
                  absl::StrCat(name, "[", i, "]."), out);
        }
      } else {
        Collect(reflection.GetMessage(message, field), absl::StrCat(name, "."), out);
      }
    }
  }
}

}  // namespace

absl::Status CheckKnownEnums(const Message& request) {
  std::vector<errors::FieldViolation> violations;
  Collect(request, "", violations);
  if (violations.empty()) return absl::OkStatus();
  return errors::InvalidArgument(violations);
}

const google::protobuf::MethodDescriptor* FindMethod(absl::string_view path) {
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      absl::StrReplaceAll(absl::StripPrefix(path, "/"), {{"/", "."}}));
}

}  // namespace clientbook::server
