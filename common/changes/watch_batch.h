#ifndef CLIENTBOOK_COMMON_CHANGES_WATCH_BATCH_H_
#define CLIENTBOOK_COMMON_CHANGES_WATCH_BATCH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/strings/string_view.h"
#include "clientbook/v1/changes.pb.h"
#include "common/server/unsent_responses.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"

namespace clientbook::changes {

// An event with its bytes as one element of a response's `events`, made
// once for every watcher that sends it: a hundred watchers of a busy firm
// then cost one conversion and one serialization per change, not a hundred
// copies and serializations (README: Change feed).
class EncodedEvent {
 public:
  explicit EncodedEvent(v1::ChangeEvent event) : event_(std::move(event)) {}

  const v1::ChangeEvent& event() const { return event_; }
  // Made at the first call: a ListChanges page copies the event instead.
  absl::string_view bytes() const;

 private:
  v1::ChangeEvent event_;
  mutable absl::once_flag encoded_;
  mutable std::string bytes_;
};

// The events of one WatchChangesResponse, written as bytes.
class WatchBatch {
 public:
  // With at most `max_bytes` of events, or one event of any size.
  explicit WatchBatch(size_t max_bytes = 0) : max_bytes_(max_bytes) {}

  // Adds `event`, or returns false when the batch has no room for it.
  bool Add(std::shared_ptr<const EncodedEvent> event);
  int size() const { return static_cast<int>(events_.size()); }

  // The response of these events with `rest`'s fields: the bytes of two
  // messages of one type, one after the other, parse as their merge.
  grpc::ByteBuffer Encode(const v1::WatchChangesResponse& rest) const;
  // The same bytes as one slice, for a response sent more than once,
  // counted in `room` (resized to them) for as long as any copy of the
  // slice lives: in a batch kept for other watches, or in gRPC until its
  // watcher has read it.
  grpc::Slice EncodeSlice(const v1::WatchChangesResponse& rest,
                          server::UnsentResponses::Hold room = {}) const;

 private:
  const size_t max_bytes_;
  size_t bytes_ = 0;
  std::vector<std::shared_ptr<const EncodedEvent>> events_;
};

// `response` as bytes, for a stream that writes bytes; counted in `room`
// as EncodeSlice does.
grpc::ByteBuffer Encode(const v1::WatchChangesResponse& response,
                        server::UnsentResponses::Hold room = {});
// The response in `response` with `rest`'s fields set too (the last value
// of a field wins); `response`'s bytes are shared, not copied.
grpc::ByteBuffer Encode(const grpc::Slice& response,
                        const v1::WatchChangesResponse& rest);

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_WATCH_BATCH_H_
