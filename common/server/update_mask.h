#ifndef CLIENTBOOK_COMMON_SERVER_UPDATE_MASK_H_
#define CLIENTBOOK_COMMON_SERVER_UPDATE_MASK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

namespace clientbook::server {

// The fields an Update call changes, as AIP-134 reads its update_mask: the
// paths sent; with none, the `updatable` fields `resource` sets (a value
// other than its default: so a resource read, edited and sent back changes
// what it sets) and its IMMUTABLE ones it sets, for the method to see they
// keep their value; "*" alone, every `updatable` field, those left unset
// cleared. Paths of the name, the etag and OUTPUT_ONLY fields are ignored
// (AIP-203), so a resource read with a mask and sent back with it changes
// nothing. The paths are for the method's own check, which refuses any it
// cannot update. INVALID_ARGUMENT when the mask is omitted and the resource
// sets nothing to update.
absl::StatusOr<std::vector<std::string>> UpdatePaths(
    const google::protobuf::FieldMask& mask, const google::protobuf::Message& resource,
    absl::Span<const absl::string_view> updatable);

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_UPDATE_MASK_H_
