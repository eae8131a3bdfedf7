#ifndef CLIENTBOOK_COMMON_SERVER_FAIR_SHARE_METRICS_H_
#define CLIENTBOOK_COMMON_SERVER_FAIR_SHARE_METRICS_H_

#include <vector>

#include "common/server/fair_share.h"
#include "common/server/stream_slots.h"
#include "common/server/unsent_responses.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace clientbook::server {

// The fair share as Prometheus sees it, read at each scrape: the seats and
// queue of the whole service, and the busiest firms by name (the top
// kBusiestFirms by seats held plus calls waiting, not one series per firm);
// the streams open (StreamSlots) and the answers their callers have not
// read (UnsentResponses).
// An operator finds the noisy firm with
//   topk(1, clientbook_firm_calls_queued)
class FairShareMetrics final : public prometheus::Collectable {
 public:
  static constexpr size_t kBusiestFirms = 10;

  FairShareMetrics(FairShare& share, const StreamSlots& streams,
                   const UnsentResponses& unsent)
      : share_(share), streams_(streams), unsent_(unsent) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  FairShare& share_;
  const StreamSlots& streams_;
  const UnsentResponses& unsent_;
};

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_FAIR_SHARE_METRICS_H_
