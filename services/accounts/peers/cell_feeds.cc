#include "services/accounts/peers/cell_feeds.h"

#include "absl/strings/str_cat.h"
#include "common/server/metrics.h"

namespace clientbook::accounts {

// One feed of one cell: where accounts keeps its position and what it
// builds from it.
class CellFeeds::Follow final : private client::FeedFollower::Consumer {
 public:
  Follow(FeedOf feed, std::shared_ptr<grpc::Channel> directory,
         const auth::Caller& service, Accounts& accounts, absl::Duration retry)
      : feed_(feed),
        accounts_(accounts),
        follower_(std::move(directory), service,
                  {.filter = feed.feed == Feed::kFirms
                                 ? "resource_type = \"clientbook.v1.Firm\""
                                 : "resource_type = \"clientbook.v1.FirmMember\"",
                   .peer = absl::StrCat(feed.cell.ToString(), "'s directory feed of ",
                                        feed.feed == Feed::kFirms ? "firms" : "members"),
                   .snapshot = true,
                   .retry = retry},
                  *this) {}

  void Start() { follower_.Start(); }
  FeedOf feed() const { return feed_; }
  absl::Duration lag() const { return follower_.lag(); }

 private:
  absl::StatusOr<std::string> Position() override { return accounts_.Position(feed_); }
  absl::Status Apply(const google::protobuf::RepeatedPtrField<v1::ChangeEvent>& events,
                     const std::string& token) override {
    return accounts_.Apply(feed_, events, token);
  }
  absl::Status Restart(client::FeedFollower::StartOver) override {
    return accounts_.Forget(feed_);
  }

  const FeedOf feed_;
  Accounts& accounts_;
  // Last: stops following before the rest goes.
  client::FeedFollower follower_;
};

CellFeeds::CellFeeds(const std::vector<Cell>& cells, const auth::Caller& service,
                     Accounts& accounts, absl::Duration retry) {
  for (const Cell& cell : cells) {
    for (Feed feed : {Feed::kFirms, Feed::kMembers}) {
      follows_.push_back(std::make_unique<Follow>(FeedOf{cell.cell, feed}, cell.directory,
                                                  service, accounts, retry));
    }
  }
}

CellFeeds::~CellFeeds() = default;

void CellFeeds::Start() {
  for (auto& follow : follows_) follow->Start();
}

absl::Duration CellFeeds::lag() const {
  absl::Duration most;
  for (const auto& follow : follows_) most = std::max(most, follow->lag());
  return most;
}

std::vector<prometheus::MetricFamily> CellFeeds::Collect() const {
  prometheus::MetricFamily lag = server::Family(
      "clientbook_accounts_feed_lag_seconds",
      "age of the last change accounts applied from a cell's directory feed, when it "
      "applied it",
      prometheus::MetricType::Gauge);
  for (const auto& follow : follows_) {
    server::AddSeries(
        lag, absl::ToDoubleSeconds(follow->lag()),
        {{"cell", follow->feed().cell.ToString()},
         {"feed", follow->feed().feed == Feed::kFirms ? "firms" : "members"}});
  }
  return {std::move(lag)};
}

}  // namespace clientbook::accounts
