#include "services/billing/peers/directory_feed.h"

#include "common/names/names.h"
#include "common/server/metrics.h"

namespace clientbook::billing {
namespace {

bool TakesTheClientAway(const v1::ChangeEvent& event) {
  return event.type() == v1::ChangeEvent::DELETED ||
         event.type() == v1::ChangeEvent::MERGED;
}

}  // namespace

DirectoryFeed::DirectoryFeed(std::shared_ptr<grpc::Channel> directory,
                             auth::Caller service, Billing& billing, BillingStore& store,
                             absl::Duration retry)
    : billing_(billing),
      store_(store),
      follower_(std::move(directory), std::move(service),
                {.filter = kClientsOnly, .peer = kPeer, .retry = retry}, *this) {}

absl::StatusOr<std::string> DirectoryFeed::Position() {
  return store_.GetFeedPosition(kFeed);
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
  return store_.PutFeedPosition(kFeed, token);
}

absl::Status DirectoryFeed::Restart() { return store_.PutFeedPosition(kFeed, ""); }

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

}  // namespace clientbook::billing
