#include "common/auth/jwt.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/caller.h"
#include "common/rules/shared_limits.h"
#include "common/text/text.h"
#include "nlohmann/json.hpp"
#include "openssl/ecdsa.h"

namespace clientbook::auth {
namespace {

using Json = nlohmann::json;

constexpr size_t kEs256SignatureBytes = 64;

absl::Status Malformed() {
  return absl::UnauthenticatedError("bearer token is malformed");
}
absl::Status SignatureRefused() {
  return absl::UnauthenticatedError("bearer token signature is not accepted");
}

// A base64url segment decoded as a JSON object, or a discarded value.
Json DecodeObject(absl::string_view segment) {
  std::string bytes;
  if (!text::DecodeBase64UrlStrict(segment, &bytes))
    return Json(Json::value_t::discarded);
  Json json = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return Json(Json::value_t::discarded);
  return json;
}

const std::string* StringMember(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

// ES256 signatures are r || s (RFC 7518 §3.4); OpenSSL verifies DER.
std::string EcdsaDer(absl::string_view raw) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(),
                                                            ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(bytes, kEs256SignatureBytes / 2, nullptr);
  BIGNUM* s =
      BN_bin2bn(bytes + kEs256SignatureBytes / 2, kEs256SignatureBytes / 2, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr ||
      ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return "";
  }
  unsigned char* der = nullptr;
  const int size = i2d_ECDSA_SIG(sig.get(), &der);
  if (size <= 0) return "";
  std::string out(reinterpret_cast<char*>(der), size);
  OPENSSL_free(der);
  return out;
}

bool SignatureMatches(const Jwks::Key& key, absl::string_view signed_part,
                      absl::string_view signature) {
  std::string verified = std::string(signature);
  if (key.algorithm == kEs256) {
    if (signature.size() != kEs256SignatureBytes) return false;
    verified = EcdsaDer(signature);
    if (verified.empty()) return false;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                              EVP_MD_CTX_free);
  return ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                              key.public_key.get()) == 1 &&
         EVP_DigestVerify(
             ctx.get(), reinterpret_cast<const unsigned char*>(verified.data()),
             verified.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
             signed_part.size()) == 1;
}

bool AudienceMatches(const Json& claims, absl::string_view audience) {
  auto aud = claims.find("aud");
  if (aud == claims.end()) return false;
  if (aud->is_string()) return aud->get_ref<const std::string&>() == audience;
  if (!aud->is_array()) return false;
  for (const Json& one : *aud) {
    if (one.is_string() && one.get_ref<const std::string&>() == audience) return true;
  }
  return false;
}

// A NumericDate claim (seconds since the epoch), or nullopt when absent or
// not a number.
std::optional<double> TimeClaim(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::vector<std::string> Roles(const Json& claims, const std::string& claim) {
  std::vector<std::string> roles;
  auto it = claims.find(claim);
  if (it == claims.end()) return roles;
  if (it->is_string()) {
    for (absl::string_view role :
         absl::StrSplit(it->get_ref<const std::string&>(), ' ', absl::SkipEmpty())) {
      roles.emplace_back(role);
    }
  } else if (it->is_array()) {
    for (const Json& role : *it) {
      if (role.is_string()) roles.push_back(role.get<std::string>());
    }
  }
  return roles;
}

}  // namespace

absl::StatusOr<VerifiedToken> VerifyJwt(absl::string_view token, const Jwks& keys,
                                        const JwtRules& rules, absl::Time now) {
  if (token.size() > rules.max_token_bytes) {
    return absl::UnauthenticatedError(
        absl::StrCat("bearer token is longer than ", rules.max_token_bytes, " bytes"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) {
    return Malformed();
  }
  const Json header = DecodeObject(parts[0]);
  if (header.is_discarded()) return Malformed();
  const std::string* alg = StringMember(header, "alg");
  const std::string* kid = StringMember(header, "kid");
  // `crit` names extensions the token needs understood; none are.
  if (alg == nullptr || kid == nullptr || header.contains("crit"))
    return SignatureRefused();
  const Jwks::Key* key = keys.Find(*kid);
  if (key == nullptr || key->algorithm != *alg) return SignatureRefused();
  std::string signature;
  if (!text::DecodeBase64UrlStrict(parts[2], &signature)) return Malformed();
  const absl::string_view signed_part(parts[0].data(),
                                      parts[0].size() + 1 + parts[1].size());
  if (!SignatureMatches(*key, signed_part, signature)) return SignatureRefused();

  const Json claims = DecodeObject(parts[1]);
  if (claims.is_discarded()) return Malformed();
  const std::string* iss = StringMember(claims, "iss");
  if (iss == nullptr || *iss != rules.issuer ||
      !AudienceMatches(claims, rules.audience)) {
    return absl::UnauthenticatedError("bearer token was not issued for this service");
  }
  const double now_s = absl::ToDoubleSeconds(now - absl::UnixEpoch());
  const double leeway_s = absl::ToDoubleSeconds(rules.leeway);
  std::optional<double> exp = TimeClaim(claims, "exp");
  if (!exp.has_value()) return absl::UnauthenticatedError("bearer token has no expiry");
  if (now_s >= *exp + leeway_s) return absl::UnauthenticatedError("bearer token expired");
  if (claims.contains("nbf")) {
    std::optional<double> nbf = TimeClaim(claims, "nbf");
    if (!nbf.has_value() || now_s + leeway_s < *nbf) {
      return absl::UnauthenticatedError("bearer token is not valid yet");
    }
  }
  const std::string* sub = StringMember(claims, "sub");
  if (sub == nullptr || !IsUserId(*sub)) {
    return absl::UnauthenticatedError(
        absl::StrCat("bearer token subject must be 1 to ", limits::kMaxIdBytes,
                     " printable ASCII characters other than '/'"));
  }
  VerifiedToken out{
      .subject = *sub,
      .roles = Roles(claims, rules.roles_claim),
      .accepted_until = absl::UnixEpoch() + absl::Seconds(*exp) + rules.leeway};
  auto email_verified = claims.find("email_verified");
  const std::string* email = StringMember(claims, "email");
  if (email != nullptr && email_verified != claims.end() &&
      email_verified->is_boolean() && email_verified->get<bool>()) {
    out.verified_email = *email;
  }
  return out;
}

}  // namespace clientbook::auth
