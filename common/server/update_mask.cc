#include "common/server/update_mask.h"

#include <algorithm>

#include "common/status/errors.h"
#include "google/api/field_behavior.pb.h"
#include "google/protobuf/descriptor.h"

namespace clientbook::server {
namespace {

bool Behaves(const google::protobuf::FieldDescriptor& field,
             google::api::FieldBehavior behavior) {
  const auto& behaviors =
      field.options().GetRepeatedExtension(google::api::field_behavior);
  return std::find(behaviors.begin(), behaviors.end(), behavior) != behaviors.end();
}

// The name and the etag say which resource, as read; they are no change.
bool Ignored(const google::protobuf::Descriptor& resource, absl::string_view path) {
  const google::protobuf::FieldDescriptor* field =
      resource.FindFieldByName(std::string(path));
  if (field == nullptr) return false;
  return field->name() == "etag" || Behaves(*field, google::api::IDENTIFIER) ||
         Behaves(*field, google::api::OUTPUT_ONLY);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> UpdatePaths(
    const google::protobuf::FieldMask& mask, const google::protobuf::Message& resource,
    absl::Span<const absl::string_view> updatable) {
  std::vector<std::string> paths;
  if (mask.paths_size() > 0) {
    const bool everything = std::find(mask.paths().begin(), mask.paths().end(), "*") !=
                            mask.paths().end();
    if (everything && mask.paths_size() > 1) {
      return errors::InvalidField("update_mask",
                                  "'*' (every field) stands alone, without other paths");
    }
    if (everything) {
      for (absl::string_view field : updatable) paths.emplace_back(field);
      return paths;
    }
    for (const std::string& path : mask.paths()) {
      if (!Ignored(*resource.GetDescriptor(), path)) paths.push_back(path);
    }
    return paths;
  }
  std::vector<const google::protobuf::FieldDescriptor*> set;
  resource.GetReflection()->ListFields(resource, &set);
  for (const google::protobuf::FieldDescriptor* field : set) {
    if (std::find(updatable.begin(), updatable.end(), field->name()) != updatable.end() ||
        Behaves(*field, google::api::IMMUTABLE)) {
      paths.push_back(field->name());
    }
  }
  if (paths.empty()) {
    return errors::InvalidField(
        "update_mask", "name at least one field to update, or set it in the resource");
  }
  return paths;
}

}  // namespace clientbook::server
