#ifndef CLIENTBOOK_COMMON_AUTH_JWKS_H_
#define CLIENTBOOK_COMMON_AUTH_JWKS_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "openssl/evp.h"

namespace clientbook::auth {

// The algorithms a token may be signed with. Asymmetric only: a key set
// never holds a secret that could also sign (no HMAC), and `none` is no
// algorithm.
inline constexpr char kRs256[] = "RS256";
inline constexpr char kEs256[] = "ES256";

// The public keys of a JSON Web Key Set (RFC 7517) that can verify RS256 or
// ES256 signatures, by key id. Immutable once parsed; shared between calls.
class Jwks {
 public:
  struct Key {
    std::string algorithm;  // kRs256 or kEs256
    std::shared_ptr<EVP_PKEY> public_key;
  };

  // Keeps RSA keys of 2,048 bits or more and EC P-256 keys that have a `kid`
  // and are meant for signatures; skips every other key. INVALID_ARGUMENT
  // when the document is not a key set or keeps no key.
  static absl::StatusOr<Jwks> Parse(absl::string_view json);

  // The key with id `kid`, or null.
  const Key* Find(absl::string_view kid) const;
  size_t size() const { return keys_.size(); }

 private:
  absl::flat_hash_map<std::string, Key> keys_;
};

}  // namespace clientbook::auth

#endif  // CLIENTBOOK_COMMON_AUTH_JWKS_H_
