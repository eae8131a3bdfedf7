#ifndef CLIENTBOOK_COMMON_SERVER_FRAME_H_
#define CLIENTBOOK_COMMON_SERVER_FRAME_H_

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/authenticator.h"
#include "common/changes/current_call.h"
#include "common/names/cell.h"
#include "common/server/blocking_pool.h"
#include "common/server/call_gate.h"
#include "common/server/fair_share.h"
#include "common/server/stream_slots.h"
#include "common/server/unsent_responses.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"

namespace clientbook::server {

// The most request metadata one call may carry: gRPC's own default limit.
// Larger is refused RESOURCE_EXHAUSTED by the frame for that call alone; the
// transport's limit (server.cc) sits far above it, so the connection that
// carried it, and every other call on it, lives on.
inline constexpr size_t kMaxRequestMetadataBytes = 8 * 1024;

struct FrameOptions {
  // Threads for Blocking(), AsksPeers() and Upload() bodies, and for calls
  // that waited for a seat; at least fair_share.seats.
  int blocking_threads = 16;
  FairShareOptions fair_share;
  // Streams other than change watches open at once.
  StreamLimits streams;
  // Bytes of unary answers held for callers that do not read them.
  UnsentLimits unsent;
  // The cell served: a call naming a firm of another is refused WRONG_CELL.
  // None for a service in front of every cell.
  std::optional<names::Cell> cell = names::Cell{0};
};

// The frame every call of every Clientbook service passes through, on gRPC's
// callback API: admits it (refused UNAVAILABLE once the server drains),
// refuses oversized metadata, proves the caller, refuses a caller holding
// too many answers it has not read (UnsentResponses), refuses enum numbers the
// contract does not define, refuses a firm of another cell (WRONG_CELL),
// gives it its firm's fair share of the server
// (FairShare: a call may wait for a seat, or be refused RESOURCE_EXHAUSTED),
// runs the handler's body, logs server-side faults and maps the status to
// gRPC once. A handler is parse -> domain -> respond.
class Frame {
 public:
  using Body = std::function<absl::Status(const auth::Caller& caller)>;

  explicit Frame(const auth::Authenticator& authenticator, FrameOptions options = {});
  ~Frame();

  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

  // A unary call answered on gRPC's own thread when it reads one resource
  // and its firm is given a seat at once (else from the pool): for bodies
  // that never wait on a lock held across I/O or on another service. Like
  // every body, it may run after the handler has returned: it captures the
  // request and response pointers (alive until the call finishes), never
  // the handler's locals. `response` is counted among the unsent answers
  // until gRPC has sent it.
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context,
                                  const google::protobuf::Message* request,
                                  const google::protobuf::Message* response, Body body);

  // A unary call whose body takes locks, syncs to disk or waits on another
  // service: it runs on the frame's blocking pool, never on gRPC's threads.
  grpc::ServerUnaryReactor* Blocking(grpc::CallbackServerContext* context,
                                     const google::protobuf::Message* request,
                                     const google::protobuf::Message* response,
                                     Body body);

  // A unary call whose body waits on a service that may call this one back
  // (the directory's DeleteClient asks billing, which asks the directory who
  // the caller is): it runs on the pool holding no seat, so its wait never
  // holds the seats the call back needs. The call back has its fair share.
  grpc::ServerUnaryReactor* AsksPeers(grpc::CallbackServerContext* context,
                                      const google::protobuf::Message* request,
                                      const google::protobuf::Message* response,
                                      Body body);

  // A server stream: `body` runs on a thread of its own (a stream may last
  // as long as its caller watches) and writes with `write`, which waits for
  // the last message to be sent, hands this one to gRPC and returns (one
  // message in flight, one being made), and is false once the caller has
  // gone. It counts among the open streams (StreamSlots): past their bounds
  // it is refused RESOURCE_EXHAUSTED.
  template <typename Response>
  using StreamBody = std::function<absl::Status(
      const auth::Caller& caller, const std::function<bool(const Response&)>& write)>;
  template <typename Response>
  grpc::ServerWriteReactor<Response>* Stream(grpc::CallbackServerContext* context,
                                             const google::protobuf::Message* request,
                                             StreamBody<Response> body);

  // A server stream of a raw method, whose responses go as bytes (a watch
  // serializes an event once for all its watchers): the request is parsed
  // here, refused INVALID_ARGUMENT naming its type when it does not parse;
  // then as Stream, but not counted among the open streams: the change
  // service bounds its watches itself (--max_watchers).
  template <typename Request>
  using BytesStreamBody = std::function<absl::Status(
      const Request& request, const auth::Caller& caller,
      const std::function<bool(const grpc::ByteBuffer&)>& write)>;
  template <typename Request>
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamBytes(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      BytesStreamBody<Request> body);

  // A client stream of `Request`s read as raw bytes, so a message that does
  // not parse is refused INVALID_ARGUMENT naming its type (gRPC's typed
  // reader would end the stream as if the client had finished). `take` sees
  // each message and may refuse it (ending the call); `finish` then runs on
  // the blocking pool and its response is sent. It counts among the open
  // streams, as Stream does.
  template <typename Request, typename Response>
  grpc::ServerReadReactor<grpc::ByteBuffer>* Upload(
      grpc::CallbackServerContext* context, grpc::ByteBuffer* response,
      std::function<absl::Status(const Request&)> take,
      std::function<absl::StatusOr<Response>(const auth::Caller&)> finish);

  // The drain's end: new calls are held from now on, and refused
  // UNAVAILABLE once RefuseHeld() is called (see CallGate).
  void Close() { gate_.Close(); }
  // Once the gRPC server has begun its own shutdown (its GOAWAY sent).
  void RefuseHeld() { gate_.RefuseHeld(); }
  // Waits for the calls already admitted, at most until `deadline`; returns
  // how many were still running.
  int64_t AwaitIdle(absl::Time deadline) { return gate_.AwaitIdle(deadline); }
  // See CallGate::AwaitQuiet.
  void AwaitQuiet(absl::Duration quiet, absl::Time deadline) {
    gate_.AwaitQuiet(quiet, deadline);
  }
  int64_t InFlight() { return gate_.InFlight(); }
  // True from the drain's end: a stream that could last (a watch) ends
  // itself with Draining(), which its caller retries, rather than being
  // waited for through the grace and then cancelled.
  bool Closing() { return gate_.Closed(); }

  const auth::Authenticator& authenticator() const { return authenticator_; }
  FairShare& fair_share() { return fair_share_; }
  const StreamSlots& stream_slots() const { return stream_slots_; }
  const UnsentResponses& unsent_responses() const { return unsent_; }

 private:
  class UnaryReactor;
  template <typename Response>
  class WriteReactor;
  template <typename Request, typename Response>
  class ReadReactor;

  // A call let in (its ticket held until it ends) and who makes it; or,
  // with an empty ticket or an error, why it is refused.
  struct Admission {
    CallGate::Ticket ticket;
    absl::StatusOr<auth::Caller> caller;
    // Its method's request type, for the change records of its writes.
    const google::protobuf::Descriptor* request_type = nullptr;
    // Its firm and weight, read from the request (none for a client
    // stream, whose reactor reads them from its first message).
    CallShare share;
    // A stream's place among those open (none for a unary call or a watch).
    StreamSlots::Slot stream_slot;

    // The call has ended: the gate and the stream bounds count it no more.
    void Release() {
      ticket = CallGate::Ticket();
      stream_slot = StreamSlots::Slot();
    }
  };
  struct StreamThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  // Admission, metadata size, identity, unsent answers and enum checks.
  Admission Admit(const grpc::ServerContextBase& context,
                  const google::protobuf::Message* request);
  // Admit(), and a place among the open streams (StreamSlots) when
  // `counted`: every stream but a change watch, which the change service
  // bounds itself (--max_watchers).
  Admission AdmitStream(const grpc::ServerContextBase& context,
                        const google::protobuf::Message* request, bool counted);
  template <typename Response>
  grpc::ServerWriteReactor<Response>* OpenStream(grpc::CallbackServerContext* context,
                                                 const google::protobuf::Message* request,
                                                 StreamBody<Response> body, bool counted);
  // True when `admission` refused the call, which `reactor` then answers.
  bool AnsweredAtAdmission(const Admission& admission, grpc::ServerUnaryReactor* reactor);
  // Answers a call the gate did not admit with `finish(UNAVAILABLE)`, when
  // the gate refuses held calls.
  void RefuseWhenHeldAreRefused(std::function<void(const grpc::Status&)> finish);
  // Logs a server-side fault and maps `status` to gRPC, once.
  static grpc::Status Conclude(const auth::Caller& caller, const absl::Status& status);
  // Starts `work` on a thread of its own, joined before the frame goes;
  // false if the system would not start one.
  bool StartThread(std::function<void()> work);
  // Runs `run` once the call of `context` has its seat: at once (on this
  // thread for a `unary` body of one resource, else on the pool), or from
  // the pool once it waited for one (a `unary` body of many that is a
  // flood's page: from flood_pages_). `finish` answers it instead when it is
  // refused, or when its caller left while it waited.
  void WhenSeated(grpc::CallbackServerContext* context, const CallShare& share,
                  bool unary, std::function<void()> run,
                  std::function<void(const grpc::Status&)> finish);
  // A unary call given its firm's share: Unary() and Blocking().
  grpc::ServerUnaryReactor* Seated(grpc::CallbackServerContext* context,
                                   const google::protobuf::Message* request,
                                   const google::protobuf::Message* response, Body body,
                                   bool may_run_here);
  // Answers a unary call by running `body` and finishing with its status,
  // its `response` counted until sent; refused instead when its caller's
  // unsent answers grew past their bound while it waited.
  std::function<void()> Answer(UnaryReactor* reactor, std::shared_ptr<Admission> admitted,
                               const google::protobuf::Message* response, Body body);

  const auth::Authenticator& authenticator_;
  const std::optional<names::Cell> cell_;
  CallGate gate_;
  // For the fair share's rates and waits: real time even under a fake
  // service clock, and steady across a wall clock stepped back.
  SteadyClock steady_time_;
  FairShare fair_share_;
  StreamSlots stream_slots_;
  UnsentResponses unsent_;
  BlockingPool blocking_;
  // A flood's pages (reads of many resources, of a firm with more calls
  // waiting behind them while another firm calls) run at a lower priority:
  // while the cores are full, the kernel runs the other firm's calls first,
  // so the flood costs them less than its seats alone would. Writes take
  // locks others wait for, and a read of one resource costs less than the
  // move to another thread would save, so they keep their priority.
  BlockingPool flood_pages_;
  absl::Mutex threads_mu_;
  std::list<StreamThread> threads_ ABSL_GUARDED_BY(threads_mu_);
};

// INVALID_ARGUMENT for bytes that are not a valid message of `type_name`.
absl::Status NotAValidRequest(absl::string_view type_name);

// The frame's status for a call refused at admission (draining).
absl::Status Draining();

}  // namespace clientbook::server

#include "common/server/frame_reactors.h"  // IWYU pragma: export

#endif  // CLIENTBOOK_COMMON_SERVER_FRAME_H_
