#ifndef CLIENTBOOK_SERVICES_IMPORT_API_JOB_METRICS_H_
#define CLIENTBOOK_SERVICES_IMPORT_API_JOB_METRICS_H_

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "services/import/domain/job_worker.h"

namespace clientbook::importer {

// The job worker's load as Prometheus gauges, read at scrape time:
// clientbook_import_jobs_queued and clientbook_import_jobs_put_off (jobs
// waiting for a directory that turned them away as busy).
class JobMetrics final : public prometheus::Collectable {
 public:
  explicit JobMetrics(JobWorker& worker) : worker_(worker) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  JobWorker& worker_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_API_JOB_METRICS_H_
