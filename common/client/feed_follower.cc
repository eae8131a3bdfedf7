#include "common/client/feed_follower.h"

#include "common/client/outgoing_call.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"

namespace clientbook::client {
namespace {

constexpr int kPageSize = 1000;
constexpr char kAllFirms[] = "firms/-";

}  // namespace

FeedFollower::FeedFollower(std::shared_ptr<grpc::Channel> channel, auth::Caller service,
                           Options options, Consumer& consumer)
    : stub_(v1::ChangeService::NewStub(std::move(channel))),
      service_(std::move(service)),
      options_(std::move(options)),
      consumer_(consumer) {}

FeedFollower::~FeedFollower() {
  {
    absl::MutexLock lock(&mu_);
    stopping_.Notify();
    if (calling_ != nullptr) calling_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

void FeedFollower::Start() {
  thread_ = std::thread([this] { Run(); });
}

bool FeedFollower::SetCalling(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  calling_ = context;
  return !stopping_.HasBeenNotified();
}

std::unique_ptr<grpc::ClientContext> FeedFollower::NewContext(bool streaming) const {
  auto context = std::make_unique<grpc::ClientContext>();
  for (const auto& [key, value] : service_.credentials) context->AddMetadata(key, value);
  // The service may be starting, or restarting: wait for it.
  context->set_wait_for_ready(true);
  if (!streaming) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }
  return context;
}

absl::Status FeedFollower::Apply(
    const google::protobuf::RepeatedPtrField<v1::ChangeEvent>& events,
    const std::string& token) {
  if (absl::Status s = consumer_.Apply(events, token); !s.ok()) return s;
  if (!events.empty() && events.rbegin()->type() == v1::ChangeEvent::EXISTS) {
    return absl::OkStatus();  // a snapshot's state: its age is no lag
  }
  if (!events.empty()) {
    const absl::Time committed =
        absl::FromUnixMicros(google::protobuf::util::TimeUtil::TimestampToMicroseconds(
            events.rbegin()->commit_time()));
    lag_us_ = absl::ToInt64Microseconds(absl::Now() - committed);
  } else {
    lag_us_ = 0;  // a progress message: nothing is waiting
  }
  return absl::OkStatus();
}

absl::Status FeedFollower::RestartIfRefused(const absl::Status& status) {
  const std::optional<std::string> reason = errors::ReasonOf(status);
  if (status.code() != absl::StatusCode::kFailedPrecondition ||
      (reason != "RESUME_TOKEN_EXPIRED" && reason != "STORE_EPOCH_CHANGED")) {
    return status;
  }
  spdlog::warn("{}: {}; following again from the start", options_.peer,
               status.ToString());
  return consumer_.Restart(reason == "RESUME_TOKEN_EXPIRED" ? StartOver::kPastRetention
                                                            : StartOver::kNewEpoch);
}

absl::Status FeedFollower::CatchUp() {
  while (!stopping_.HasBeenNotified()) {
    absl::StatusOr<std::string> token = consumer_.Position();
    if (!token.ok()) return token.status();
    // A snapshot consumer with no position begins with the snapshot watch.
    if (options_.snapshot && token->empty()) return absl::OkStatus();
    v1::ListChangesRequest request;
    request.set_parent(kAllFirms);
    request.set_filter(options_.filter);
    request.set_resume_token(*token);
    request.set_page_size(kPageSize);
    v1::ListChangesResponse page;
    std::unique_ptr<grpc::ClientContext> context = NewContext(false);
    if (!SetCalling(context.get())) break;
    absl::Status listed =
        FromCall(stub_->ListChanges(context.get(), request, &page), options_.peer);
    SetCalling(nullptr);
    if (!listed.ok()) {
      if (absl::Status s = RestartIfRefused(listed); !s.ok()) return s;
      continue;
    }
    if (absl::Status s = Apply(page.events(), page.resume_token()); !s.ok()) return s;
    if (page.caught_up()) return absl::OkStatus();
  }
  return absl::CancelledError("stopping");
}

absl::Status FeedFollower::Watch() {
  absl::StatusOr<std::string> token = consumer_.Position();
  if (!token.ok()) return token.status();
  v1::WatchChangesRequest request;
  request.set_parent(kAllFirms);
  request.set_filter(options_.filter);
  request.set_resume_token(*token);
  if (options_.snapshot && token->empty()) {
    // What a broken-off snapshot left is dropped: this one rebuilds it all.
    if (absl::Status s = consumer_.Restart(StartOver::kSnapshot); !s.ok()) return s;
    request.set_start(v1::WatchChangesRequest::SNAPSHOT);
  }
  std::unique_ptr<grpc::ClientContext> context = NewContext(true);
  if (!SetCalling(context.get())) return absl::CancelledError("stopping");
  auto stream = stub_->WatchChanges(context.get(), request);
  v1::WatchChangesResponse response;
  absl::Status applied;
  while (applied.ok() && stream->Read(&response)) {
    applied = Apply(response.events(), response.resume_token());
  }
  if (!applied.ok()) context->TryCancel();
  absl::Status finished = FromCall(stream->Finish(), options_.peer);
  SetCalling(nullptr);
  if (!applied.ok()) return applied;
  return RestartIfRefused(finished);
}

void FeedFollower::Run() {
  while (!stopping_.HasBeenNotified()) {
    absl::Status status = CatchUp();
    if (status.ok()) status = Watch();
    if (stopping_.HasBeenNotified()) return;
    // A watch ends normally after --max_watch_duration or a drain: go on at
    // once; wait only after a failure.
    if (!status.ok() && status.code() != absl::StatusCode::kUnavailable) {
      spdlog::warn("{}: {}", options_.peer, status.ToString());
    }
    if (!status.ok()) stopping_.WaitForNotificationWithTimeout(options_.retry);
  }
}

}  // namespace clientbook::client
