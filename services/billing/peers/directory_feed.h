#ifndef CLIENTBOOK_SERVICES_BILLING_PEERS_DIRECTORY_FEED_H_
#define CLIENTBOOK_SERVICES_BILLING_PEERS_DIRECTORY_FEED_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "common/auth/caller.h"
#include "common/client/feed_follower.h"
#include "grpcpp/channel.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "services/billing/domain/billing.h"
#include "services/billing/domain/store_port.h"

namespace clientbook::billing {

// Every client the directory has now, read as `caller` (a platform or
// operator identity) from a snapshot of its change feed.
absl::StatusOr<ClientSet> ReadDirectoryClients(
    const std::shared_ptr<grpc::Channel>& directory, const auth::Caller& caller);

// Billing follows the directory's change feed, so the two agree on which
// clients exist: a client deleted or merged away takes its subscription out
// of the firm's lists and sweeps (Billing::ClientGone). The position is a
// resume token stored after each batch it applied; applying is idempotent,
// so a batch applied again after a crash changes nothing. A token the
// directory no longer accepts starts again from the oldest change it keeps:
// past its retention, the changes in between are lost to billing, which
// first re-lists the directory's clients and repairs what they say (as
// `clientbook-admin reconcile --fix` would); after a restore of the
// directory (another store epoch) the operator reconciles, as the runbook
// says, seeing first what the restore changed.
class DirectoryFeed final : public prometheus::Collectable,
                            private client::FeedFollower::Consumer {
 public:
  // The feed's name in the store's positions.
  static constexpr char kFeed[] = "directory";
  // What billing reads of the directory's feed, and how errors name it.
  static constexpr char kClientsOnly[] = "resource_type = \"clientbook.v1.Client\"";
  static constexpr char kPeer[] = "the directory's change feed";

  DirectoryFeed(std::shared_ptr<grpc::Channel> directory, auth::Caller service,
                Billing& billing, BillingStore& store,
                absl::Duration retry = absl::Seconds(1));

  // Follows on a thread of its own until destroyed.
  void Start() { follower_.Start(); }

  // Applies every change the directory has now, page by page; for tests and
  // the thread's catch-up before it watches.
  absl::Status CatchUp() { return follower_.CatchUp(); }

  // Changes applied (subscriptions taken out) and the last event's age when
  // applied: the lag.
  uint64_t subscriptions_detached() const { return detached_; }
  absl::Duration lag() const { return follower_.lag(); }

  // clientbook_directory_feed_lag_seconds and
  // clientbook_directory_feed_subscriptions_detached_total.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  absl::StatusOr<std::string> Position() override;
  // Takes the subscriptions of deleted and merged clients out, then stores
  // `token`.
  absl::Status Apply(const google::protobuf::RepeatedPtrField<v1::ChangeEvent>& events,
                     const std::string& token) override;
  // Forgets the position, re-listing first when the changes in between are
  // past the directory's retention.
  absl::Status Restart(client::FeedFollower::StartOver why) override;

  std::shared_ptr<grpc::Channel> directory_;
  const auth::Caller service_;
  Billing& billing_;
  BillingStore& store_;
  std::atomic<uint64_t> detached_{0};
  // Last: stops following before the rest goes.
  client::FeedFollower follower_;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_PEERS_DIRECTORY_FEED_H_
