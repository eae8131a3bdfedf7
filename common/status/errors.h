#ifndef CLIENTBOOK_COMMON_STATUS_ERRORS_H_
#define CLIENTBOOK_COMMON_STATUS_ERRORS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

// Errors with machine-readable details, for domain code that knows nothing of
// gRPC. The details ride in absl::Status payloads as serialized
// google.rpc.* messages; ToGrpcStatus() (status_mapping.h) sends them on as
// google.rpc.Status details.
namespace clientbook::errors {

struct FieldViolation {
  std::string field;        // e.g. "client.client_number", "requests[3].client"
  std::string description;  // what is wrong, for a person
};

// INVALID_ARGUMENT naming every bad field (google.rpc.BadRequest).
absl::Status InvalidArgument(const std::vector<FieldViolation>& violations);
// The same details under another code, e.g. ALREADY_EXISTS when every
// violation is a taken value.
absl::Status FieldViolations(absl::StatusCode code,
                             const std::vector<FieldViolation>& violations);
absl::Status InvalidField(absl::string_view field, absl::string_view description);

// `code` with a stable reason (google.rpc.ErrorInfo, domain "clientbook"),
// e.g. FailedPrecondition("CLIENT_ON_WHOLESALE_BILLING", "…"), and in its
// metadata what a caller needs to act on it, e.g. {"clients": "12"}.
absl::Status WithReason(absl::StatusCode code, absl::string_view reason,
                        absl::string_view message,
                        const std::map<std::string, std::string>& metadata = {});

// AIP-193: every error carries exactly one ErrorInfo. `status` as it is when
// it has one; else with the reason its code names ("NOT_FOUND",
// "PERMISSION_DENIED", …), domain "clientbook".
absl::Status WithErrorInfo(absl::Status status);

// PERMISSION_DENIED for a caller without the role `role` ("ADMIN" in a
// firm, "operator"): reason ROLE_REQUIRED with the role, and the `firm` it
// is needed in when it is a firm's, in its metadata.
absl::Status RoleRequired(absl::string_view role, absl::string_view message,
                          absl::string_view firm = "");

// PERMISSION_DENIED for a caller who is not a member of the firm `firm`
// (reason NOT_A_MEMBER; the firm and `user` in its metadata when given).
absl::Status NotAMember(absl::string_view message, absl::string_view firm = "",
                        absl::string_view user = "");

// PERMISSION_DENIED for a caller who is not the client company's primary
// admin (reason NOT_CLIENT_PRIMARY_ADMIN, the `client` in its metadata).
absl::Status NotClientPrimaryAdmin(absl::string_view client, absl::string_view message);

// NOT_FOUND of the resource `name`: "{name} not found[: {why}]", with reason
// RESOURCE_NOT_FOUND and the name in its metadata ("resource").
absl::Status NotFound(absl::string_view name, absl::string_view why = "");

// ALREADY_EXISTS naming the resource that holds the value
// (google.rpc.ResourceInfo).
absl::Status AlreadyExists(absl::string_view resource_type,
                           absl::string_view resource_name, absl::string_view message);

// `status` naming a resource it is about (google.rpc.ResourceInfo): the
// holder of a taken value, or where a moved resource went.
absl::Status WithResource(absl::Status status, absl::string_view resource_type,
                          absl::string_view resource_name);

// RESOURCE_EXHAUSTED for a quota `subject` (e.g. "firms/1001") has used
// up, the way Google APIs say it: ErrorInfo with `reason` and the subject,
// QuotaFailure naming it, RetryInfo with when to try again.
absl::Status QuotaExhausted(absl::string_view reason, absl::string_view subject,
                            absl::string_view message, absl::Duration retry_delay);

// Readers, for callers and tests.
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);
std::optional<std::string> ReasonOf(const absl::Status& status);
// ErrorInfo.metadata (empty without an ErrorInfo).
std::map<std::string, std::string> ReasonMetadataOf(const absl::Status& status);
std::optional<std::string> ResourceNameOf(const absl::Status& status);
std::optional<absl::Duration> RetryDelayOf(const absl::Status& status);
// The subjects a QuotaFailure names.
std::vector<std::string> QuotaSubjectsOf(const absl::Status& status);

}  // namespace clientbook::errors

#endif  // CLIENTBOOK_COMMON_STATUS_ERRORS_H_
