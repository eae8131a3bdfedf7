#ifndef CLIENTBOOK_SERVICES_ACCOUNTS_PEERS_CELL_FEEDS_H_
#define CLIENTBOOK_SERVICES_ACCOUNTS_PEERS_CELL_FEEDS_H_

#include <memory>
#include <string>
#include <vector>

#include "common/auth/caller.h"
#include "common/client/feed_follower.h"
#include "common/names/cell.h"
#include "grpcpp/channel.h"
#include "prometheus/collectable.h"
#include "services/accounts/domain/accounts.h"

namespace clientbook::accounts {

// Accounts follows every cell's directory feed, firms and memberships
// apart, each from its own stored position; a cell it has never followed,
// or whose feed refused its position, is read again from a SNAPSHOT.
class CellFeeds final : public prometheus::Collectable {
 public:
  struct Cell {
    names::Cell cell;
    std::shared_ptr<grpc::Channel> directory;
  };

  CellFeeds(const std::vector<Cell>& cells, const auth::Caller& service,
            Accounts& accounts, absl::Duration retry = absl::Seconds(1));
  ~CellFeeds();

  // Follows every feed on threads of their own until destroyed.
  void Start();

  // The largest lag of any feed: how far behind the cells accounts is.
  absl::Duration lag() const;

  // clientbook_accounts_feed_lag_seconds{cell,feed}.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  class Follow;
  std::vector<std::unique_ptr<Follow>> follows_;
};

}  // namespace clientbook::accounts

#endif  // CLIENTBOOK_SERVICES_ACCOUNTS_PEERS_CELL_FEEDS_H_
