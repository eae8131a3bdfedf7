#include "common/server/status_mapping.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/error_budget.h"
#include "common/status/errors.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace clientbook {

grpc::Status ToGrpcStatus(const absl::Status& unbounded) {
  if (unbounded.ok()) return grpc::Status::OK;
  const absl::Status status = errors::Bounded(errors::WithErrorInfo(unbounded));
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(std::string(status.message()));
  // absl visits payloads in no set order; callers and operators get one:
  // ErrorInfo first, then the others by type.
  std::vector<std::pair<std::string, std::string>> details;
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& value) {
    details.emplace_back(std::string(type_url), std::string(value));
  });
  const std::string error_info =
      absl::StrCat("/", google::rpc::ErrorInfo::descriptor()->full_name());
  std::sort(details.begin(), details.end(), [&](const auto& a, const auto& b) {
    const bool a_info = absl::EndsWith(a.first, error_info);
    const bool b_info = absl::EndsWith(b.first, error_info);
    return a_info != b_info ? a_info : a.first < b.first;
  });
  for (auto& [type_url, value] : details) {
    auto* any = rpc_status.add_details();
    any->set_type_url(std::move(type_url));
    any->set_value(std::move(value));
  }
  // absl and gRPC share the canonical code numbers.
  auto code = static_cast<grpc::StatusCode>(status.code());
  if (rpc_status.details_size() == 0) {
    return grpc::Status(code, std::string(status.message()));
  }
  return grpc::Status(code, std::string(status.message()),
                      rpc_status.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()),
                   status.error_message());
  google::rpc::Status rpc_status;
  if (!status.error_details().empty() &&
      rpc_status.ParseFromString(status.error_details())) {
    for (const auto& any : rpc_status.details()) {
      out.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return out;
}

}  // namespace clientbook
