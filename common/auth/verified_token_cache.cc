#include "common/auth/verified_token_cache.h"

#include "openssl/sha.h"

namespace clientbook::auth {
namespace {

std::string Digest(absl::string_view token) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

}  // namespace

std::optional<VerifiedToken> VerifiedTokenCache::Find(absl::string_view token,
                                                      uint64_t key_generation,
                                                      absl::Time now) {
  const std::string key = Digest(token);
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.key_generation != key_generation ||
      now >= it->second.verified.accepted_until) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.verified;
}

void VerifiedTokenCache::Insert(absl::string_view token, uint64_t key_generation,
                                const VerifiedToken& verified, absl::Time now) {
  std::string key = Digest(token);
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= capacity_) {
    absl::erase_if(entries_, [now](const auto& entry) {
      return now >= entry.second.verified.accepted_until;
    });
    if (entries_.size() >= capacity_) entries_.clear();
  }
  entries_.insert_or_assign(std::move(key), Entry{key_generation, verified});
}

}  // namespace clientbook::auth
