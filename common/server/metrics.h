#ifndef CLIENTBOOK_COMMON_SERVER_METRICS_H_
#define CLIENTBOOK_COMMON_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace clientbook::server {

// Families built at scrape time, by the Collectables that report state they
// read then (the fair share, the change feed): a family with no series yet,
// a series added to it (a counter's or a gauge's value by the family's
// type), and a family of one unlabelled series.
prometheus::MetricFamily Family(std::string name, std::string help,
                                prometheus::MetricType type);
void AddSeries(prometheus::MetricFamily& family, double value,
               std::vector<prometheus::ClientMetric::Label> labels = {});
prometheus::MetricFamily OneSeries(std::string name, std::string help,
                                   prometheus::MetricType type, double value);

// Per-RPC Prometheus metrics: clientbook_rpc_total{method,code} and
// clientbook_rpc_duration_seconds{method}, recorded by a server interceptor
// so handlers stay free of bookkeeping.
class RpcMetrics {
 public:
  // One method's series, found once per call: labelling a series is a map
  // of strings hashed under the family's lock, too dear for every call.
  class Method {
   public:
    Method(RpcMetrics& metrics, std::string name);
    void Record(grpc::StatusCode code, double seconds);

   private:
    RpcMetrics& metrics_;
    const std::string name_;
    prometheus::Histogram& duration_;
    // By status code, made on first use.
    std::array<std::atomic<prometheus::Counter*>, 17> calls_{};
  };

  explicit RpcMetrics(prometheus::Registry& registry);

  // The series of `method` ("/pkg.Service/Method").
  Method& For(absl::string_view method);

  // An interceptor factory for grpc::ServerBuilder that records into this.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  InterceptorFactory();

 private:
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& durations_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Method>> methods_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_METRICS_H_
