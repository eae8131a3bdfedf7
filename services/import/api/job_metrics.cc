#include "services/import/api/job_metrics.h"

#include "common/server/metrics.h"

namespace clientbook::importer {

std::vector<prometheus::MetricFamily> JobMetrics::Collect() const {
  const JobWorker::Load load = worker_.Report();
  return {
      server::OneSeries("clientbook_import_jobs_queued",
                        "import jobs waiting for the worker, of every firm",
                        prometheus::MetricType::Gauge, static_cast<double>(load.queued)),
      server::OneSeries("clientbook_import_jobs_put_off",
                        "import jobs waiting for the directory, which turned them "
                        "away as busy (RESOURCE_EXHAUSTED with RetryInfo)",
                        prometheus::MetricType::Gauge,
                        static_cast<double>(load.put_off))};
}

}  // namespace clientbook::importer
