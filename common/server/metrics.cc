#include "common/server/metrics.h"

#include "absl/time/clock.h"
#include "common/server/request_checks.h"
#include "prometheus/counter.h"

namespace clientbook::server {

prometheus::MetricFamily Family(std::string name, std::string help,
                                prometheus::MetricType type) {
  return prometheus::MetricFamily{
      .name = std::move(name), .help = std::move(help), .type = type, .metric = {}};
}

void AddSeries(prometheus::MetricFamily& family, double value,
               std::vector<prometheus::ClientMetric::Label> labels) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

prometheus::MetricFamily OneSeries(std::string name, std::string help,
                                   prometheus::MetricType type, double value) {
  prometheus::MetricFamily family = Family(std::move(name), std::move(help), type);
  AddSeries(family, value);
  return family;
}
namespace {

using grpc::experimental::InterceptionHookPoints;

const char* CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  auto i = static_cast<size_t>(code);
  return i < std::size(kNames) ? kNames[i] : "UNKNOWN";
}

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit MetricsInterceptor(RpcMetrics::Method& method)
      : method_(method), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      method_.Record(methods->GetSendStatus().error_code(),
                     absl::ToDoubleSeconds(absl::Now() - start_));
    }
    methods->Proceed();
  }

 private:
  RpcMetrics::Method& method_;
  absl::Time start_;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(RpcMetrics* metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(
        metrics_->For(info->method() == nullptr ? "" : info->method()));
  }

 private:
  RpcMetrics* metrics_;
};

}  // namespace

RpcMetrics::RpcMetrics(prometheus::Registry& registry)
    : calls_(prometheus::BuildCounter()
                 .Name("clientbook_rpc_total")
                 .Help("RPCs finished, by method and status code")
                 .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("clientbook_rpc_duration_seconds")
                     .Help("RPC latency, by method")
                     .Register(registry)) {}

RpcMetrics::Method::Method(RpcMetrics& metrics, std::string name)
    : metrics_(metrics),
      name_(std::move(name)),
      duration_(metrics.durations_.Add(
          {{"method", name_}},
          prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                  0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})) {
}

void RpcMetrics::Method::Record(grpc::StatusCode code, double seconds) {
  const auto i = static_cast<size_t>(code) < calls_.size()
                     ? static_cast<size_t>(code)
                     : static_cast<size_t>(grpc::StatusCode::UNKNOWN);
  prometheus::Counter* counter = calls_[i].load(std::memory_order_acquire);
  if (counter == nullptr) {
    // The family hands every caller the same series for the same labels.
    counter = &metrics_.calls_.Add(
        {{"method", name_}, {"code", CodeName(static_cast<grpc::StatusCode>(i))}});
    calls_[i].store(counter, std::memory_order_release);
  }
  counter->Increment();
  duration_.Observe(seconds);
}

RpcMetrics::Method& RpcMetrics::For(absl::string_view method) {
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = methods_.find(method); it != methods_.end()) return *it->second;
  }
  // A method no contract defines (a caller can name any path) is counted as
  // one: the series must not grow with what strangers send.
  constexpr absl::string_view kUnknown = "(unknown)";
  if (method != kUnknown && FindMethod(method) == nullptr) {
    return For(kUnknown);
  }
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Method>& slot = methods_[method];
  if (slot == nullptr) slot = std::make_unique<Method>(*this, std::string(method));
  return *slot;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RpcMetrics::InterceptorFactory() {
  return std::make_unique<MetricsInterceptorFactory>(this);
}

}  // namespace clientbook::server
