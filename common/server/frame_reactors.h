// The reactors behind Frame::Stream and Frame::Upload; included by frame.h.
#ifndef CLIENTBOOK_COMMON_SERVER_FRAME_REACTORS_H_
#define CLIENTBOOK_COMMON_SERVER_FRAME_REACTORS_H_

#include "common/server/call_share.h"
#include "common/server/request_checks.h"
#include "common/server/status_mapping.h"
#include "grpcpp/impl/codegen/proto_utils.h"

namespace clientbook::server {

// A unary call's reactor: its answer stays counted among the unsent
// (UnsentResponses) until gRPC is done with the call, its bytes sent or its
// caller gone.
class Frame::UnaryReactor final : public grpc::ServerUnaryReactor {
 public:
  void FinishHolding(const grpc::Status& status, UnsentResponses::Hold answer) {
    answer_ = std::move(answer);
    Finish(status);
  }
  void OnDone() override { delete this; }
  // gRPC runs the OnDone() of a reactor it may not inline on its executor,
  // a thread switch a call (GetClient from 16 callers: 25,200 -> 20,600 a
  // second). This one's is trivial, as is that of the reactor gRPC gives
  // by default, which says so the same way.
  bool InternalInlineable() override { return true; }

 private:
  UnsentResponses::Hold answer_;
};

// Runs a stream's body on its own thread, one message in flight at a time.
template <typename Response>
class Frame::WriteReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  WriteReactor(Admission admission, StreamBody<Response> body)
      : admission_(std::move(admission)), body_(std::move(body)) {}

  void Run() {
    absl::Status status;
    {
      changes::CurrentCall current({admission_.request_type, &*admission_.caller});
      status = body_(*admission_.caller,
                     [this](const Response& message) { return Write(message); });
    }
    if (!AwaitWritten() && status.ok()) {
      status = absl::CancelledError("the caller left before the last message was sent");
    }
    const grpc::Status mapped = Conclude(*admission_.caller, status);
    admission_.Release();
    // OnDone() may delete this from here on.
    this->Finish(mapped);
  }

  // Answers a call the frame did not admit.
  void Refuse(const grpc::Status& status) {
    admission_.Release();
    this->Finish(status);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    write_ok_ = ok;
    writing_ = false;
  }
  void OnDone() override { delete this; }

 private:
  // Hands `message` to gRPC once the last one is sent, and returns without
  // waiting for it: the body makes its next message while this one goes
  // out, and a stream that writes often (a watch) costs no thread switch a
  // message. False once a write failed (the caller has gone).
  bool Write(const Response& message) {
    if (!AwaitWritten()) return false;
    {
      absl::MutexLock lock(&mu_);
      writing_ = true;
    }
    sending_ = message;
    // Not under mu_: gRPC may call OnWriteDone before StartWrite returns.
    this->StartWrite(&sending_);
    return true;
  }

  // Waits for the message in flight, if any; whether it was sent.
  bool AwaitWritten() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](bool* writing) { return !*writing; }, &writing_));
    return write_ok_;
  }

  Admission admission_;
  StreamBody<Response> body_;
  Response sending_;  // the message in flight, kept until it is sent
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool write_ok_ ABSL_GUARDED_BY(mu_) = true;
};

template <typename Response>
grpc::ServerWriteReactor<Response>* Frame::Stream(
    grpc::CallbackServerContext* context, const google::protobuf::Message* request,
    StreamBody<Response> body) {
  return OpenStream<Response>(context, request, std::move(body), /*counted=*/true);
}

template <typename Response>
grpc::ServerWriteReactor<Response>* Frame::OpenStream(
    grpc::CallbackServerContext* context, const google::protobuf::Message* request,
    StreamBody<Response> body, bool counted) {
  Admission admission = AdmitStream(*context, request, counted);
  if (!admission.caller.ok()) {
    const bool admitted = static_cast<bool>(admission.ticket);
    const grpc::Status status = ToGrpcStatus(admission.caller.status());
    auto* refused = new WriteReactor<Response>(std::move(admission), nullptr);
    if (admitted) {
      refused->Refuse(status);
    } else {
      RefuseWhenHeldAreRefused([refused](const grpc::Status& s) { refused->Refuse(s); });
    }
    return refused;
  }
  auto* reactor = new WriteReactor<Response>(std::move(admission), std::move(body));
  if (!StartThread([reactor] { reactor->Run(); })) {
    reactor->Refuse(ToGrpcStatus(stream_slots_.RefuseForWantOfThread()));
  }
  return reactor;
}

template <typename Request>
grpc::ServerWriteReactor<grpc::ByteBuffer>* Frame::StreamBytes(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    BytesStreamBody<Request> body) {
  auto parsed = std::make_shared<Request>();
  grpc::ByteBuffer bytes(*request);  // parsing consumes its buffer
  if (!grpc::SerializationTraits<Request>::Deserialize(&bytes, parsed.get()).ok()) {
    return OpenStream<grpc::ByteBuffer>(
        context, nullptr,
        [](const auth::Caller&, const auto&) {
          return NotAValidRequest(Request::descriptor()->full_name());
        },
        /*counted=*/false);
  }
  return OpenStream<grpc::ByteBuffer>(
      context, parsed.get(),
      [parsed, body = std::move(body)](
          const auth::Caller& caller,
          const std::function<bool(const grpc::ByteBuffer&)>& write) {
        return body(*parsed, caller, write);
      },
      /*counted=*/false);
}

// Reads a client stream as bytes, parses each message itself, then answers
// from the blocking pool.
template <typename Request, typename Response>
class Frame::ReadReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  ReadReactor(Frame& frame, grpc::CallbackServerContext* context, Admission admission,
              grpc::ByteBuffer* response,
              std::function<absl::Status(const Request&)> take,
              std::function<absl::StatusOr<Response>(const auth::Caller&)> finish)
      : frame_(frame),
        context_(context),
        admission_(std::move(admission)),
        response_(response),
        take_(std::move(take)),
        finish_(std::move(finish)) {}

  void Start() {
    if (!admission_.ticket) {
      frame_.RefuseWhenHeldAreRefused([this](const grpc::Status& s) { End(s); });
    } else if (!admission_.caller.ok()) {
      End(ToGrpcStatus(admission_.caller.status()));
    } else {
      // The response's headers go at once: the caller knows its stream was
      // admitted (has its place among the open streams) and is being read.
      StartSendInitialMetadata();
      StartRead(&buffer_);
    }
  }

  void OnReadDone(bool ok) override {
    if (!ok && context_->IsCancelled()) {  // gone mid-stream: nothing to act on
      End(grpc::Status::CANCELLED);
      return;
    }
    if (!ok) {  // the caller has sent everything
      frame_.WhenSeated(
          context_, CallShare{.flow = flow_, .cost = UploadCost(bytes_)}, /*unary=*/false,
          [this] { Complete(); }, [this](const grpc::Status& status) { End(status); });
      return;
    }
    Request message;
    absl::Status status;
    bytes_ += buffer_.Length();
    if (!grpc::SerializationTraits<Request>::Deserialize(&buffer_, &message).ok()) {
      status = NotAValidRequest(Request::descriptor()->full_name());
    } else {
      if (flow_.empty()) {
        flow_ = ShareOf(message, admission_.caller->user_id).flow;
        status = CheckFirmInCell(flow_, frame_.cell_);
      }
      if (status.ok()) status = CheckKnownEnums(message);
      if (status.ok()) status = take_(message);
    }
    if (!status.ok()) {
      End(Conclude(*admission_.caller, status));
    } else {
      StartRead(&buffer_);
    }
  }
  void OnDone() override { delete this; }

 private:
  void Complete() {
    absl::StatusOr<Response> response = [this] {
      changes::CurrentCall current({Request::descriptor(), &*admission_.caller});
      return finish_(*admission_.caller);
    }();
    if (!response.ok()) {
      End(Conclude(*admission_.caller, response.status()));
      return;
    }
    bool own_buffer = false;
    grpc::Status serialized =
        grpc::SerializationTraits<Response>::Serialize(*response, response_, &own_buffer);
    End(serialized);
  }

  void End(const grpc::Status& status) {
    admission_.Release();
    Finish(status);
  }

  Frame& frame_;
  grpc::CallbackServerContext* context_;
  Admission admission_;
  grpc::ByteBuffer* response_;
  std::function<absl::Status(const Request&)> take_;
  std::function<absl::StatusOr<Response>(const auth::Caller&)> finish_;
  grpc::ByteBuffer buffer_;
  // Whose upload it is (from its first message) and how large: the share
  // its import takes.
  std::string flow_;
  size_t bytes_ = 0;
};

template <typename Request, typename Response>
grpc::ServerReadReactor<grpc::ByteBuffer>* Frame::Upload(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response,
    std::function<absl::Status(const Request&)> take,
    std::function<absl::StatusOr<Response>(const auth::Caller&)> finish) {
  auto* reactor = new ReadReactor<Request, Response>(
      *this, context, AdmitStream(*context, nullptr, /*counted=*/true), response,
      std::move(take), std::move(finish));
  reactor->Start();
  return reactor;
}

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_FRAME_REACTORS_H_
