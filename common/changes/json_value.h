#ifndef CLIENTBOOK_COMMON_CHANGES_JSON_VALUE_H_
#define CLIENTBOOK_COMMON_CHANGES_JSON_VALUE_H_

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"

namespace clientbook::changes {

// The value proto3's JSON mapping gives `field` of `message`, as protobuf's
// printer writes it with proto field names and default values printed,
// parsed back into a google.protobuf.Value: a null where the printer writes
// nothing (an unset message, oneof member or optional field). Made by
// reflection: the printer and its parser resolve every type afresh on each
// call, which was 29 µs of the 43 an audit entry cost (README: Audit).
absl::StatusOr<google::protobuf::Value> JsonValueOf(
    const google::protobuf::Message& message,
    const google::protobuf::FieldDescriptor& field);

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_JSON_VALUE_H_
