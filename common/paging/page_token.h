#ifndef CLIENTBOOK_COMMON_PAGING_PAGE_TOKEN_H_
#define CLIENTBOOK_COMMON_PAGING_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace clientbook::storage {

// Page tokens are opaque to callers: a storage cursor plus a fingerprint of
// the query it belongs to, so a token replayed with other filters is
// INVALID_ARGUMENT instead of a silently wrong page. Stable across restarts.
std::string EncodePageToken(absl::string_view query, absl::string_view cursor);

// The cursor inside `token` ("" for an empty token).
absl::StatusOr<std::string> DecodePageToken(absl::string_view query,
                                            absl::string_view token);

}  // namespace clientbook::storage

#endif  // CLIENTBOOK_COMMON_PAGING_PAGE_TOKEN_H_
