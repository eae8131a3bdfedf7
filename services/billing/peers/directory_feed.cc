#include "services/billing/peers/directory_feed.h"

#include "common/client/change_snapshot.h"
#include "common/names/names.h"
#include "common/server/metrics.h"
#include "spdlog/spdlog.h"

namespace clientbook::billing {
namespace {

bool TakesTheClientAway(const v1::ChangeEvent& event) {
  return event.type() == v1::ChangeEvent::DELETED ||
         event.type() == v1::ChangeEvent::MERGED;
}

}  // namespace

absl::StatusOr<ClientSet> ReadDirectoryClients(
    const std::shared_ptr<grpc::Channel>& directory, const auth::Caller& caller) {
  ClientSet clients;
  absl::Status read =
      client::ReadSnapshot(directory, caller, DirectoryFeed::kClientsOnly,
                           DirectoryFeed::kPeer, [&](const v1::ChangeEvent& event) {
                             absl::StatusOr<names::ClientName> name =
                                 names::ClientName::Parse("name", event.name());
                             if (name.ok())
                               clients.insert({name->firm_id, name->company_id});
                           });
  if (!read.ok()) return read;
  return clients;
}

DirectoryFeed::DirectoryFeed(std::shared_ptr<grpc::Channel> directory,
                             auth::Caller service, Billing& billing, BillingStore& store,
                             absl::Duration retry)
    : directory_(directory),
      service_(service),
      billing_(billing),
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

absl::Status DirectoryFeed::Restart(client::FeedFollower::StartOver why) {
  if (why != client::FeedFollower::StartOver::kPastRetention) {
    return store_.PutFeedPosition(kFeed, "");
  }
  // The position is forgotten only once the re-list is done: a crash
  // before re-lists again.
  absl::StatusOr<ClientReconciliation> relisted = billing_.ReconcileClients(
      {.source = "directory"},
      [this] { return ReadDirectoryClients(directory_, service_); },
      /*fix=*/true);
  if (!relisted.ok()) return relisted.status();
  spdlog::warn("{}: re-listed {} clients, {} of billing's {} subscriptions repaired",
               kPeer, relisted->directory_client_count, relisted->fixed_count,
               relisted->checked_count);
  return store_.PutFeedPosition(kFeed, "");
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

}  // namespace clientbook::billing
