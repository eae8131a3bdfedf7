#include "common/changes/watch_batch.h"

#include <cstring>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpc/slice.h"
#include "grpcpp/support/slice.h"

namespace clientbook::changes {
namespace {

using google::protobuf::internal::WireFormatLite;

// Copies `bytes` to `at`; returns where they end.
uint8_t* Append(uint8_t* at, absl::string_view bytes) {
  std::memcpy(at, bytes.data(), bytes.size());
  return at + bytes.size();
}

}  // namespace

absl::string_view EncodedEvent::bytes() const {
  absl::call_once(encoded_, [this] {
    google::protobuf::io::StringOutputStream out(&bytes_);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.WriteTag(WireFormatLite::MakeTag(v1::WatchChangesResponse::kEventsFieldNumber,
                                           WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    coded.WriteVarint32(static_cast<uint32_t>(event_.ByteSizeLong()));
    event_.SerializeWithCachedSizes(&coded);
  });
  return bytes_;
}

bool WatchBatch::Add(std::shared_ptr<const EncodedEvent> event) {
  const size_t size = event->bytes().size();
  if (!events_.empty() && bytes_ + size > max_bytes_) return false;
  bytes_ += size;
  events_.push_back(std::move(event));
  return true;
}

grpc::Slice WatchBatch::EncodeSlice(const v1::WatchChangesResponse& rest) const {
  const std::string tail = rest.SerializeAsString();
  grpc_slice slice = grpc_slice_malloc(bytes_ + tail.size());
  uint8_t* at = GRPC_SLICE_START_PTR(slice);
  for (const auto& event : events_) at = Append(at, event->bytes());
  Append(at, tail);
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

grpc::ByteBuffer WatchBatch::Encode(const v1::WatchChangesResponse& rest) const {
  grpc::Slice slice = EncodeSlice(rest);
  return grpc::ByteBuffer(&slice, 1);
}

grpc::ByteBuffer Encode(const v1::WatchChangesResponse& response) {
  return WatchBatch().Encode(response);
}

grpc::ByteBuffer Encode(const grpc::Slice& response,
                        const v1::WatchChangesResponse& rest) {
  const grpc::Slice slices[] = {response, grpc::Slice(rest.SerializeAsString())};
  return grpc::ByteBuffer(slices, 2);
}

}  // namespace clientbook::changes
