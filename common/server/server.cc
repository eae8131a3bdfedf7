#include "common/server/server.h"

#include <algorithm>
#include <csignal>
#include <exception>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/server/fair_share_metrics.h"
#include "common/server/flags.h"
#include "common/server/frame.h"
#include "common/server/malformed_request.h"
#include "common/server/metrics.h"
#include "common/server/unserved_methods.h"
#include "google/rpc/error_details.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"
#include "spdlog/spdlog.h"

namespace clientbook::server {
namespace {

// A service's own metrics, registered by a pointer the exposer may hold
// (it keeps weak pointers; the service is not shared).
class ForwardedMetrics final : public prometheus::Collectable {
 public:
  explicit ForwardedMetrics(const prometheus::Collectable& source) : source_(source) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    return source_.Collect();
  }

 private:
  const prometheus::Collectable& source_;
};

// The transport's limit on a call's metadata, above any header a proxy
// forwards (HAProxy's whole request head fits its 16 KiB buffer).
constexpr int kTransportMetadataBytes = 1024 * 1024;
// How long after gRPC's own shutdown begins its GOAWAY has surely left.
constexpr absl::Duration kGoawayOnTheWire = absl::Milliseconds(300);
// Before that shutdown: no call has come for this long (CallGate::AwaitQuiet),
// waited for at most kMostQuietWait, as callers that never wait for an
// answer never fall quiet.
constexpr absl::Duration kQuiet = absl::Milliseconds(100);
constexpr absl::Duration kMostQuietWait = absl::Seconds(1);
// gRPC's shutdown then waits for every connection to close, and a client
// with no call on it closes on its own time: a C++ client reads the GOAWAY
// at its next backup poll, up to 5 s later, one that never reads in 20 s.
// Its calls have all been answered by then, so its connection is closed
// after this long instead.
constexpr absl::Duration kIdleConnectionsWait = absl::Seconds(1);

// The drain's end: new calls held (see CallGate), the ones admitted given
// until `deadline`, and counted in the log.
void FinishAdmittedCalls(Frame& frame, absl::Time deadline) {
  frame.Close();
  const int64_t running = frame.InFlight();
  spdlog::info("new calls held, then refused UNAVAILABLE; {} calls in flight have {}",
               running, absl::FormatDuration(deadline - absl::Now()));
  if (const int64_t left = frame.AwaitIdle(deadline); left > 0) {
    spdlog::warn("{} calls still running at the end of the grace are cancelled", left);
  } else {
    spdlog::info("all {} calls in flight finished", running);
  }
}

}  // namespace

ServerOptions ServerOptions::FromFlags() {
  ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.operator_listen = absl::GetFlag(FLAGS_operator_listen);
  options.health_listen = absl::GetFlag(FLAGS_health_listen);
  options.drain_delay = absl::GetFlag(FLAGS_drain_delay);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.handshake_timeout = absl::GetFlag(FLAGS_handshake_timeout);
  options.keepalive = Keepalive::FromFlags();
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.tls = tls::TlsServerOptions::FromFlags();
  return options;
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options, const std::vector<grpc::Service*>& services,
    Frame* frame) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      tls::ServerCredentialsFor(options.tls);
  if (!credentials.ok()) return credentials.status();
  std::unique_ptr<Server> server(new Server());
  server->options_ = options;
  server->frame_ = frame;
  server->registry_ = std::make_shared<prometheus::Registry>();
  server->metrics_ = std::make_unique<RpcMetrics>(*server->registry_);

  if (!options.metrics_listen.empty()) {
    // civetweb reports a port it cannot bind by throwing; stop it here.
    try {
      server->exposer_ = std::make_unique<prometheus::Exposer>(options.metrics_listen);
    } catch (const std::exception& e) {
      return absl::UnavailableError(absl::StrCat("cannot serve metrics on ",
                                                 options.metrics_listen, ": ", e.what()));
    }
    server->exposer_->RegisterCollectable(server->registry_);
    if (frame != nullptr) {
      server->fair_share_metrics_ = std::make_shared<FairShareMetrics>(
          frame->fair_share(), frame->stream_slots(), frame->unsent_responses());
      server->exposer_->RegisterCollectable(server->fair_share_metrics_);
    }
    // A service with metrics of its own (the change feed's) is scraped too,
    // and the parts the options name.
    std::vector<const prometheus::Collectable*> collectables = options.metrics;
    for (grpc::Service* service : services) {
      if (auto* collectable = dynamic_cast<prometheus::Collectable*>(service)) {
        collectables.push_back(collectable);
      }
    }
    for (const prometheus::Collectable* collectable : collectables) {
      server->service_metrics_.push_back(std::make_shared<ForwardedMetrics>(*collectable));
      server->exposer_->RegisterCollectable(server->service_metrics_.back());
    }
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  // Reflection describes what the process's descriptor pool holds: the
  // health service (served by grpc++ itself) and the google.rpc details our
  // errors carry, which grpcurl then prints as fields, not base64.
  grpc::health::v1::HealthCheckRequest::descriptor();
  google::rpc::ErrorInfo::descriptor();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, *credentials, &server->port_);
  // gRPC sets SO_REUSEPORT by default, which would let a second instance
  // silently share the port; an operator wants "address in use" instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Past this the transport refuses a call's headers in a way that ends the
  // whole connection; the frame refuses anything over
  // kMaxRequestMetadataBytes for its call alone, well below.
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, kTransportMetadataBytes);
  // Each connection holds a file descriptor from its accept on: one that
  // never speaks is closed after this, not gRPC's 2 minutes.
  builder.AddChannelArgument(
      GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.handshake_timeout)));
  // A peer that stops answering is found by pings, not by TCP, whose
  // retransmissions give up after 15 minutes (a frozen process's kernel
  // still acknowledges, so TCP never does). gRPC stops pinging after two
  // pings without a frame of its own sent unless told not to: a watch
  // that has nothing to send is exactly what must be checked.
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIME_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive.time)));
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive.timeout)));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Siblings ping too (at their own --keepalive_time): gRPC would count a
  // ping less than 5 minutes after the last as abuse and close the
  // connection on the second. Once a second is allowed; a flood of pings
  // is still closed.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
  // gRPC 1.51 inflates a compressed message whole before it checks the
  // size against the limit: a gzip request of 972 KB took the directory to
  // 1 GB (its pod's limit). Requests come uncompressed, or are refused
  // UNIMPLEMENTED from their headers, nothing inflated.
  builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_DEFLATE, false);
  builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, false);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  for (grpc::Service* service : services) builder.RegisterService(service);
  server->unserved_ = std::make_unique<UnservedMethods>(
      options.address_name.empty() ? "this server" : options.address_name);
  builder.RegisterCallbackGenericService(server->unserved_.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  // In this order: metrics count the status a malformed request is given.
  interceptors.push_back(MalformedRequestInterceptorFactory());
  interceptors.push_back(server->metrics_->InterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot serve gRPC on ", options.listen));
  }
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  spdlog::info("serving gRPC on port {} ({}; metrics: {})", server->port_,
               options.tls.cert_file.empty()        ? "plaintext"
               : options.tls.client_ca_file.empty() ? "TLS"
                                                    : "mTLS",
               options.metrics_listen.empty() ? "off" : options.metrics_listen);
  return server;
}

Server::~Server() { Shutdown(); }

void Server::StartDraining() {
  if (server_ != nullptr) server_->GetHealthCheckService()->SetServingStatus(false);
}

void Server::Shutdown() { Shutdown(absl::Now() + options_.shutdown_grace); }

void Server::Shutdown(absl::Time deadline) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  StartDraining();
  if (frame_ == nullptr) {
    server_->Shutdown(absl::ToChronoTime(deadline));
  } else {
    frame_->Close();
    frame_->AwaitIdle(deadline);
    frame_->AwaitQuiet(kQuiet, std::min(deadline, absl::Now() + kMostQuietWait));
    // gRPC's shutdown sends every connection its GOAWAY at once, then waits
    // for the calls it has begun, the held ones among them: those are
    // refused once the GOAWAY is out.
    const absl::Time connections_closed =
        std::min(deadline, absl::Now() + kGoawayOnTheWire + kIdleConnectionsWait);
    std::thread stopping(
        [&] { server_->Shutdown(absl::ToChronoTime(connections_closed)); });
    absl::SleepFor(kGoawayOnTheWire);
    frame_->RefuseHeld();
    stopping.join();
  }
  server_->Wait();
  spdlog::info("gRPC server stopped");
}

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

absl::Status ServeUntilSignal(absl::string_view name, const ServerOptions& options,
                              Frame& frame, std::vector<grpc::Service*> services,
                              grpc::Service* clock_control,
                              std::vector<grpc::Service*> operator_services) {
  if (clock_control != nullptr) services.push_back(clock_control);
  ServerOptions api_options = options;
  if (api_options.address_name.empty()) {
    api_options.address_name = absl::StrCat(name, "'s API");
  }
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(api_options, services, &frame);
  if (!server.ok()) return server.status();
  std::unique_ptr<Server> operator_server;
  if (!operator_services.empty() && !options.operator_listen.empty()) {
    ServerOptions operator_options = options;
    operator_options.listen = options.operator_listen;
    operator_options.metrics_listen = "";
    operator_options.address_name = absl::StrCat(name, "'s operator address");
    absl::StatusOr<std::unique_ptr<Server>> started =
        Server::Start(operator_options, operator_services, &frame);
    if (!started.ok()) return started.status();
    operator_server = std::move(*started);
    spdlog::info("operator services on port {}", operator_server->port());
  }
  std::unique_ptr<Server> health_server;
  if (!options.health_listen.empty()) {
    // Kubelet gRPC probes speak no TLS: health alone, plaintext, no metrics.
    ServerOptions health_options{.listen = options.health_listen,
                                 .max_message_bytes = 4096};
    health_options.address_name = absl::StrCat(name, "'s plaintext health address");
    absl::StatusOr<std::unique_ptr<Server>> started = Server::Start(health_options, {});
    if (!started.ok()) return started.status();
    health_server = std::move(*started);
    spdlog::info("plaintext health on port {}", health_server->port());
  }
  spdlog::info("{} ready", std::string(name));
  int signal = WaitForShutdownSignal();
  spdlog::info("signal {}: NOT_SERVING, still serving for {}", signal,
               absl::FormatDuration(options.drain_delay));
  for (Server* s : {server->get(), operator_server.get(), health_server.get()}) {
    if (s != nullptr) s->StartDraining();
  }
  absl::SleepFor(options.drain_delay);
  const absl::Time deadline = absl::Now() + options.shutdown_grace;
  FinishAdmittedCalls(frame, deadline);
  // At once: the frame's held calls are answered when any server's GOAWAY
  // is out, so every server must have sent its own by then.
  std::vector<std::thread> stopping;
  for (Server* s : {health_server.get(), operator_server.get(), server->get()}) {
    if (s != nullptr) stopping.emplace_back([s, deadline] { s->Shutdown(deadline); });
  }
  for (std::thread& t : stopping) t.join();
  return absl::OkStatus();
}

int WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

}  // namespace clientbook::server
