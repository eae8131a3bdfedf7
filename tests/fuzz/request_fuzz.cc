// libFuzzer target for what a caller sends before anything checks who it is
// or what it may read: bearer tokens, identity metadata, resource names,
// change and audit filters, page tokens. No input may crash them, and each
// keeps its contract:
// - a name parses only in its one spelling (ToString gives the input back);
// - a token not signed by the key set's key is never accepted, and one that
//   is signed but says anything else is refused UNAUTHENTICATED;
// - a page token decodes only to a cursor that encodes back to itself;
// - every refusal is INVALID_ARGUMENT (UNAUTHENTICATED for tokens), and,
//   cut to the error budget, fits a reply and stays UTF-8 when its input was.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/authenticator.h"
#include "common/auth/caller.h"
#include "common/auth/jwks.h"
#include "common/auth/jwt.h"
#include "common/changes/change_filter.h"
#include "common/names/names.h"
#include "common/paging/page_token.h"
#include "common/server/status_mapping.h"
#include "common/status/error_budget.h"
#include "common/text/text.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/logging.h"
#include "google/rpc/status.pb.h"
#include "tests/support/jwt_signer.h"

namespace {

using namespace clientbook;  // NOLINT: a fuzz target's one file

void Require(bool holds) {
  if (!holds) std::abort();
}

// Whether a client parses `detail` back into its google.rpc type (proto3
// strings must be UTF-8).
bool ParsesBack(const google::protobuf::Any& detail) {
  const absl::string_view type_url = detail.type_url();
  const google::protobuf::Descriptor* type =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          std::string(type_url.substr(type_url.rfind('/') + 1)));
  if (type == nullptr) return false;
  std::unique_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
  return message->ParseFromString(detail.value());
}

// A refusal a caller would get for `input`: the expected code, sent as the
// one shared mapping sends it (cut to the error budget), within gRPC's
// default 8 KiB of metadata and, when `input` is UTF-8, parsed back whole.
void RequireRefusal(const absl::Status& status, absl::StatusCode code,
                    absl::string_view input) {
  Require(status.code() == code);
  const grpc::Status reply = ToGrpcStatus(status);
  Require(static_cast<int>(reply.error_code()) == static_cast<int>(code));
  // The details trailer is base64, grpc-message percent-encoded (3 bytes a
  // byte at worst).
  const std::string& message = reply.error_message();
  Require(message.size() <= errors::kMaxMessageBytes);
  Require(4 * ((reply.error_details().size() + 2) / 3) + 3 * message.size() < 8 * 1024);
  // A request's strings are UTF-8 (protobuf refuses others before any
  // handler), so the refusals built from them must be too.
  if (!text::IsValidUtf8(input)) return;
  Require(text::IsValidUtf8(message));
  google::rpc::Status details;
  Require(details.ParseFromString(reply.error_details()));
  for (const google::protobuf::Any& detail : details.details()) {
    Require(ParsesBack(detail));
  }
}

template <typename Name>
void ParsesInOneSpelling(absl::string_view name) {
  absl::StatusOr<Name> parsed = Name::Parse("name", name);
  if (parsed.ok()) {
    Require(parsed->ToString() == name);
  } else {
    RequireRefusal(parsed.status(), absl::StatusCode::kInvalidArgument, name);
  }
}

void Names(const std::string& name) {
  ParsesInOneSpelling<names::FirmName>(name);
  ParsesInOneSpelling<names::MemberName>(name);
  ParsesInOneSpelling<names::ClientListViewName>(name);
  ParsesInOneSpelling<names::ClientName>(name);
  ParsesInOneSpelling<names::SubscriptionName>(name);
  ParsesInOneSpelling<names::BillingTransferName>(name);
  ParsesInOneSpelling<names::ImportJobName>(name);
  ParsesInOneSpelling<names::NoteName>(name);
  ParsesInOneSpelling<names::TodoName>(name);
  ParsesInOneSpelling<names::InvitationName>(name);
}

void Filters(FuzzedDataProvider& in) {
  const std::string filter = in.ConsumeRandomLengthString(4096);
  changes::ChangeRecord record;
  record.set_type(in.ConsumeRandomLengthString(16));
  record.set_resource_type(in.ConsumeRandomLengthString(32));
  record.set_name(in.ConsumeRandomLengthString(64));
  record.set_actor(in.ConsumeRandomLengthString(16));
  record.set_method(in.ConsumeRandomLengthString(64));
  record.set_commit_time_us(in.ConsumeIntegral<int64_t>());

  absl::StatusOr<changes::ChangeFilter> change =
      changes::ChangeFilter::Parse("filter", filter);
  if (change.ok()) {
    change->Matches(record);
    record.set_name(change->name);
    if (change->resource_type.empty() && change->type.empty()) {
      Require(change->Matches(record));  // a name matches itself and what it prefixes
    }
  } else {
    RequireRefusal(change.status(), absl::StatusCode::kInvalidArgument, filter);
  }
  absl::StatusOr<changes::AuditFilter> audit =
      changes::AuditFilter::Parse("filter", filter);
  if (audit.ok()) {
    audit->Matches(record);
  } else {
    RequireRefusal(audit.status(), absl::StatusCode::kInvalidArgument, filter);
  }
}

void PageTokens(FuzzedDataProvider& in) {
  const std::string query = in.ConsumeRandomLengthString(64);
  const std::string cursor = in.ConsumeRandomLengthString(64);
  const std::string token = in.ConsumeRemainingBytesAsString();
  if (!cursor.empty()) {
    absl::StatusOr<std::string> back =
        storage::DecodePageToken(query, storage::EncodePageToken(query, cursor));
    Require(back.ok() && *back == cursor);
  }
  absl::StatusOr<std::string> decoded = storage::DecodePageToken(query, token);
  if (!decoded.ok()) {
    RequireRefusal(decoded.status(), absl::StatusCode::kInvalidArgument, token);
    return;
  }
  absl::StatusOr<std::string> again =
      storage::DecodePageToken(query, storage::EncodePageToken(query, *decoded));
  Require(again.ok() && *again == *decoded);
}

// The identity provider's key, made once, and the key set a service holds.
struct Issuer {
  testing::JwtSigner signer{testing::JwtSigner::Kind::kEs256, "fuzz-key"};
  auth::Jwks keys;
  auth::JwtRules rules{.issuer = "https://issuer.example", .audience = "clientbook"};
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
};

const Issuer& TheIssuer() {
  static const Issuer* issuer = [] {
    auto* made = new Issuer;
    const nlohmann::json set = {{"keys", nlohmann::json::array({made->signer.Jwk()})}};
    absl::StatusOr<auth::Jwks> keys = auth::Jwks::Parse(set.dump());
    Require(keys.ok());
    made->keys = std::move(*keys);
    return made;
  }();
  return *issuer;
}

void BearerToken(const std::string& token) {
  const Issuer& issuer = TheIssuer();
  absl::StatusOr<auth::VerifiedToken> verified =
      auth::VerifyJwt(token, issuer.keys, issuer.rules, issuer.now);
  Require(!verified.ok());  // nothing but the key's signature is accepted
  RequireRefusal(verified.status(), absl::StatusCode::kUnauthenticated, token);
}

void SignedClaims(FuzzedDataProvider& in) {
  const Issuer& issuer = TheIssuer();
  const std::string header = in.ConsumeBool()
                                 ? in.ConsumeRandomLengthString(128)
                                 : R"({"alg":"ES256","kid":"fuzz-key","typ":"JWT"})";
  const std::string claims = in.ConsumeRemainingBytesAsString();
  absl::StatusOr<auth::VerifiedToken> verified = auth::VerifyJwt(
      issuer.signer.SignBytes(header, claims), issuer.keys, issuer.rules, issuer.now);
  if (!verified.ok()) {
    RequireRefusal(verified.status(), absl::StatusCode::kUnauthenticated, claims);
    return;
  }
  // Accepted only for this service, unexpired, naming a caller.
  Require(auth::IsUserId(verified->subject));
  Require(verified->accepted_until > issuer.now);
}

// Metadata as a caller may send it in header mode (--auth=header), keys
// repeated or not.
void Headers(FuzzedDataProvider& in) {
  static constexpr const char* kKeys[] = {auth::kUserIdHeader,
                                          auth::kUserEmailHeader,
                                          auth::kUserRolesHeader,
                                          auth::kViaHeader,
                                          "x-clientbook-go-between-x-user-id",
                                          "x-other"};
  std::vector<std::pair<std::string, std::string>> sent;
  std::string values;
  for (int i = in.ConsumeIntegralInRange<int>(0, 6); i > 0; --i) {
    sent.emplace_back(in.PickValueInArray(kKeys), in.ConsumeRandomLengthString(300));
    values += sent.back().second;
  }
  auth::Metadata metadata;
  for (const auto& [key, value] : sent) metadata.emplace(key, value);

  const auth::HeaderAuthenticator authenticator;
  absl::StatusOr<auth::Caller> caller = authenticator.Authenticate(metadata);
  if (caller.ok()) {
    Require(auth::IsUserId(caller->user_id));
    for (const std::string& role : caller->roles) {
      Require(!role.empty() && role.size() <= 64 && text::IsPrintableAscii(role));
    }
  } else {
    RequireRefusal(caller.status(), absl::StatusCode::kUnauthenticated, values);
  }
  absl::StatusOr<std::optional<auth::Caller>> go_between =
      auth::AuthenticateGoBetween(authenticator, metadata);
  if (go_between.ok()) {
    Require(!go_between->has_value() || auth::IsUserId((*go_between)->user_id));
  } else {
    RequireRefusal(go_between.status(), absl::StatusCode::kUnauthenticated, values);
  }
  absl::StatusOr<std::string> via = auth::ViaOf(metadata);
  if (via.ok()) {
    Require(via->size() <= 256);
  } else {
    RequireRefusal(via.status(), absl::StatusCode::kInvalidArgument, values);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Refusals built from bytes that are not UTF-8 are serialized here too;
  // protobuf's complaint about each would drown the fuzzer's output.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      Names(in.ConsumeRemainingBytesAsString());
      break;
    case 1:
      Filters(in);
      break;
    case 2:
      PageTokens(in);
      break;
    case 3:
      BearerToken(in.ConsumeRemainingBytesAsString());
      break;
    case 4:
      SignedClaims(in);
      break;
    default:
      Headers(in);
      break;
  }
  return 0;
}
