#ifndef CLIENTBOOK_COMMON_TLS_CREDENTIALS_H_
#define CLIENTBOOK_COMMON_TLS_CREDENTIALS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

// TLS for servers and for the channels between services, from PEM files that
// are watched for rotation.
namespace clientbook::tls {

// How a server secures its port. No cert_file: plaintext.
struct TlsServerOptions {
  std::string cert_file;
  std::string key_file;
  // Set: clients must present a certificate this CA bundle verifies (mTLS).
  std::string client_ca_file;
  // How often the files are looked at again, so a rotated certificate
  // (cert-manager) is served without a restart.
  absl::Duration refresh_interval = absl::Minutes(1);

  // From --tls_cert_file, --tls_key_file, --tls_client_ca_file,
  // --tls_refresh_interval.
  static TlsServerOptions FromFlags();
};

// Credentials for ServerBuilder::AddListeningPort; INVALID_ARGUMENT when the
// options are incomplete or a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const TlsServerOptions& tls);

// How a service's channels to its siblings are secured. No ca_file:
// plaintext.
struct TlsClientOptions {
  // PEM CA bundle the server's certificate must chain to.
  std::string ca_file;
  // This service's own certificate and key, for servers that require mTLS.
  std::string cert_file;
  std::string key_file;
  // Name the server certificate must carry; empty: the target's host.
  std::string server_name;
  absl::Duration refresh_interval = absl::Minutes(1);

  // From --tls_ca_file, --tls_client_cert_file, --tls_client_key_file,
  // --tls_server_name, --tls_refresh_interval.
  static TlsClientOptions FromFlags();
};

// A channel to `target` secured as `tls` says, checking the server's name;
// INVALID_ARGUMENT when the options are incomplete or a file cannot be read.
// `own_connection`: connections of its own, not shared with the process's
// other channels to `target`, so a background task that keeps trying a
// peer that is down never puts the request path's connection into backoff.
absl::StatusOr<std::shared_ptr<grpc::Channel>> SecureChannel(const std::string& target,
                                                             const TlsClientOptions& tls,
                                                             bool own_connection = false);

}  // namespace clientbook::tls

#endif  // CLIENTBOOK_COMMON_TLS_CREDENTIALS_H_
