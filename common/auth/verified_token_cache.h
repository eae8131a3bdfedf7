#ifndef CLIENTBOOK_COMMON_AUTH_VERIFIED_TOKEN_CACHE_H_
#define CLIENTBOOK_COMMON_AUTH_VERIFIED_TOKEN_CACHE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/jwt.h"
#include "openssl/types.h"

namespace clientbook::auth {

// Tokens already verified, so a caller's repeated token costs one signature
// check, not one per call (as Envoy's jwt_authn caches). Keyed by the
// token's SHA-256, so no bearer token is kept; an entry answers only under
// the key set it was verified with and only while its token is accepted
// (never from its expiry plus leeway on). Bounded: when full, expired
// entries go, and if none had, all of them.
class VerifiedTokenCache {
 public:
  static constexpr size_t kDefaultCapacity = 10000;

  explicit VerifiedTokenCache(size_t capacity = kDefaultCapacity);
  ~VerifiedTokenCache();

  VerifiedTokenCache(const VerifiedTokenCache&) = delete;
  VerifiedTokenCache& operator=(const VerifiedTokenCache&) = delete;

  // The key `token` is remembered under (its SHA-256), computed once a call.
  std::string Key(absl::string_view token) const;
  // What the token of `key` was verified as under key set `key_generation`,
  // if it is still accepted at `now`.
  std::optional<VerifiedToken> Find(const std::string& key, uint64_t key_generation,
                                    absl::Time now);
  // Remembers that the token of `key` verified as `verified` under
  // `key_generation`.
  void Insert(std::string key, uint64_t key_generation, const VerifiedToken& verified,
              absl::Time now);

 private:
  struct Entry {
    uint64_t key_generation = 0;
    VerifiedToken verified;
  };

  const size_t capacity_;
  // Fetched once: OpenSSL 3's one-shot SHA256() looks the algorithm up in
  // its provider tables on every call, which cost four times the hashing.
  EVP_MD* const sha256_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::auth

#endif  // CLIENTBOOK_COMMON_AUTH_VERIFIED_TOKEN_CACHE_H_
