#include "common/requests/request_id.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/rules/ids.h"

namespace clientbook::requests {
namespace {

// FNV-1a: stable across processes and builds, unlike absl::Hash, which
// matters for a value stored on disk. Not a security boundary: the ids are
// scoped to the caller who chose them.
uint64_t StableHash(absl::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

std::optional<errors::FieldViolation> Check(absl::string_view id) {
  return rules::CheckId("request_id", id, /*required=*/false);
}

absl::Status CheckStatus(absl::string_view id) {
  if (std::optional<errors::FieldViolation> v = Check(id)) {
    return errors::InvalidArgument({*v});
  }
  return absl::OkStatus();
}

std::string Fingerprint(absl::string_view operation, absl::string_view target,
                        absl::string_view body) {
  return absl::StrFormat("%s|%s|%016x", operation, target, StableHash(body));
}

std::string UpdateFingerprint(absl::string_view method, absl::string_view name,
                              absl::string_view patch,
                              const std::vector<std::string>& paths,
                              absl::string_view etag, absl::string_view options) {
  // Each part after its length: no two requests run together alike.
  return Fingerprint(method, name,
                     absl::StrCat(patch.size(), ":", patch, absl::StrJoin(paths, ","),
                                  "|", etag.size(), ":", etag, options));
}

absl::Status CheckSameRequest(absl::string_view stored, absl::string_view fingerprint) {
  if (stored == fingerprint) return absl::OkStatus();
  return errors::InvalidField("request_id",
                              "was already used for a different request; use a new one");
}

std::string Scope(absl::string_view caller, absl::string_view request_id) {
  return absl::StrCat("request:", caller, "\n", request_id);
}

}  // namespace clientbook::requests
