#include "common/server/update_mask.h"

#include <algorithm>

#include "common/status/errors.h"
#include "google/protobuf/descriptor.h"

namespace clientbook::server {

absl::StatusOr<std::vector<std::string>> UpdatePaths(
    const google::protobuf::FieldMask& mask, const google::protobuf::Message& resource,
    absl::Span<const absl::string_view> updatable) {
  std::vector<std::string> paths;
  if (mask.paths_size() > 0) {
    const bool everything = std::find(mask.paths().begin(), mask.paths().end(), "*") !=
                            mask.paths().end();
    if (!everything) return std::vector<std::string>(mask.paths().begin(), mask.paths().end());
    if (mask.paths_size() > 1) {
      return errors::InvalidField("update_mask",
                                  "'*' (every field) stands alone, without other paths");
    }
    for (absl::string_view field : updatable) paths.emplace_back(field);
    return paths;
  }
  std::vector<const google::protobuf::FieldDescriptor*> set;
  resource.GetReflection()->ListFields(resource, &set);
  for (absl::string_view field : updatable) {
    if (std::any_of(set.begin(), set.end(),
                    [&](const auto* f) { return f->name() == field; })) {
      paths.emplace_back(field);
    }
  }
  return paths;
}

}  // namespace clientbook::server
