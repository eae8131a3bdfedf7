#ifndef CLIENTBOOK_TESTS_SUPPORT_RAW_CALL_H_
#define CLIENTBOOK_TESTS_SUPPORT_RAW_CALL_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

namespace clientbook::testing {

// What a raw call got back: its status and the bytes of each response.
struct RawAnswer {
  grpc::Status status;
  std::vector<std::string> responses;
};

// Calls `method` ("/pkg.Service/Method") with `request` as the bytes of its
// one request message, whatever they are, and `metadata`; reads every
// response. Works for every kind of method: on the wire a unary call is a
// stream of one message each way.
inline RawAnswer RawCall(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& method, const std::string& request,
                         const std::multimap<std::string, std::string>& metadata = {},
                         std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
  class Reactor final
      : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit Reactor(const std::string& request) {
      grpc::Slice slice(request);
      request_ = grpc::ByteBuffer(&slice, 1);
    }
    void Begin() {
      StartWriteLast(&request_, grpc::WriteOptions());
      StartRead(&response_);
      StartCall();
    }
    void OnReadDone(bool ok) override {
      if (!ok) return;
      std::vector<grpc::Slice> slices;
      std::string bytes;
      if (response_.Dump(&slices).ok()) {
        for (const grpc::Slice& s : slices) {
          bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
        }
      }
      answer.responses.push_back(std::move(bytes));
      StartRead(&response_);
    }
    void OnDone(const grpc::Status& status) override {
      answer.status = status;
      done.Notify();
    }

    RawAnswer answer;
    absl::Notification done;

   private:
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };

  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
  Reactor reactor(request);
  stub.PrepareBidiStreamingCall(&context, method, grpc::StubOptions(), &reactor);
  reactor.Begin();
  reactor.done.WaitForNotification();
  return std::move(reactor.answer);
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_RAW_CALL_H_
