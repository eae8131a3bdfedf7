#include "services/billing/api/directory_feed.h"

#include "absl/strings/str_cat.h"
#include "common/client/outgoing_call.h"
#include "common/names/names.h"
#include "common/server/metrics.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"

namespace clientbook::billing {
namespace {

constexpr int kPageSize = 1000;

bool TakesTheClientAway(const v1::ChangeEvent& event) {
  return event.type() == v1::ChangeEvent::DELETED ||
         event.type() == v1::ChangeEvent::MERGED;
}

}  // namespace

DirectoryFeed::DirectoryFeed(std::shared_ptr<grpc::Channel> directory,
                             auth::Caller service, Billing& billing, BillingStore& store,
                             absl::Duration retry)
    : stub_(v1::ChangeService::NewStub(std::move(directory))),
      service_(std::move(service)),
      billing_(billing),
      store_(store),
      retry_(retry) {}

DirectoryFeed::~DirectoryFeed() {
  {
    absl::MutexLock lock(&mu_);
    stopping_.Notify();
    if (calling_ != nullptr) calling_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

void DirectoryFeed::Start() {
  thread_ = std::thread([this] { Run(); });
}

bool DirectoryFeed::SetCalling(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  calling_ = context;
  return !stopping_.HasBeenNotified();
}

std::unique_ptr<grpc::ClientContext> DirectoryFeed::NewContext(bool streaming) const {
  auto context = std::make_unique<grpc::ClientContext>();
  for (const auto& [key, value] : service_.credentials) context->AddMetadata(key, value);
  // The directory may be starting, or restarting: wait for it.
  context->set_wait_for_ready(true);
  if (!streaming) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }
  return context;
}

absl::Status DirectoryFeed::Apply(
    const google::protobuf::RepeatedPtrField<v1::ChangeEvent>& events,
    const std::string& token) {
  for (const v1::ChangeEvent& event : events) {
    if (!TakesTheClientAway(event)) continue;
    absl::StatusOr<names::ClientName> client =
        names::ClientName::Parse("name", event.name());
    if (!client.ok()) continue;  // not a client of a firm: nothing billing holds
    absl::StatusOr<bool> detached =
        billing_.ClientGone(client->firm_id, client->company_id, event.sequence());
    if (!detached.ok()) return detached.status();
    if (*detached) ++detached_;
  }
  if (!events.empty()) {
    const absl::Time committed =
        absl::FromUnixMicros(google::protobuf::util::TimeUtil::TimestampToMicroseconds(
            events.rbegin()->commit_time()));
    lag_us_ = absl::ToInt64Microseconds(absl::Now() - committed);
  } else {
    lag_us_ = 0;  // a progress message: nothing is waiting
  }
  return store_.PutFeedPosition(kFeed, token);
}

absl::Status DirectoryFeed::ForgetPositionIfRefused(const absl::Status& status) {
  const std::optional<std::string> reason = errors::ReasonOf(status);
  if (status.code() != absl::StatusCode::kFailedPrecondition ||
      (reason != "RESUME_TOKEN_EXPIRED" && reason != "STORE_EPOCH_CHANGED")) {
    return status;
  }
  spdlog::warn("directory change feed: {}; following again from its oldest change",
               status.ToString());
  return store_.PutFeedPosition(kFeed, "");
}

absl::Status DirectoryFeed::CatchUp() {
  while (!stopping_.HasBeenNotified()) {
    absl::StatusOr<std::string> token = store_.GetFeedPosition(kFeed);
    if (!token.ok()) return token.status();
    v1::ListChangesRequest request;
    request.set_parent("firms/-");
    request.set_filter(kClientsOnly);
    request.set_resume_token(*token);
    request.set_page_size(kPageSize);
    v1::ListChangesResponse page;
    std::unique_ptr<grpc::ClientContext> context = NewContext(false);
    if (!SetCalling(context.get())) break;
    absl::Status listed =
        client::FromCall(stub_->ListChanges(context.get(), request, &page), kPeer);
    SetCalling(nullptr);
    if (!listed.ok()) {
      if (absl::Status s = ForgetPositionIfRefused(listed); !s.ok()) return s;
      continue;
    }
    if (absl::Status s = Apply(page.events(), page.resume_token()); !s.ok()) return s;
    if (page.events().empty()) return absl::OkStatus();
  }
  return absl::CancelledError("stopping");
}

absl::Status DirectoryFeed::Watch() {
  absl::StatusOr<std::string> token = store_.GetFeedPosition(kFeed);
  if (!token.ok()) return token.status();
  v1::WatchChangesRequest request;
  request.set_parent("firms/-");
  request.set_filter(kClientsOnly);
  request.set_resume_token(*token);
  std::unique_ptr<grpc::ClientContext> context = NewContext(true);
  if (!SetCalling(context.get())) return absl::CancelledError("stopping");
  auto stream = stub_->WatchChanges(context.get(), request);
  v1::WatchChangesResponse response;
  absl::Status applied;
  while (applied.ok() && stream->Read(&response)) {
    applied = Apply(response.events(), response.resume_token());
  }
  if (!applied.ok()) context->TryCancel();
  absl::Status finished = client::FromCall(stream->Finish(), kPeer);
  SetCalling(nullptr);
  if (!applied.ok()) return applied;
  return ForgetPositionIfRefused(finished);
}

std::vector<prometheus::MetricFamily> DirectoryFeed::Collect() const {
  return {server::OneSeries(
              "clientbook_directory_feed_lag_seconds",
              "age of the last directory change billing applied, when it applied it",
              prometheus::MetricType::Gauge, absl::ToDoubleSeconds(lag())),
          server::OneSeries(
              "clientbook_directory_feed_subscriptions_detached_total",
              "subscriptions taken out of lists because the directory's client went",
              prometheus::MetricType::Counter, static_cast<double>(detached_))};
}

void DirectoryFeed::Run() {
  while (!stopping_.HasBeenNotified()) {
    absl::Status status = CatchUp();
    if (status.ok()) status = Watch();
    if (stopping_.HasBeenNotified()) return;
    // A watch ends normally after --max_watch_duration or a drain: go on at
    // once; wait only after a failure.
    if (!status.ok() && status.code() != absl::StatusCode::kUnavailable) {
      spdlog::warn("directory change feed: {}", status.ToString());
    }
    if (!status.ok()) stopping_.WaitForNotificationWithTimeout(retry_);
  }
}

}  // namespace clientbook::billing
