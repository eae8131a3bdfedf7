#include "common/auth/verified_token_cache.h"

#include "openssl/evp.h"
#include "openssl/sha.h"

namespace clientbook::auth {

VerifiedTokenCache::VerifiedTokenCache(size_t capacity)
    : capacity_(capacity), sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {}

VerifiedTokenCache::~VerifiedTokenCache() { EVP_MD_free(sha256_); }

std::string VerifiedTokenCache::Key(absl::string_view token) const {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  EVP_Digest(token.data(), token.size(), reinterpret_cast<unsigned char*>(digest.data()),
             nullptr, sha256_, nullptr);
  return digest;
}

std::optional<VerifiedToken> VerifiedTokenCache::Find(const std::string& key,
                                                      uint64_t key_generation,
                                                      absl::Time now) {
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

void VerifiedTokenCache::Insert(std::string key, uint64_t key_generation,
                                const VerifiedToken& verified, absl::Time now) {
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
