#include "common/status/errors.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"

namespace clientbook::errors {
namespace {

constexpr absl::string_view kTypePrefix = "type.googleapis.com/";
constexpr absl::string_view kDomain = "clientbook";

template <typename Message>
std::string TypeUrl() {
  return absl::StrCat(kTypePrefix, Message::descriptor()->full_name());
}

template <typename Message>
void Attach(absl::Status& status, const Message& detail) {
  status.SetPayload(TypeUrl<Message>(), absl::Cord(detail.SerializeAsString()));
}

template <typename Message>
std::optional<Message> Read(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(TypeUrl<Message>());
  if (!payload.has_value()) return std::nullopt;
  Message message;
  if (!message.ParseFromString(std::string(*payload))) return std::nullopt;
  return message;
}

}  // namespace

absl::Status InvalidArgument(const std::vector<FieldViolation>& violations) {
  return FieldViolations(absl::StatusCode::kInvalidArgument, violations);
}

absl::Status FieldViolations(absl::StatusCode code,
                             const std::vector<FieldViolation>& violations) {
  google::rpc::BadRequest detail;
  std::vector<std::string> parts;
  for (const FieldViolation& v : violations) {
    auto* fv = detail.add_field_violations();
    fv->set_field(v.field);
    fv->set_description(v.description);
    parts.push_back(absl::StrCat(v.field, ": ", v.description));
  }
  absl::Status status(code, absl::StrJoin(parts, "; "));
  Attach(status, detail);
  return status;
}

absl::Status InvalidField(absl::string_view field, absl::string_view description) {
  return InvalidArgument({{std::string(field), std::string(description)}});
}

absl::Status WithReason(absl::StatusCode code, absl::string_view reason,
                        absl::string_view message,
                        const std::map<std::string, std::string>& metadata) {
  absl::Status status(code, absl::string_view(message));
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kDomain));
  info.mutable_metadata()->insert(metadata.begin(), metadata.end());
  Attach(status, info);
  return status;
}

absl::Status WithErrorInfo(absl::Status status) {
  if (status.ok() || status.GetPayload(TypeUrl<google::rpc::ErrorInfo>()).has_value()) {
    return status;
  }
  google::rpc::ErrorInfo info;
  info.set_reason(absl::StatusCodeToString(status.code()));
  info.set_domain(std::string(kDomain));
  Attach(status, info);
  return status;
}

absl::Status RoleRequired(absl::string_view role, absl::string_view message,
                          absl::string_view firm) {
  std::map<std::string, std::string> metadata = {{"role", std::string(role)}};
  if (!firm.empty()) metadata.emplace("firm", std::string(firm));
  return WithReason(absl::StatusCode::kPermissionDenied, "ROLE_REQUIRED", message,
                    metadata);
}

absl::Status NotAMember(absl::string_view message, absl::string_view firm,
                        absl::string_view user) {
  std::map<std::string, std::string> metadata;
  if (!firm.empty()) metadata.emplace("firm", std::string(firm));
  if (!user.empty()) metadata.emplace("user", std::string(user));
  return WithReason(absl::StatusCode::kPermissionDenied, "NOT_A_MEMBER", message,
                    metadata);
}

absl::Status NotClientPrimaryAdmin(absl::string_view client, absl::string_view message) {
  return WithReason(absl::StatusCode::kPermissionDenied, "NOT_CLIENT_PRIMARY_ADMIN",
                    message, {{"client", std::string(client)}});
}

absl::Status NotFound(absl::string_view name, absl::string_view why) {
  return WithReason(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
                    why.empty() ? absl::StrCat(name, " not found")
                                : absl::StrCat(name, " not found: ", why),
                    {{"resource", std::string(name)}});
}

absl::Status AlreadyExists(absl::string_view resource_type,
                           absl::string_view resource_name, absl::string_view message) {
  return WithResource(absl::AlreadyExistsError(message), resource_type, resource_name);
}

absl::Status WithResource(absl::Status status, absl::string_view resource_type,
                          absl::string_view resource_name) {
  google::rpc::ResourceInfo detail;
  detail.set_resource_type(std::string(resource_type));
  detail.set_resource_name(std::string(resource_name));
  detail.set_description(std::string(status.message()));
  Attach(status, detail);
  return status;
}

absl::Status QuotaExhausted(absl::string_view reason, absl::string_view subject,
                            absl::string_view message, absl::Duration retry_delay) {
  absl::Status status = WithReason(absl::StatusCode::kResourceExhausted, reason, message,
                                   {{"subject", std::string(subject)}});
  google::rpc::QuotaFailure quota;
  auto* violation = quota.add_violations();
  violation->set_subject(std::string(subject));
  violation->set_description(std::string(message));
  Attach(status, quota);
  google::rpc::RetryInfo retry;
  const int64_t nanos = absl::ToInt64Nanoseconds(retry_delay);
  retry.mutable_retry_delay()->set_seconds(nanos / 1000000000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
  Attach(status, retry);
  return status;
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  if (auto detail = Read<google::rpc::BadRequest>(status)) {
    for (const auto& v : detail->field_violations()) {
      out.push_back({v.field(), v.description()});
    }
  }
  return out;
}

std::optional<std::string> ReasonOf(const absl::Status& status) {
  if (auto detail = Read<google::rpc::ErrorInfo>(status)) return detail->reason();
  return std::nullopt;
}

std::map<std::string, std::string> ReasonMetadataOf(const absl::Status& status) {
  std::map<std::string, std::string> out;
  if (auto detail = Read<google::rpc::ErrorInfo>(status)) {
    out.insert(detail->metadata().begin(), detail->metadata().end());
  }
  return out;
}

std::optional<std::string> ResourceNameOf(const absl::Status& status) {
  if (auto detail = Read<google::rpc::ResourceInfo>(status)) {
    return detail->resource_name();
  }
  return std::nullopt;
}

std::optional<absl::Duration> RetryDelayOf(const absl::Status& status) {
  if (auto detail = Read<google::rpc::RetryInfo>(status)) {
    return absl::Seconds(detail->retry_delay().seconds()) +
           absl::Nanoseconds(detail->retry_delay().nanos());
  }
  return std::nullopt;
}

std::vector<std::string> QuotaSubjectsOf(const absl::Status& status) {
  std::vector<std::string> out;
  if (auto detail = Read<google::rpc::QuotaFailure>(status)) {
    for (const auto& v : detail->violations()) out.push_back(v.subject());
  }
  return out;
}

}  // namespace clientbook::errors
