#include "common/auth/caller.h"

#include "absl/strings/str_cat.h"
#include "common/rules/shared_limits.h"
#include "common/text/text.h"

namespace clientbook::auth {
namespace {}  // namespace

absl::StatusOr<std::string> CallerUserId(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto [begin, end] = metadata.equal_range(kUserIdHeader);
  if (begin == end) {
    return absl::UnauthenticatedError(
        absl::StrCat("missing '", kUserIdHeader, "' metadata"));
  }
  if (std::next(begin) != end) {
    return absl::UnauthenticatedError(
        absl::StrCat("'", kUserIdHeader, "' metadata given more than once"));
  }
  absl::string_view id(begin->second.data(), begin->second.size());
  if (id.empty() || id.size() > limits::kMaxIdBytes || !text::IsPrintableAscii(id)) {
    return absl::UnauthenticatedError(absl::StrCat("'", kUserIdHeader, "' must be 1 to ",
                                                   limits::kMaxIdBytes,
                                                   " printable ASCII characters"));
  }
  return std::string(id);
}

}  // namespace clientbook::auth
