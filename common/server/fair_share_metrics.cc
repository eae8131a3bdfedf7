#include "common/server/fair_share_metrics.h"

#include <string>

namespace clientbook::server {
namespace {

prometheus::MetricFamily Family(std::string name, std::string help,
                                prometheus::MetricType type) {
  return prometheus::MetricFamily{
      .name = std::move(name), .help = std::move(help), .type = type, .metric = {}};
}

void Add(prometheus::MetricFamily& family, double value,
         std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

}  // namespace

std::vector<prometheus::MetricFamily> FairShareMetrics::Collect() const {
  using prometheus::MetricType;
  const FairShare::Load load = share_.Report(kBusiestFirms);
  auto seats = Family("clientbook_fair_share_seats", "calls that may run at once",
                      MetricType::Gauge);
  Add(seats, load.seats);
  auto in_use = Family("clientbook_fair_share_seats_in_use",
                       "seats held by running calls", MetricType::Gauge);
  Add(in_use, load.seats_in_use);
  auto queued = Family("clientbook_fair_share_calls_queued",
                       "calls waiting for a seat, all firms", MetricType::Gauge);
  Add(queued, load.queued);
  auto refused =
      Family("clientbook_fair_share_refused_total",
             "calls refused RESOURCE_EXHAUSTED, by reason", MetricType::Counter);
  Add(refused, static_cast<double>(load.refused_over_capacity),
      {{"reason", "FIRM_OVER_CAPACITY"}});
  Add(refused, static_cast<double>(load.refused_rate_limited),
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
    Add(firm_running, flow.running, firm);
    Add(firm_queued, flow.queued, firm);
    Add(firm_refused, static_cast<double>(flow.refused), firm);
    Add(firm_wait, absl::ToDoubleSeconds(flow.queue_wait_p99), firm);
  }
  return {seats,        in_use,      queued,       refused,
          firm_running, firm_queued, firm_refused, firm_wait};
}

}  // namespace clientbook::server
