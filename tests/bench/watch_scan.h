// What the load client's watchers measure of a WatchChangesResponse, read
// straight off its bytes: a full parse of every event would make the
// watchers' process, on the same cores as the server, cost more than the
// server's fan-out the figure is about.
#ifndef CLIENTBOOK_TESTS_BENCH_WATCH_SCAN_H_
#define CLIENTBOOK_TESTS_BENCH_WATCH_SCAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "clientbook/v1/changes.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/support/byte_buffer.h"

namespace clientbook::bench {

struct ScannedResponse {
  bool has_token = false;
  bool snapshot_complete = false;
  int events = 0;
  // The commit time of each event that has one (a SNAPSHOT's EXISTS
  // events have none), in microseconds since the epoch.
  std::vector<int64_t> commit_us;
};

// False when `buffer` is not a WatchChangesResponse.
inline bool ScanWatchResponse(const grpc::ByteBuffer& buffer, ScannedResponse& out) {
  using google::protobuf::internal::WireFormatLite;
  using Response = v1::WatchChangesResponse;
  grpc::Slice slice;
  if (!buffer.TrySingleSlice(&slice).ok() && !buffer.DumpToSingleSlice(&slice).ok()) {
    return false;
  }
  google::protobuf::io::CodedInputStream in(slice.begin(),
                                            static_cast<int>(slice.size()));
  out = ScannedResponse();
  while (const uint32_t tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    uint32_t length = 0;
    if (field == Response::kEventsFieldNumber && in.ReadVarint32(&length)) {
      const auto event = in.PushLimit(static_cast<int>(length));
      ++out.events;
      while (const uint32_t inner = in.ReadTag()) {
        google::protobuf::Timestamp time;
        if (WireFormatLite::GetTagFieldNumber(inner) ==
            v1::ChangeEvent::kCommitTimeFieldNumber) {
          if (!WireFormatLite::ReadMessage(&in, &time)) return false;
          out.commit_us.push_back(time.seconds() * 1'000'000 + time.nanos() / 1000);
        } else if (!WireFormatLite::SkipField(&in, inner)) {
          return false;
        }
      }
      in.PopLimit(event);
    } else if (field == Response::kResumeTokenFieldNumber && in.ReadVarint32(&length)) {
      out.has_token = length > 0;
      if (!in.Skip(static_cast<int>(length))) return false;
    } else if (field == Response::kSnapshotCompleteFieldNumber) {
      uint64_t value = 0;
      if (!in.ReadVarint64(&value)) return false;
      out.snapshot_complete = value != 0;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  return in.ConsumedEntireMessage();
}

}  // namespace clientbook::bench

#endif  // CLIENTBOOK_TESTS_BENCH_WATCH_SCAN_H_
