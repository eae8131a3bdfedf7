#ifndef CLIENTBOOK_COMMON_CLIENT_ROUTING_HEADER_H_
#define CLIENTBOOK_COMMON_CLIENT_ROUTING_HEADER_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

// Routing across cells (AIP-4222): a call carries the request fields its
// method's google.api.routing rule names, URL-encoded, in
// x-goog-request-params, so the proxy in front of the cells routes it by
// firm without reading the body.
namespace clientbook::client {

inline constexpr char kRoutingHeader[] = "x-goog-request-params";

// The header's value for `method` ("/clientbook.v1.DirectoryService/GetClient")
// and its serialized request: "name=firms%2F1%2Fclients%2F7", parameters
// joined by '&'; empty when the method has no rule or its fields are empty.
std::string RoutingParams(absl::string_view method, absl::string_view serialized_request);

// A channel whose calls carry the header: unary and server-streaming calls
// from their request; a client stream (UploadImport) when its initial
// metadata is corked (grpc::ClientContext::set_initial_metadata_corked), so
// that it leaves with the first message.
std::shared_ptr<grpc::Channel> RoutedChannel(
    const std::string& target,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    const grpc::ChannelArguments& args = {});

}  // namespace clientbook::client

#endif  // CLIENTBOOK_COMMON_CLIENT_ROUTING_HEADER_H_
