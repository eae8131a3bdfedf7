#include "common/paging/page_token.h"

#include <cstdint>

#include "absl/strings/escaping.h"
#include "common/keys/key_codec.h"
#include "common/text/text.h"

namespace clientbook::storage {
namespace {

// FNV-1a: stable across processes, unlike absl::Hash.
std::string Fingerprint(absl::string_view query) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : query) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return EncodeUint64(h);
}

}  // namespace

std::string EncodePageToken(absl::string_view query, absl::string_view cursor) {
  if (cursor.empty()) return "";
  return absl::WebSafeBase64Escape(Fingerprint(query) + std::string(cursor));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view query,
                                            absl::string_view token) {
  if (token.empty()) return std::string();
  std::string raw;
  const std::string fingerprint = Fingerprint(query);
  if (!text::DecodeBase64UrlStrict(token, &raw) || raw.size() <= fingerprint.size() ||
      raw.compare(0, fingerprint.size(), fingerprint) != 0) {
    return absl::InvalidArgumentError(
        "page_token is not valid for this request (it must come from the "
        "previous page of the same query)");
  }
  return raw.substr(fingerprint.size());
}

}  // namespace clientbook::storage
