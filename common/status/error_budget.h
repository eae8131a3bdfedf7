#ifndef CLIENTBOOK_COMMON_STATUS_ERROR_BUDGET_H_
#define CLIENTBOOK_COMMON_STATUS_ERROR_BUDGET_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

// Every error reply fits well under gRPC's default 8 KiB metadata limit,
// whatever input it echoes: a reply over it reaches the caller as its own
// stack's RESOURCE_EXHAUSTED instead of the real error, and on a shared
// channel breaks unrelated calls. grpc-message is percent-encoded (up to 3x)
// and the details trailer is base64 (4/3x), so the budgets below keep a whole
// error under about 5 KiB on the wire.
namespace clientbook::errors {

inline constexpr size_t kMaxMessageBytes = 512;
inline constexpr size_t kMaxViolations = 8;
inline constexpr size_t kMaxViolationFieldBytes = 96;
inline constexpr size_t kMaxViolationDescriptionBytes = 160;
inline constexpr size_t kMaxDetailTextBytes = 160;
// ErrorInfo.metadata entries kept (in key order), each key and value capped
// to kMaxDetailTextBytes.
inline constexpr size_t kMaxMetadataEntries = 4;
// A detail of a type we do not know how to shorten is dropped past this.
inline constexpr size_t kMaxOpaqueDetailBytes = 512;

// `s` cut to at most `max_bytes` on a UTF-8 boundary, ending in "…" when cut.
std::string Truncate(absl::string_view s, size_t max_bytes);

// The same error with its message and details cut to the budgets above;
// field violations past kMaxViolations are counted in the message.
absl::Status Bounded(const absl::Status& status);

}  // namespace clientbook::errors

#endif  // CLIENTBOOK_COMMON_STATUS_ERROR_BUDGET_H_
