#include "common/auth/jwks.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "openssl/bn.h"
#include "openssl/core_names.h"
#include "openssl/param_build.h"

namespace clientbook::auth {
namespace {

using Json = nlohmann::json;

constexpr int kMinRsaBits = 2048;
constexpr size_t kP256CoordinateBytes = 32;

struct Deleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Deleter>;

// The member `name` of `key` as a string, or "" when absent or not a string.
std::string Member(const Json& key, const char* name) {
  auto it = key.find(name);
  if (it == key.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::string Base64UrlMember(const Json& key, const char* name) {
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(Member(key, name), &bytes)) return "";
  return bytes;
}

// A public key from OpenSSL parameters built by `build`, or null.
template <typename Build>
std::shared_ptr<EVP_PKEY> KeyFromParams(const char* type, Build build) {
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr || !build(bld.get())) return nullptr;
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

std::shared_ptr<EVP_PKEY> RsaKey(const Json& jwk) {
  const std::string n = Base64UrlMember(jwk, "n");
  const std::string e = Base64UrlMember(jwk, "e");
  if (n.empty() || e.empty()) return nullptr;
  Owned<BIGNUM> bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                               static_cast<int>(n.size()), nullptr));
  Owned<BIGNUM> bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                               static_cast<int>(e.size()), nullptr));
  if (bn_n == nullptr || bn_e == nullptr || BN_num_bits(bn_n.get()) < kMinRsaBits) {
    return nullptr;
  }
  return KeyFromParams("RSA", [&](OSSL_PARAM_BLD* bld) {
    return OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e.get()) == 1;
  });
}

std::shared_ptr<EVP_PKEY> P256Key(const Json& jwk) {
  if (Member(jwk, "crv") != "P-256") return nullptr;
  const std::string x = Base64UrlMember(jwk, "x");
  const std::string y = Base64UrlMember(jwk, "y");
  if (x.size() != kP256CoordinateBytes || y.size() != kP256CoordinateBytes)
    return nullptr;
  // SEC 1 uncompressed point; OpenSSL refuses one that is not on the curve.
  std::string point = absl::StrCat("\x04", x, y);
  return KeyFromParams("EC", [&](OSSL_PARAM_BLD* bld) {
    return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                           0) == 1 &&
           OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                            point.size()) == 1;
  });
}

}  // namespace

absl::StatusOr<Jwks> Jwks::Parse(absl::string_view json) {
  const Json doc =
      Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("the key set is not a JSON object");
  }
  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) {
    return absl::InvalidArgumentError("the key set has no \"keys\" array");
  }
  Jwks set;
  for (const Json& jwk : *keys) {
    if (!jwk.is_object()) continue;
    const std::string kid = Member(jwk, "kid");
    const std::string use = Member(jwk, "use");
    if (kid.empty() || (!use.empty() && use != "sig")) continue;
    const std::string kty = Member(jwk, "kty");
    Key key;
    if (kty == "RSA") {
      key = {kRs256, RsaKey(jwk)};
    } else if (kty == "EC") {
      key = {kEs256, P256Key(jwk)};
    }
    const std::string alg = Member(jwk, "alg");
    if (key.public_key == nullptr || (!alg.empty() && alg != key.algorithm)) continue;
    set.keys_.insert_or_assign(kid, std::move(key));
  }
  if (set.keys_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the key set has no usable key (RSA of ", kMinRsaBits,
                     "+ bits or EC P-256, with a kid, for signatures)"));
  }
  return set;
}

const Jwks::Key* Jwks::Find(absl::string_view kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace clientbook::auth
