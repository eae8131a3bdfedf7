#ifndef CLIENTBOOK_COMMON_AUTH_JWT_AUTHENTICATOR_H_
#define CLIENTBOOK_COMMON_AUTH_JWT_AUTHENTICATOR_H_

#include <sys/stat.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "common/auth/authenticator.h"
#include "common/auth/jwt.h"
#include "common/auth/verified_token_cache.h"
#include "common/time/clock.h"

namespace clientbook::auth {

// --auth=jwt: the caller is the subject of the `authorization: Bearer` token,
// verified with the keys of a JWKS file. The file is looked at again at most
// every `recheck_keys` (a stat() on every call cost 6% of a read's CPU) and
// re-read when it changed (a rotated Secret or ConfigMap), so keys rotate
// without a restart; a file that no longer parses keeps the last good keys
// in use. A token already verified under the current keys is not
// verified again until it expires (VerifiedTokenCache).
class JwtAuthenticator final : public Authenticator {
 public:
  // How long a rotated key file may go unnoticed. Real time, not `clock`:
  // a fake business clock must not stop key rotation.
  static constexpr absl::Duration kRecheckKeys = absl::Seconds(1);

  // Reads `jwks_file` once; fails when it holds no usable key.
  static absl::StatusOr<std::unique_ptr<JwtAuthenticator>> Create(
      std::string jwks_file, JwtRules rules, const Clock& clock,
      absl::Duration recheck_keys = kRecheckKeys);

  absl::StatusOr<Caller> Authenticate(const Metadata& metadata) const override;

 private:
  // What identifies one version of the file.
  struct FileVersion {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    timespec modified{};
    bool operator==(const FileVersion& other) const;
  };

  JwtAuthenticator(std::string jwks_file, JwtRules rules, const Clock& clock,
                   absl::Duration recheck_keys)
      : jwks_file_(std::move(jwks_file)),
        rules_(std::move(rules)),
        clock_(clock),
        recheck_keys_(recheck_keys) {}

  // The keys of the file as it is now (re-read when it changed since) and
  // their generation, which moves whenever they are replaced.
  std::pair<std::shared_ptr<const Jwks>, uint64_t> CurrentKeys() const;
  absl::Status Reload(const FileVersion& version) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string jwks_file_;
  const JwtRules rules_;
  const Clock& clock_;
  const absl::Duration recheck_keys_;
  mutable absl::Mutex mu_;
  mutable absl::Time next_check_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  mutable std::shared_ptr<const Jwks> keys_ ABSL_GUARDED_BY(mu_);
  mutable uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  mutable VerifiedTokenCache verified_;
  mutable FileVersion loaded_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::auth

#endif  // CLIENTBOOK_COMMON_AUTH_JWT_AUTHENTICATOR_H_
