#include "common/server/call_share.h"

#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/names/resource_name.h"
#include "common/paging/paging.h"
#include "common/status/errors.h"
#include "google/protobuf/descriptor.h"

namespace clientbook::server {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr absl::string_view kFirmPrefix = "firms/";
// Measured at 1,000,000 clients, the server's CPU time a call: GetClient
// 49 us, a page of 50 clients 388 us, a page of 1,000 8 ms (each client in a
// page about a sixth of a GetClient).
constexpr int64_t kResourcesPerUnit = 6;
constexpr size_t kBytesPerUnit = 600;

// "firms/1001" from "firms/1001/clients/7", if `name` is in a firm.
std::optional<std::string> FirmOf(absl::string_view name) {
  if (!absl::StartsWith(name, kFirmPrefix)) return std::nullopt;
  const size_t end = name.find('/', kFirmPrefix.size());
  return std::string(name.substr(0, end));
}

std::optional<std::string> FirmIn(const Message& message, absl::string_view field_name) {
  const FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName(std::string(field_name));
  if (field == nullptr || field->is_repeated() ||
      field->type() != FieldDescriptor::TYPE_STRING) {
    return std::nullopt;
  }
  std::string scratch;
  return FirmOf(message.GetReflection()->GetStringReference(message, field, &scratch));
}

std::optional<std::string> FlowOf(const Message& request) {
  for (absl::string_view field : {"name", "parent", "firm"}) {
    if (auto firm = FirmIn(request, field)) return firm;
  }
  // An Update call names its resource inside it: UpdateClient's client.name.
  const google::protobuf::Descriptor* type = request.GetDescriptor();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->is_repeated() || field->type() != FieldDescriptor::TYPE_MESSAGE) continue;
    if (!request.GetReflection()->HasField(request, field)) continue;
    if (auto firm = FirmIn(request.GetReflection()->GetMessage(request, field), "name")) {
      return firm;
    }
  }
  return std::nullopt;
}

int64_t CostOf(const Message& request) {
  const google::protobuf::Descriptor* type = request.GetDescriptor();
  const google::protobuf::Reflection* reflection = request.GetReflection();
  int64_t resources = 0;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->is_repeated()) {
      resources = std::max<int64_t>(resources, reflection->FieldSize(request, field));
    } else if (field->name() == "page_size" &&
               field->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
      resources = std::max<int64_t>(resources, reflection->GetInt32(request, field));
    }
  }
  return PageCost(resources);
}

}  // namespace

int64_t PageCost(int64_t resources) {
  // A page is at most storage::kMaxPageSize long whatever page_size asks
  // (AIP-158), and no batch holds more: a bigger number is no more work.
  return 1 + std::min<int64_t>(resources, storage::kMaxPageSize) / kResourcesPerUnit;
}

absl::Status CheckFirmInCell(absl::string_view flow, std::optional<names::Cell> cell) {
  if (!cell.has_value() || !absl::StartsWith(flow, kFirmPrefix)) return absl::OkStatus();
  // Not an id in its one spelling ("firms/-", "firms/007"), or of no cell:
  // the handler's parse or lookup answers it.
  const absl::StatusOr<uint64_t> firm_id =
      names::ParseId("name", flow, flow.substr(kFirmPrefix.size()));
  if (!firm_id.ok() || cell->Holds(*firm_id)) return absl::OkStatus();
  const names::Cell holder = names::Cell::Holding(*firm_id);
  if (holder.id >= names::Cell::kCells) return absl::OkStatus();
  return errors::WithReason(
      absl::StatusCode::kFailedPrecondition, "WRONG_CELL",
      absl::StrCat(flow, " is in ", holder.ToString(), ", and this is ", cell->ToString(),
                   ": call that cell's services"),
      {{"firm", std::string(flow)},
       {"cell", holder.ToString()},
       {"this_cell", cell->ToString()}});
}

CallShare ShareOf(const Message& request, absl::string_view user_id) {
  CallShare share;
  if (std::optional<std::string> firm = FlowOf(request)) {
    share.flow = std::move(*firm);
  } else {
    share.flow = absl::StrCat("users/", user_id);
  }
  share.cost = CostOf(request);
  return share;
}

int64_t UploadCost(size_t bytes) {
  return 1 + static_cast<int64_t>(bytes / kBytesPerUnit);
}

}  // namespace clientbook::server
