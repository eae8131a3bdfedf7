#ifndef CLIENTBOOK_COMMON_REQUESTS_ETAG_H_
#define CLIENTBOOK_COMMON_REQUESTS_ETAG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

// The rules of etags (AIP-154), the same in every service: a resource's
// etag names its stored state, changes with every write that changes it and
// never otherwise, and a caller that sends one changes only the state it
// read — a stale etag is ABORTED, never a silent overwrite.
namespace clientbook::requests {

// The etag of a record's current state: its revision, which every write
// bumps; shell-friendly (no quotes to escape in grpcurl JSON) and opaque to
// callers.
template <typename Record>
std::string EtagOf(const Record& record) {
  return absl::StrCat("r", record.revision());
}

// ABORTED (STALE_ETAG, naming the resource, the etag sent and the current
// one) unless the etag a caller `sent` is the resource's `current` one.
absl::Status CheckEtag(absl::string_view resource_name, absl::string_view sent,
                       absl::string_view current);
// CheckEtag where the etag is optional: nothing `sent`, nothing to check.
absl::Status CheckEtagIfSent(absl::string_view resource_name, absl::string_view sent,
                             absl::string_view current);

}  // namespace clientbook::requests

#endif  // CLIENTBOOK_COMMON_REQUESTS_ETAG_H_
