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

  explicit VerifiedTokenCache(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // What `token` was verified as under key set `key_generation`, if it is
  // still accepted at `now`.
  std::optional<VerifiedToken> Find(absl::string_view token, uint64_t key_generation,
                                    absl::Time now);
  // Remembers that `token` verified as `verified` under `key_generation`.
  void Insert(absl::string_view token, uint64_t key_generation,
              const VerifiedToken& verified, absl::Time now);

 private:
  struct Entry {
    uint64_t key_generation = 0;
    VerifiedToken verified;
  };

  const size_t capacity_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::auth

#endif  // CLIENTBOOK_COMMON_AUTH_VERIFIED_TOKEN_CACHE_H_
