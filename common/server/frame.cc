#include "common/server/frame.h"

#include <algorithm>
#include <memory>
#include <system_error>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/server/call_share.h"
#include "common/server/request_checks.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "spdlog/spdlog.h"

namespace clientbook::server {
namespace {

// The niceness of a flood's pages: the kernel gives a thread of nice 10
// about a tenth of the CPU one of nice 0 gets while both want it.
constexpr int kFloodPageNice = 10;

// HTTP/2's accounting (RFC 7540 6.5.2): name, value and 32 bytes an entry.
size_t MetadataBytes(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  size_t bytes = 0;
  for (const auto& [key, value] : metadata) bytes += key.size() + value.size() + 32;
  return bytes;
}

}  // namespace

absl::Status NotAValidRequest(absl::string_view type_name) {
  return errors::WithReason(
      absl::StatusCode::kInvalidArgument, "MALFORMED_REQUEST",
      absl::StrCat("request is not a valid ", type_name,
                   ": its bytes do not parse as that message (a wrong wire type, a "
                   "truncated field, invalid UTF-8 in a string, or nesting past 100 "
                   "levels)"));
}

absl::Status Draining() {
  return absl::UnavailableError(
      "this server is shutting down and takes no new calls: retry (another replica "
      "answers)");
}

Frame::Frame(const auth::Authenticator& authenticator, FrameOptions options)
    : authenticator_(authenticator),
      cell_(options.cell),
      fair_share_(
          options.fair_share,
          [this](std::function<void()> start) { blocking_.Run(std::move(start)); },
          steady_time_),
      stream_slots_(options.streams),
      unsent_(options.unsent),
      blocking_(std::max(options.blocking_threads, options.fair_share.seats)),
      flood_pages_(options.fair_share.seats, kFloodPageNice) {}

Frame::~Frame() {
  absl::MutexLock lock(&threads_mu_);
  for (StreamThread& t : threads_) t.thread.join();
}

Frame::Admission Frame::Admit(const grpc::ServerContextBase& context,
                              const google::protobuf::Message* request) {
  Admission admission{.ticket = gate_.Enter(), .caller = absl::StatusOr<auth::Caller>()};
  if (!admission.ticket) {
    admission.caller = Draining();
    return admission;
  }
  if (size_t bytes = MetadataBytes(context.client_metadata());
      bytes > kMaxRequestMetadataBytes) {
    admission.caller = absl::ResourceExhaustedError(
        absl::StrCat("the call's metadata is ", bytes, " bytes; at most ",
                     kMaxRequestMetadataBytes, " are accepted"));
    return admission;
  }
  admission.caller = authenticator_.Authenticate(context.client_metadata());
  if (admission.caller.ok()) {
    admission.caller->deadline = absl::FromChrono(context.deadline());
    absl::StatusOr<std::string> via = auth::ViaOf(context.client_metadata());
    if (via.ok()) {
      admission.caller->via = *std::move(via);
    } else {
      admission.caller = via.status();
    }
  }
  if (admission.caller.ok()) {
    if (absl::Status s = unsent_.Admit(admission.caller->user_id); !s.ok()) {
      admission.caller = s;
    }
  }
  if (admission.caller.ok() && request != nullptr) {
    admission.share = ShareOf(*request, admission.caller->user_id);
    absl::Status s = CheckKnownEnums(*request);
    if (s.ok()) s = CheckFirmInCell(admission.share.flow, cell_);
    if (!s.ok()) admission.caller = s;
  }
  if (request != nullptr) admission.request_type = request->GetDescriptor();
  return admission;
}

Frame::Admission Frame::AdmitStream(const grpc::ServerContextBase& context,
                                    const google::protobuf::Message* request,
                                    bool counted) {
  Admission admission = Admit(context, request);
  if (counted && admission.caller.ok()) {
    absl::StatusOr<StreamSlots::Slot> slot =
        stream_slots_.Take(admission.caller->user_id);
    if (slot.ok()) {
      admission.stream_slot = *std::move(slot);
    } else {
      admission.caller = slot.status();
    }
  }
  return admission;
}

void Frame::RefuseWhenHeldAreRefused(std::function<void(const grpc::Status&)> finish) {
  gate_.HoldOrRefuse([finish = std::move(finish)] { finish(ToGrpcStatus(Draining())); });
}

grpc::Status Frame::Conclude(const auth::Caller& caller, const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnknown:
      spdlog::error("call by '{}' failed: {}", caller.user_id, status.ToString());
      break;
    default:
      break;
  }
  return ToGrpcStatus(status);
}

bool Frame::AnsweredAtAdmission(const Admission& admission,
                                grpc::ServerUnaryReactor* reactor) {
  if (!admission.ticket) {
    RefuseWhenHeldAreRefused([reactor](const grpc::Status& s) { reactor->Finish(s); });
    return true;
  }
  if (!admission.caller.ok()) {
    reactor->Finish(ToGrpcStatus(admission.caller.status()));
    return true;
  }
  return false;
}

std::function<void()> Frame::Answer(UnaryReactor* reactor,
                                    std::shared_ptr<Admission> admitted,
                                    const google::protobuf::Message* response,
                                    Body body) {
  // The call, its request and response live until Finish(): safe to use there.
  return
      [this, reactor, admitted = std::move(admitted), response, body = std::move(body)] {
        const auth::Caller& caller = *admitted->caller;
        absl::Status status = unsent_.Admit(caller.user_id);
        if (status.ok()) {
          changes::CurrentCall current({admitted->request_type, &caller});
          status = body(caller);
        }
        const grpc::Status mapped = Conclude(caller, status);
        UnsentResponses::Hold answer;
        if (mapped.ok()) {
          answer =
              unsent_.Add(caller.user_id, static_cast<int64_t>(response->ByteSizeLong()));
        }
        reactor->FinishHolding(mapped, std::move(answer));
      };
}

void Frame::WhenSeated(grpc::CallbackServerContext* context, const CallShare& share,
                       bool unary, std::function<void()> run,
                       std::function<void(const grpc::Status&)> finish) {
  // A Unary() body of one resource given a seat at once runs here; a page
  // or a batch runs on the pool, so gRPC's few threads go on reading calls
  // (which then wait in their firm's queue, not in the transport's).
  const bool here = unary && share.cost <= 1;
  const bool page = unary && share.cost > 1;
  absl::StatusOr<std::optional<FairShare::Seat>> entered = fair_share_.Enter(share, [&] {
    return FairShare::Waiter{
        // Started on the blocking pool; a flood's page moves to its own.
        .start =
            [this, page, run](FairShare::Seat seat) {
              if (!page || !seat.backlogged()) return run();
              auto held = std::make_shared<FairShare::Seat>(std::move(seat));
              flood_pages_.Run([run, held] { run(); });
            },
        .abandoned = [context] { return context->IsCancelled(); },
        .drop =
            [finish] {
              finish(grpc::Status(grpc::StatusCode::CANCELLED,
                                  "the caller left while the call waited for its firm's "
                                  "share of the server"));
            }};
  });
  if (!entered.ok()) {
    finish(ToGrpcStatus(entered.status()));
  } else if (entered->has_value() && here) {
    FairShare::Seat seat = std::move(**entered);  // held until the call has finished
    run();
  } else if (entered->has_value()) {
    auto seat = std::make_shared<FairShare::Seat>(std::move(**entered));
    blocking_.Run([run = std::move(run), seat] { run(); });
  }
}

grpc::ServerUnaryReactor* Frame::Seated(grpc::CallbackServerContext* context,
                                        const google::protobuf::Message* request,
                                        const google::protobuf::Message* response,
                                        Body body, bool may_run_here) {
  auto* reactor = new UnaryReactor();
  Admission admission = Admit(*context, request);
  if (AnsweredAtAdmission(admission, reactor)) return reactor;
  const CallShare share = admission.share;
  WhenSeated(context, share, may_run_here,
             Answer(reactor, std::make_shared<Admission>(std::move(admission)), response,
                    std::move(body)),
             [reactor](const grpc::Status& status) { reactor->Finish(status); });
  return reactor;
}

grpc::ServerUnaryReactor* Frame::Unary(grpc::CallbackServerContext* context,
                                       const google::protobuf::Message* request,
                                       const google::protobuf::Message* response,
                                       Body body) {
  return Seated(context, request, response, std::move(body), /*may_run_here=*/true);
}

grpc::ServerUnaryReactor* Frame::Blocking(grpc::CallbackServerContext* context,
                                          const google::protobuf::Message* request,
                                          const google::protobuf::Message* response,
                                          Body body) {
  return Seated(context, request, response, std::move(body), /*may_run_here=*/false);
}

grpc::ServerUnaryReactor* Frame::AsksPeers(grpc::CallbackServerContext* context,
                                           const google::protobuf::Message* request,
                                           const google::protobuf::Message* response,
                                           Body body) {
  auto* reactor = new UnaryReactor();
  Admission admission = Admit(*context, request);
  if (AnsweredAtAdmission(admission, reactor)) return reactor;
  blocking_.Run(Answer(reactor, std::make_shared<Admission>(std::move(admission)),
                       response, std::move(body)));
  return reactor;
}

bool Frame::StartThread(std::function<void()> work) {
  absl::MutexLock lock(&threads_mu_);
  // Join the streams that have ended, so threads never pile up.
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
  auto done = std::make_shared<std::atomic<bool>>(false);
  // std::thread reports a thread the system would not start (the limit on a
  // process's or a pod's threads: EAGAIN) by throwing, which gRPC caught
  // and answered UNKNOWN, leaving the stream's reactor and its call behind.
  try {
    threads_.push_back(StreamThread{.thread = std::thread([work = std::move(work), done] {
                                      work();
                                      done->store(true);
                                    }),
                                    .done = done});
  } catch (const std::system_error&) {
    return false;
  }
  return true;
}

}  // namespace clientbook::server
