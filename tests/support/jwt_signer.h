#ifndef CLIENTBOOK_TESTS_SUPPORT_JWT_SIGNER_H_
#define CLIENTBOOK_TESTS_SUPPORT_JWT_SIGNER_H_

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "openssl/bn.h"
#include "openssl/core_names.h"
#include "openssl/ecdsa.h"
#include "openssl/evp.h"
#include "openssl/hmac.h"
#include "openssl/rsa.h"
#include "openssl/x509.h"

namespace clientbook::testing {

inline std::string Base64Url(const std::string& bytes) {
  return absl::WebSafeBase64Escape(bytes);
}

// A signing key made at test time (OpenSSL) and its JWK, so tests mint the
// tokens an identity provider would, and the ones an attacker would.
class JwtSigner {
 public:
  enum class Kind { kRs256, kEs256 };

  JwtSigner(Kind kind, std::string kid) : kind_(kind), kid_(std::move(kid)) {
    key_.reset(kind == Kind::kRs256 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  }

  const std::string& kid() const { return kid_; }
  std::string alg() const { return kind_ == Kind::kRs256 ? "RS256" : "ES256"; }

  // The public half as a JWK.
  nlohmann::json Jwk() const {
    if (kind_ == Kind::kRs256) {
      return {{"kty", "RSA"},
              {"kid", kid_},
              {"use", "sig"},
              {"alg", "RS256"},
              {"n", Base64Url(Param(OSSL_PKEY_PARAM_RSA_N))},
              {"e", Base64Url(Param(OSSL_PKEY_PARAM_RSA_E))}};
    }
    return {{"kty", "EC"},
            {"kid", kid_},
            {"crv", "P-256"},
            {"x", Base64Url(Param(OSSL_PKEY_PARAM_EC_PUB_X, 32))},
            {"y", Base64Url(Param(OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
  }

  // A compact JWS of `claims` with this key's alg and kid in the header.
  std::string Sign(const nlohmann::json& claims) const {
    return SignWithHeader({{"alg", alg()}, {"kid", kid_}, {"typ", "JWT"}}, claims);
  }

  std::string SignWithHeader(const nlohmann::json& header,
                             const nlohmann::json& claims) const {
    return SignBytes(header.dump(), claims.dump());
  }

  // Any bytes as header and claims, signed: what a fuzzer hands the
  // verifier to reach the parts read after the signature.
  std::string SignBytes(const std::string& header, const std::string& claims) const {
    const std::string input = absl::StrCat(Base64Url(header), ".", Base64Url(claims));
    return absl::StrCat(input, ".", Base64Url(RawSignature(input)));
  }

  // The public key's DER bytes: what an algorithm-confusion attack uses as
  // an HMAC secret.
  std::string PublicKeyDer() const {
    unsigned char* der = nullptr;
    int size = i2d_PUBKEY(key_.get(), &der);
    std::string out(reinterpret_cast<char*>(der), size);
    OPENSSL_free(der);
    return out;
  }

 private:
  struct Free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };

  std::string Param(const char* name, int pad_to = 0) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key_.get(), name, &bn);
    std::string out(std::max(BN_num_bytes(bn), pad_to), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()),
                 static_cast<int>(out.size()));
    BN_free(bn);
    return out;
  }

  std::string RawSignature(const std::string& input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                EVP_MD_CTX_free);
    size_t size = 0;
    EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get());
    EVP_DigestSign(ctx.get(), nullptr, &size,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string sig(size, '\0');
    EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(size);
    if (kind_ == Kind::kRs256) return sig;
    // DER → r || s, as JWS wants it.
    const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()),
                 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa),
                 reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(ecdsa);
    return raw;
  }

  Kind kind_;
  std::string kid_;
  std::unique_ptr<EVP_PKEY, Free> key_;
};

// `input` signed HS256 with `secret`: the forgery a verifier that trusts the
// token's `alg` would accept.
inline std::string Hs256Token(const nlohmann::json& header, const nlohmann::json& claims,
                              const std::string& secret) {
  const std::string input =
      absl::StrCat(Base64Url(header.dump()), ".", Base64Url(claims.dump()));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &size);
  return absl::StrCat(input, ".",
                      Base64Url(std::string(reinterpret_cast<char*>(mac), size)));
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_JWT_SIGNER_H_
