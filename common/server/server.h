#ifndef CLIENTBOOK_COMMON_SERVER_SERVER_H_
#define CLIENTBOOK_COMMON_SERVER_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/server/keepalive.h"
#include "common/tls/credentials.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "grpcpp/server.h"

namespace prometheus {
class Collectable;
class Exposer;
class Registry;
}  // namespace prometheus

namespace clientbook::server {

class FairShareMetrics;
class Frame;
class RpcMetrics;
class UnservedMethods;

struct ServerOptions {
  std::string listen = "127.0.0.1:0";
  // Empty: no metrics endpoint (the interceptor still counts).
  std::string metrics_listen;
  // Where ServeUntilSignal serves operator-only services; empty: nowhere.
  std::string operator_listen;
  // Where ServeUntilSignal serves health alone, in plaintext, with the same
  // status as the API port; empty: nowhere.
  std::string health_listen;
  absl::Duration drain_delay = absl::Seconds(5);
  absl::Duration shutdown_grace = absl::Seconds(10);
  // A connection not through its TLS and HTTP/2 handshakes by then is closed.
  absl::Duration handshake_timeout = absl::Seconds(10);
  Keepalive keepalive;
  int max_message_bytes = 4 << 20;
  // Plaintext unless a certificate is given; the operator port too.
  tls::TlsServerOptions tls;
  // Metrics of parts that are not services (billing's directory feed),
  // scraped with the rest; not owned.
  std::vector<const prometheus::Collectable*> metrics;
  // What this address is ("billing's API"), told to a call of a method it
  // does not serve (UnservedMethods). Empty: "this server", or, from
  // ServeUntilSignal, the service's name and which of its addresses.
  std::string address_name;

  // From --listen, --metrics_listen, --operator_listen, --drain_delay,
  // --shutdown_grace, --handshake_timeout, --keepalive_*, --max_message_bytes and the
  // --tls_* flags.
  static ServerOptions FromFlags();
};

// A running gRPC server with what every Clientbook service serves besides its
// own API: grpc.health.v1.Health, server reflection, Prometheus metrics.
class Server {
 public:
  // Starts serving `services` (not owned; they must outlive the Server) and
  // reports SERVING. Storage must already be open. `frame`, when given, is
  // the one the services serve their calls through: Shutdown() closes it.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const ServerOptions& options, const std::vector<grpc::Service*>& services,
      Frame* frame = nullptr);
  ~Server();

  // The bound port (the real one when options asked for port 0).
  int port() const { return port_; }

  // Reports NOT_SERVING while still serving; Shutdown() follows.
  void StartDraining();
  // Reports NOT_SERVING; the frame refuses new calls UNAVAILABLE and lets
  // the calls it admitted finish within the grace period; then the gRPC
  // server stops, cancelling what is left. Idempotent.
  void Shutdown();
  // The same with the grace ending at `deadline`.
  void Shutdown(absl::Time deadline);

 private:
  Server() = default;

  ServerOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<RpcMetrics> metrics_;
  std::shared_ptr<FairShareMetrics> fair_share_metrics_;
  std::vector<std::shared_ptr<prometheus::Collectable>> service_metrics_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  // Declared before the server, which holds it to the end.
  std::unique_ptr<UnservedMethods> unserved_;
  std::unique_ptr<grpc::Server> server_;
  Frame* frame_ = nullptr;
  int port_ = 0;
  bool shut_down_ = false;
};

// Blocks SIGINT and SIGTERM in the calling thread and every thread created
// after it, so WaitForShutdownSignal() receives them. Call first in main().
void BlockShutdownSignals();

// Waits for SIGINT or SIGTERM and returns which one came.
int WaitForShutdownSignal();

// The rest of a service binary's life once its parts are built: serves
// `services` (and `clock_control`, the fake-clock service, when not null)
// and, on --operator_listen, `operator_services`, all through `frame`, until
// SIGTERM or SIGINT. Then, as Kubernetes expects: health NOT_SERVING at
// once, calls still served for --drain_delay, then new calls refused
// UNAVAILABLE (clients retry those) while the ones already begun finish
// within --shutdown_grace. Storage is closed by the caller.
absl::Status ServeUntilSignal(absl::string_view name, const ServerOptions& options,
                              Frame& frame, std::vector<grpc::Service*> services,
                              grpc::Service* clock_control,
                              std::vector<grpc::Service*> operator_services = {});

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_SERVER_H_
