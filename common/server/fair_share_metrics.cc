#include "common/server/fair_share_metrics.h"

#include <string>

#include "common/server/metrics.h"

namespace clientbook::server {

std::vector<prometheus::MetricFamily> FairShareMetrics::Collect() const {
  using prometheus::MetricType;
  const FairShare::Load load = share_.Report(kBusiestFirms);
  auto seats = Family("clientbook_fair_share_seats", "calls that may run at once",
                      MetricType::Gauge);
  AddSeries(seats, load.seats);
  auto in_use = Family("clientbook_fair_share_seats_in_use",
                       "seats held by running calls", MetricType::Gauge);
  AddSeries(in_use, load.seats_in_use);
  auto queued = Family("clientbook_fair_share_calls_queued",
                       "calls waiting for a seat, all firms", MetricType::Gauge);
  AddSeries(queued, load.queued);
  auto refused =
      Family("clientbook_fair_share_refused_total",
             "calls refused RESOURCE_EXHAUSTED, by reason", MetricType::Counter);
  AddSeries(refused, static_cast<double>(load.refused_over_capacity),
      {{"reason", "FIRM_OVER_CAPACITY"}});
  AddSeries(refused, static_cast<double>(load.refused_rate_limited),
      {{"reason", "FIRM_RATE_LIMITED"}});

  auto firm_running = Family("clientbook_firm_seats_in_use",
                             "seats the busiest firms hold", MetricType::Gauge);
  auto firm_queued = Family("clientbook_firm_calls_queued",
                            "calls the busiest firms have waiting", MetricType::Gauge);
  auto firm_refused = Family(
      "clientbook_firm_calls_refused",
      "calls refused to the busiest firms since they were last idle", MetricType::Gauge);
  auto firm_wait =
      Family("clientbook_firm_queue_wait_p99_seconds",
             "99th percentile of the busiest firms' last 128 waits for a seat",
             MetricType::Gauge);
  for (const FairShare::FlowLoad& flow : load.busiest) {
    const std::vector<prometheus::ClientMetric::Label> firm = {{"firm", flow.flow}};
    AddSeries(firm_running, flow.running, firm);
    AddSeries(firm_queued, flow.queued, firm);
    AddSeries(firm_refused, static_cast<double>(flow.refused), firm);
    AddSeries(firm_wait, absl::ToDoubleSeconds(flow.queue_wait_p99), firm);
  }
  auto streams =
      Family("clientbook_streams_open",
             "exports, error reports, job watches and uploads open", MetricType::Gauge);
  AddSeries(streams, streams_.open());
  const StreamSlots::Refused streams_refused = streams_.refused();
  AddSeries(refused, static_cast<double>(streams_refused.too_many),
            {{"reason", "TOO_MANY_STREAMS"}});
  AddSeries(refused, static_cast<double>(streams_refused.too_many_of_caller),
            {{"reason", "TOO_MANY_STREAMS_OF_CALLER"}});
  auto unsent = Family("clientbook_unsent_response_bytes",
                       "bytes of answers held for callers that have not read them",
                       MetricType::Gauge);
  AddSeries(unsent, static_cast<double>(unsent_.bytes()));
  const UnsentResponses::Refused unsent_refused = unsent_.refused();
  AddSeries(refused, static_cast<double>(unsent_refused.process),
            {{"reason", "UNSENT_RESPONSES"}});
  AddSeries(refused, static_cast<double>(unsent_refused.caller),
            {{"reason", "UNSENT_RESPONSES_OF_CALLER"}});
  return {seats,       in_use,       queued,    refused, firm_running,
          firm_queued, firm_refused, firm_wait, streams, unsent};
}

}  // namespace clientbook::server
