#include "common/auth/authenticator.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/rules/shared_limits.h"
#include "common/rules/text_fields.h"
#include "common/text/text.h"

namespace clientbook::auth {
namespace {

constexpr size_t kMaxRoleBytes = 64;
constexpr size_t kMaxViaBytes = 256;

absl::Status Refuse(absl::string_view header, absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("'", header, "' metadata ", why));
}

}  // namespace

absl::StatusOr<HeaderValue> SingleHeader(const Metadata& metadata,
                                         absl::string_view key) {
  auto [begin, end] = metadata.equal_range(grpc::string_ref(key.data(), key.size()));
  if (begin == end) return HeaderValue{};
  if (std::next(begin) != end) return Refuse(key, "given more than once");
  return HeaderValue{
      .found = true,
      .value = absl::string_view(begin->second.data(), begin->second.size())};
}

absl::StatusOr<std::string> ViaOf(const Metadata& metadata) {
  absl::StatusOr<HeaderValue> via = SingleHeader(metadata, kViaHeader);
  if (via.ok() && !via->found) return std::string();
  const bool printable =
      via.ok() && std::all_of(via->value.begin(), via->value.end(),
                              [](char c) { return c >= 0x20 && c < 0x7F; });
  if (!printable || via->value.empty() || via->value.size() > kMaxViaBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", kViaHeader, "' metadata must be one value of 1 to ",
                     kMaxViaBytes, " printable ASCII characters or spaces"));
  }
  return std::string(via->value);
}

bool IsForChange(const Metadata& metadata) {
  return metadata.find(kForChangeHeader) != metadata.end();
}

absl::StatusOr<std::optional<Caller>> AuthenticateGoBetween(
    const Authenticator& authenticator, const Metadata& metadata) {
  const absl::string_view kPrefix = kGoBetweenPrefix;
  Metadata own;
  for (const auto& [key, value] : metadata) {
    const absl::string_view k(key.data(), key.size());
    if (!absl::StartsWith(k, kPrefix)) continue;
    own.emplace(grpc::string_ref(k.data() + kPrefix.size(), k.size() - kPrefix.size()),
                value);
  }
  if (own.empty()) return std::nullopt;
  absl::StatusOr<Caller> go_between = authenticator.Authenticate(own);
  if (!go_between.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the go-between's credentials (", kPrefix,
                     "*): ", go_between.status().message()));
  }
  return std::move(*go_between);
}

absl::StatusOr<Caller> HeaderAuthenticator::Authenticate(const Metadata& metadata) const {
  Caller caller;
  absl::StatusOr<HeaderValue> id = SingleHeader(metadata, kUserIdHeader);
  if (!id.ok()) return id.status();
  if (!id->found) return Refuse(kUserIdHeader, "is missing");
  if (!IsUserId(id->value)) {
    return Refuse(kUserIdHeader,
                  absl::StrCat("must be 1 to ", limits::kMaxIdBytes,
                               " printable ASCII characters other than '/'"));
  }
  caller.user_id = std::string(id->value);
  caller.credentials.emplace_back(kUserIdHeader, caller.user_id);

  absl::StatusOr<HeaderValue> email = SingleHeader(metadata, kUserEmailHeader);
  if (!email.ok()) return email.status();
  if (email->found) {
    if (email->value.size() > rules::kMaxEmailBytes ||
        !text::IsPrintableAscii(email->value) || !absl::StrContains(email->value, '@')) {
      return Refuse(kUserEmailHeader, "must be an email address");
    }
    caller.verified_email = std::string(email->value);
    caller.credentials.emplace_back(kUserEmailHeader, caller.verified_email);
  }

  absl::StatusOr<HeaderValue> roles = SingleHeader(metadata, kUserRolesHeader);
  if (!roles.ok()) return roles.status();
  if (roles->found) {
    for (absl::string_view role : absl::StrSplit(roles->value, ',', absl::SkipEmpty())) {
      role = absl::StripAsciiWhitespace(role);
      if (role.size() > kMaxRoleBytes || !text::IsPrintableAscii(role)) {
        return Refuse(kUserRolesHeader, "must be comma-separated role names");
      }
      if (!role.empty()) caller.roles.emplace_back(role);
    }
    caller.credentials.emplace_back(kUserRolesHeader, std::string(roles->value));
  }
  return caller;
}

}  // namespace clientbook::auth
