#include "common/requests/etag.h"

#include "common/status/errors.h"

namespace clientbook::requests {

absl::Status CheckEtag(absl::string_view resource_name, absl::string_view sent,
                       absl::string_view current) {
  if (sent == current) return absl::OkStatus();
  return errors::WithReason(
      absl::StatusCode::kAborted, "STALE_ETAG",
      absl::StrCat(resource_name, " changed since etag ", sent, " was read (now ",
                   current, "): read it again and reapply"),
      {{"resource", std::string(resource_name)},
       {"etag", std::string(sent)},
       {"current_etag", std::string(current)}});
}

absl::Status CheckEtagIfSent(absl::string_view resource_name, absl::string_view sent,
                             absl::string_view current) {
  if (sent.empty()) return absl::OkStatus();
  return CheckEtag(resource_name, sent, current);
}

}  // namespace clientbook::requests
