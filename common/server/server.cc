#include "common/server/server.h"

#include <csignal>
#include <exception>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/server/flags.h"
#include "common/server/metrics.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"
#include "spdlog/spdlog.h"

namespace clientbook::server {

ServerOptions ServerOptions::FromFlags() {
  ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.operator_listen = absl::GetFlag(FLAGS_operator_listen);
  options.health_listen = absl::GetFlag(FLAGS_health_listen);
  options.drain_delay = absl::GetFlag(FLAGS_drain_delay);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.tls = tls::TlsServerOptions::FromFlags();
  return options;
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options, const std::vector<grpc::Service*>& services) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      tls::ServerCredentialsFor(options.tls);
  if (!credentials.ok()) return credentials.status();
  std::unique_ptr<Server> server(new Server());
  server->options_ = options;
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
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  // The health service is served by grpc++ itself; linking its descriptor
  // lets reflection describe it too.
  grpc::health::v1::HealthCheckRequest::descriptor();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, *credentials, &server->port_);
  // gRPC sets SO_REUSEPORT by default, which would let a second instance
  // silently share the port; an operator wants "address in use" instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // The synchronous API serves each call on a polling thread and, with the
  // default of two, creates and destroys a thread whenever more calls are
  // in flight: keep enough pollers for the expected concurrency alive.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 4);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 64);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
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

void Server::Shutdown() {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  StartDraining();
  spdlog::info("draining: in-flight calls have {}",
               absl::FormatDuration(options_.shutdown_grace));
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
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
                              std::vector<grpc::Service*> services,
                              grpc::Service* clock_control,
                              std::vector<grpc::Service*> operator_services) {
  if (clock_control != nullptr) services.push_back(clock_control);
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, services);
  if (!server.ok()) return server.status();
  std::unique_ptr<Server> operator_server;
  if (!operator_services.empty() && !options.operator_listen.empty()) {
    ServerOptions operator_options = options;
    operator_options.listen = options.operator_listen;
    operator_options.metrics_listen = "";
    absl::StatusOr<std::unique_ptr<Server>> started =
        Server::Start(operator_options, operator_services);
    if (!started.ok()) return started.status();
    operator_server = std::move(*started);
    spdlog::info("operator services on port {}", operator_server->port());
  }
  std::unique_ptr<Server> health_server;
  if (!options.health_listen.empty()) {
    // Kubelet gRPC probes speak no TLS: health alone, plaintext, no metrics.
    ServerOptions health_options{.listen = options.health_listen,
                                 .max_message_bytes = 4096};
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
  for (Server* s : {health_server.get(), operator_server.get(), server->get()}) {
    if (s != nullptr) s->Shutdown();
  }
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
