#include "common/client/routing_header.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/api/routing.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/client_interceptor.h"

namespace clientbook::client {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;

// Longer than any resource name (ids are at most 128 bytes): such a value is
// left out, so the call's metadata stays small and the service that gets it
// refuses the name itself.
constexpr size_t kMostRoutedBytes = 512;

// "/pkg.Service/Method" as the pool names it, "pkg.Service.Method".
const google::protobuf::MethodDescriptor* MethodOf(absl::string_view method) {
  if (!absl::ConsumePrefix(&method, "/")) return nullptr;
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      absl::StrReplaceAll(method, {{"/", "."}}));
}

// The field numbers along a dotted path of string or message fields, or
// nullopt when the path does not end in a string.
std::optional<std::vector<int>> NumbersOf(const Descriptor* message,
                                          absl::string_view path) {
  std::vector<int> numbers;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field =
        message == nullptr ? nullptr : message->FindFieldByName(std::string(parts[i]));
    if (field == nullptr || field->is_repeated()) return std::nullopt;
    const bool last = i + 1 == parts.size();
    if (last != (field->type() == FieldDescriptor::TYPE_STRING)) return std::nullopt;
    numbers.push_back(field->number());
    message = field->message_type();
  }
  return numbers;
}

// The bytes of field `number` in `wire` (the last occurrence, as proto3
// reads a string), read at the wire level so that no request is parsed
// whole; nullopt when absent or malformed.
std::optional<absl::string_view> LengthDelimited(absl::string_view wire, int number) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(wire.data()),
                                            static_cast<int>(wire.size()));
  std::optional<absl::string_view> found;
  while (const uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == number &&
        WireFormatLite::GetTagWireType(tag) ==
            WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return std::nullopt;
      const size_t offset = in.CurrentPosition();
      if (length > wire.size() - offset) return std::nullopt;
      found = wire.substr(offset, length);
      in.Skip(static_cast<int>(length));
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return std::nullopt;
    }
  }
  return found;
}

// RFC 3986 unreserved characters stay; every other byte is %XX.
std::string UrlEncoded(absl::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (const unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string ParamsOf(const google::protobuf::MethodDescriptor& method,
                     absl::string_view serialized_request) {
  std::string params;
  for (const google::api::RoutingParameter& parameter :
       method.options().GetExtension(google::api::routing).routing_parameters()) {
    std::optional<std::vector<int>> numbers =
        NumbersOf(method.input_type(), parameter.field());
    if (!numbers) continue;
    std::optional<absl::string_view> value = serialized_request;
    for (const int number : *numbers) {
      if (value) value = LengthDelimited(*value, number);
    }
    if (!value || value->empty() || value->size() > kMostRoutedBytes) continue;
    absl::StrAppend(&params, params.empty() ? "" : "&", parameter.field(), "=",
                    UrlEncoded(*value));
  }
  return params;
}

class RoutingHeaderInterceptor final : public grpc::experimental::Interceptor {
 public:
  // `method` is looked up once, when the call begins.
  explicit RoutingHeaderInterceptor(const google::protobuf::MethodDescriptor& method)
      : method_(method) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    // Only when the metadata and the request leave together: a unary or
    // server-streaming call, or a corked client stream.
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA) &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      AddHeader(*methods);
    }
    methods->Proceed();
  }

 private:
  void AddHeader(grpc::experimental::InterceptorBatchMethods& methods) {
    // The request is serialized here once; the transport sends these bytes.
    grpc::ByteBuffer* request = methods.GetSerializedSendMessage();
    std::vector<grpc::Slice> slices;
    if (request == nullptr || !request->Dump(&slices).ok()) return;
    std::string wire;
    for (const grpc::Slice& slice : slices) {
      wire.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    std::string params = ParamsOf(method_, wire);
    if (!params.empty()) {
      methods.GetSendInitialMetadata()->emplace(kRoutingHeader, std::move(params));
    }
  }

  const google::protobuf::MethodDescriptor& method_;
};

class RoutingHeaderFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    // Only the contracts' methods carry a rule (not health, reflection).
    const google::protobuf::MethodDescriptor* method = MethodOf(info->method());
    if (method == nullptr || !method->options().HasExtension(google::api::routing)) {
      return nullptr;
    }
    return new RoutingHeaderInterceptor(*method);
  }
};

}  // namespace

std::string RoutingParams(absl::string_view method,
                          absl::string_view serialized_request) {
  const google::protobuf::MethodDescriptor* descriptor = MethodOf(method);
  return descriptor == nullptr ? "" : ParamsOf(*descriptor, serialized_request);
}

std::shared_ptr<grpc::Channel> RoutedChannel(
    const std::string& target,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    const grpc::ChannelArguments& args) {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<RoutingHeaderFactory>());
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, credentials, args, std::move(interceptors));
}

}  // namespace clientbook::client
