#ifndef CLIENTBOOK_COMMON_REQUESTS_REQUEST_ID_H_
#define CLIENTBOOK_COMMON_REQUESTS_REQUEST_ID_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/status/errors.h"

// The rules of request ids (AIP-155), the same in every service:
// - optional; when given, 1 to 128 printable ASCII characters without '/';
// - scoped to the caller: two users may pick the same id;
// - a retry of the same request with the same id returns the first result
//   and changes nothing;
// - the same id for a different request is INVALID_ARGUMENT;
// - the check for an earlier use is atomic with the write that records it:
//   hold Scope() in the service's striped locks across both.
namespace clientbook::requests {

// A violation naming "request_id", or nullopt if `id` is acceptable.
std::optional<errors::FieldViolation> Check(absl::string_view id);
// Check() as a status.
absl::Status CheckStatus(absl::string_view id);

// What a stored request id remembers of its request: the operation, its
// target and a stable hash of its body (deterministically serialized).
std::string Fingerprint(absl::string_view operation, absl::string_view target,
                        absl::string_view body = "");

// Fingerprint of an update (AIP-134): its method, the resource's name, the
// patch (serialized), the paths it sets, the etag it was sent with and
// `options`, whatever else the request asks.
std::string UpdateFingerprint(absl::string_view method, absl::string_view name,
                              absl::string_view patch,
                              const std::vector<std::string>& paths,
                              absl::string_view etag, absl::string_view options = "");

// OK when `fingerprint` is the stored one; else INVALID_ARGUMENT.
absl::Status CheckSameRequest(absl::string_view stored, absl::string_view fingerprint);

// The lock scope that serializes every use of one caller's request id.
std::string Scope(absl::string_view caller, absl::string_view request_id);

}  // namespace clientbook::requests

#endif  // CLIENTBOOK_COMMON_REQUESTS_REQUEST_ID_H_
