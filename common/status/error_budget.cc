#include "common/status/error_budget.h"

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"

namespace clientbook::errors {
namespace {

constexpr absl::string_view kEllipsis = "\xE2\x80\xA6";  // …

template <typename Message>
bool Is(absl::string_view type_url) {
  return absl::EndsWith(type_url, absl::StrCat("/", Message::descriptor()->full_name()));
}

void Cap(std::string* s, size_t max_bytes) {
  if (s->size() > max_bytes) *s = Truncate(*s, max_bytes);
}

// The detail shortened to the budget, or nullopt when it cannot be.
std::optional<std::string> BoundedDetail(absl::string_view type_url,
                                         const absl::Cord& value, size_t& dropped) {
  const std::string bytes(value);
  if (Is<google::rpc::BadRequest>(type_url)) {
    google::rpc::BadRequest detail;
    if (!detail.ParseFromString(bytes)) return std::nullopt;
    const int kept = std::min<int>(detail.field_violations_size(), kMaxViolations);
    dropped = static_cast<size_t>(detail.field_violations_size() - kept);
    detail.mutable_field_violations()->DeleteSubrange(kept, static_cast<int>(dropped));
    for (auto& v : *detail.mutable_field_violations()) {
      Cap(v.mutable_field(), kMaxViolationFieldBytes);
      Cap(v.mutable_description(), kMaxViolationDescriptionBytes);
    }
    return detail.SerializeAsString();
  }
  if (Is<google::rpc::ErrorInfo>(type_url)) {
    google::rpc::ErrorInfo detail;
    if (!detail.ParseFromString(bytes)) return std::nullopt;
    Cap(detail.mutable_reason(), kMaxDetailTextBytes);
    Cap(detail.mutable_domain(), kMaxDetailTextBytes);
    std::map<std::string, std::string> kept;
    for (const auto& [key, value] : detail.metadata()) {
      kept.emplace(Truncate(key, kMaxDetailTextBytes), Truncate(value, kMaxDetailTextBytes));
    }
    detail.mutable_metadata()->clear();
    size_t entries = 0;
    for (auto& [key, value] : kept) {
      if (entries++ == kMaxMetadataEntries) break;
      (*detail.mutable_metadata())[key] = std::move(value);
    }
    return detail.SerializeAsString();
  }
  if (Is<google::rpc::ResourceInfo>(type_url)) {
    google::rpc::ResourceInfo detail;
    if (!detail.ParseFromString(bytes)) return std::nullopt;
    Cap(detail.mutable_resource_type(), kMaxDetailTextBytes);
    Cap(detail.mutable_resource_name(), kMaxDetailTextBytes);
    Cap(detail.mutable_owner(), kMaxDetailTextBytes);
    Cap(detail.mutable_description(), kMaxDetailTextBytes);
    return detail.SerializeAsString();
  }
  if (bytes.size() > kMaxOpaqueDetailBytes) return std::nullopt;
  return bytes;
}

}  // namespace

std::string Truncate(absl::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t cut = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  // Step back over continuation bytes so no code point is split.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat(s.substr(0, cut), kEllipsis);
}

absl::Status Bounded(const absl::Status& status) {
  if (status.ok()) return status;
  size_t dropped_violations = 0;
  std::vector<std::pair<std::string, std::string>> details;
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& value) {
    if (type_url.size() > kMaxDetailTextBytes) return;
    size_t dropped = 0;
    if (std::optional<std::string> detail = BoundedDetail(type_url, value, dropped)) {
      details.emplace_back(std::string(type_url), std::move(*detail));
      dropped_violations += dropped;
    }
  });
  std::string message(status.message());
  if (dropped_violations > 0) {
    const std::string more = absl::StrCat(" (and ", dropped_violations, " more)");
    message = absl::StrCat(Truncate(message, kMaxMessageBytes - more.size()), more);
  } else {
    message = Truncate(message, kMaxMessageBytes);
  }
  absl::Status out(status.code(), message);
  for (auto& [type_url, bytes] : details) out.SetPayload(type_url, absl::Cord(bytes));
  return out;
}

}  // namespace clientbook::errors
