#include "common/changes/watch_batch.h"

#include <cstring>
#include <memory>

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

// A slice's bytes and the hold that counts them, let go together when the
// slice's last reference is.
struct HeldBytes {
  std::unique_ptr<uint8_t[]> bytes;
  server::UnsentResponses::Hold hold;
};

// A slice of `size` bytes for the caller to fill, counted in `hold`.
grpc_slice HeldSlice(size_t size, server::UnsentResponses::Hold hold) {
  hold.Resize(static_cast<int64_t>(size));
  auto* held = new HeldBytes{std::make_unique<uint8_t[]>(size), std::move(hold)};
  return grpc_slice_new_with_user_data(
      held->bytes.get(), size, [](void* p) { delete static_cast<HeldBytes*>(p); }, held);
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

grpc::Slice WatchBatch::EncodeSlice(const v1::WatchChangesResponse& rest,
                                    server::UnsentResponses::Hold room) const {
  const std::string tail = rest.SerializeAsString();
  grpc_slice slice = HeldSlice(bytes_ + tail.size(), std::move(room));
  uint8_t* at = GRPC_SLICE_START_PTR(slice);
  for (const auto& event : events_) at = Append(at, event->bytes());
  Append(at, tail);
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

grpc::ByteBuffer WatchBatch::Encode(const v1::WatchChangesResponse& rest) const {
  grpc::Slice slice = EncodeSlice(rest);
  return grpc::ByteBuffer(&slice, 1);
}

grpc::ByteBuffer Encode(const v1::WatchChangesResponse& response,
                        server::UnsentResponses::Hold room) {
  grpc_slice slice = HeldSlice(response.ByteSizeLong(), std::move(room));
  response.SerializeWithCachedSizesToArray(GRPC_SLICE_START_PTR(slice));
  grpc::Slice owned(slice, grpc::Slice::STEAL_REF);
  return grpc::ByteBuffer(&owned, 1);
}

grpc::ByteBuffer Encode(const grpc::Slice& response,
                        const v1::WatchChangesResponse& rest) {
  const grpc::Slice slices[] = {response, grpc::Slice(rest.SerializeAsString())};
  return grpc::ByteBuffer(slices, 2);
}

}  // namespace clientbook::changes
