#ifndef CLIENTBOOK_COMMON_SERVER_METRICS_H_
#define CLIENTBOOK_COMMON_SERVER_METRICS_H_

#include <memory>
#include <string>

#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace clientbook::server {

// Per-RPC Prometheus metrics: clientbook_rpc_total{method,code} and
// clientbook_rpc_duration_seconds{method}, recorded by a server interceptor
// so handlers stay free of bookkeeping.
class RpcMetrics {
 public:
  explicit RpcMetrics(prometheus::Registry& registry);

  void Record(const std::string& method, const std::string& code, double seconds);

  // An interceptor factory for grpc::ServerBuilder that records into this.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  InterceptorFactory();

 private:
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& durations_;
};

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_METRICS_H_
