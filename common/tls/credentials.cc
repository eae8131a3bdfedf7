#include "common/tls/credentials.h"

#include <unistd.h>

#include <algorithm>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/client/outgoing_call.h"
#include "common/client/routing_header.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/support/channel_arguments.h"

ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain this server presents; empty serves plaintext");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle; when set, clients must present a certificate it "
          "verifies (mTLS)");
ABSL_FLAG(std::string, tls_ca_file, "",
          "PEM CA bundle that sibling services' certificates must chain to; "
          "empty: plaintext calls to them");
ABSL_FLAG(std::string, tls_client_cert_file, "",
          "PEM certificate presented to sibling services that require mTLS");
ABSL_FLAG(std::string, tls_client_key_file, "",
          "PEM private key of --tls_client_cert_file");
ABSL_FLAG(std::string, tls_server_name, "",
          "name sibling services' certificates must carry; empty: the host of "
          "the target");
ABSL_FLAG(absl::Duration, tls_refresh_interval, absl::Minutes(1),
          "how often TLS files are re-read, so rotated certificates apply "
          "without a restart");

namespace clientbook::tls {
namespace {

using grpc::experimental::FileWatcherCertificateProvider;

absl::Status CheckReadable(absl::string_view flag, const std::string& path) {
  if (access(path.c_str(), R_OK) == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(flag, " '", path, "' cannot be read"));
}

// A certificate and its key: both or neither, both readable.
absl::Status CheckPair(absl::string_view cert_flag, const std::string& cert,
                       absl::string_view key_flag, const std::string& key) {
  if (cert.empty() != key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(cert_flag, " and ", key_flag, " go together"));
  }
  if (cert.empty()) return absl::OkStatus();
  if (absl::Status s = CheckReadable(cert_flag, cert); !s.ok()) return s;
  return CheckReadable(key_flag, key);
}

unsigned int RefreshSeconds(absl::Duration interval) {
  return static_cast<unsigned int>(std::max<int64_t>(1, absl::ToInt64Seconds(interval)));
}

}  // namespace

TlsServerOptions TlsServerOptions::FromFlags() {
  return {.cert_file = absl::GetFlag(FLAGS_tls_cert_file),
          .key_file = absl::GetFlag(FLAGS_tls_key_file),
          .client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file),
          .refresh_interval = absl::GetFlag(FLAGS_tls_refresh_interval)};
}

TlsClientOptions TlsClientOptions::FromFlags() {
  return {.ca_file = absl::GetFlag(FLAGS_tls_ca_file),
          .cert_file = absl::GetFlag(FLAGS_tls_client_cert_file),
          .key_file = absl::GetFlag(FLAGS_tls_client_key_file),
          .server_name = absl::GetFlag(FLAGS_tls_server_name),
          .refresh_interval = absl::GetFlag(FLAGS_tls_refresh_interval)};
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const TlsServerOptions& tls) {
  if (tls.cert_file.empty() && tls.key_file.empty()) {
    if (!tls.client_ca_file.empty()) {
      return absl::InvalidArgumentError("--tls_client_ca_file needs --tls_cert_file");
    }
    return grpc::InsecureServerCredentials();
  }
  if (absl::Status s =
          CheckPair("--tls_cert_file", tls.cert_file, "--tls_key_file", tls.key_file);
      !s.ok()) {
    return s;
  }
  if (!tls.client_ca_file.empty()) {
    if (absl::Status s = CheckReadable("--tls_client_ca_file", tls.client_ca_file);
        !s.ok()) {
      return s;
    }
  }
  auto provider = std::make_shared<FileWatcherCertificateProvider>(
      tls.key_file, tls.cert_file, tls.client_ca_file,
      RefreshSeconds(tls.refresh_interval));
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (tls.client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> SecureChannel(
    const std::string& target, const TlsClientOptions& tls, bool own_connection) {
  grpc::ChannelArguments args = client::PeerChannelArguments();
  if (own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (tls.ca_file.empty()) {
    if (!tls.cert_file.empty() || !tls.key_file.empty()) {
      return absl::InvalidArgumentError("--tls_client_cert_file needs --tls_ca_file");
    }
    return client::RoutedChannel(target, grpc::InsecureChannelCredentials(), args);
  }
  if (absl::Status s = CheckReadable("--tls_ca_file", tls.ca_file); !s.ok()) return s;
  if (absl::Status s = CheckPair("--tls_client_cert_file", tls.cert_file,
                                 "--tls_client_key_file", tls.key_file);
      !s.ok()) {
    return s;
  }
  auto provider = std::make_shared<FileWatcherCertificateProvider>(
      tls.key_file, tls.cert_file, tls.ca_file, RefreshSeconds(tls.refresh_interval));
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider);
  options.watch_root_certs();
  if (!tls.cert_file.empty()) options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  options.set_certificate_verifier(
      std::make_shared<grpc::experimental::HostNameCertificateVerifier>());
  if (!tls.server_name.empty()) {
    args.SetString(GRPC_SSL_TARGET_NAME_OVERRIDE_ARG, tls.server_name);
  }
  return client::RoutedChannel(target, grpc::experimental::TlsCredentials(options), args);
}

}  // namespace clientbook::tls
