#include "common/auth/jwt_authenticator.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "spdlog/spdlog.h"

namespace clientbook::auth {
namespace {

constexpr absl::string_view kBearerPrefix = "Bearer ";
// A key set is a few kilobytes; this bounds what a bad mount can make us read.
constexpr std::streamsize kMaxJwksBytes = 1 << 20;

absl::StatusOr<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::string data(kMaxJwksBytes + 1, '\0');
  in.read(data.data(), kMaxJwksBytes + 1);
  if (in.bad()) return absl::UnavailableError(absl::StrCat("cannot read ", path));
  if (in.gcount() > kMaxJwksBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is over ", kMaxJwksBytes, " bytes"));
  }
  data.resize(in.gcount());
  return data;
}

}  // namespace

bool JwtAuthenticator::FileVersion::operator==(const FileVersion& other) const {
  return device == other.device && inode == other.inode && size == other.size &&
         modified.tv_sec == other.modified.tv_sec &&
         modified.tv_nsec == other.modified.tv_nsec;
}

absl::StatusOr<std::unique_ptr<JwtAuthenticator>> JwtAuthenticator::Create(
    std::string jwks_file, JwtRules rules, const Clock& clock,
    absl::Duration recheck_keys) {
  std::unique_ptr<JwtAuthenticator> auth(
      new JwtAuthenticator(std::move(jwks_file), std::move(rules), clock, recheck_keys));
  struct stat st {};
  if (stat(auth->jwks_file_.c_str(), &st) != 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot open the key set ", auth->jwks_file_));
  }
  absl::MutexLock lock(&auth->mu_);
  if (absl::Status s = auth->Reload({st.st_dev, st.st_ino, st.st_size, st.st_mtim});
      !s.ok()) {
    return s;
  }
  return auth;
}

absl::Status JwtAuthenticator::Reload(const FileVersion& version) const {
  loaded_ = version;
  absl::StatusOr<std::string> json = ReadSmallFile(jwks_file_);
  if (!json.ok()) return json.status();
  absl::StatusOr<Jwks> keys = Jwks::Parse(*json);
  if (!keys.ok()) {
    return absl::Status(keys.status().code(),
                        absl::StrCat(jwks_file_, ": ", keys.status().message()));
  }
  keys_ = std::make_shared<const Jwks>(std::move(*keys));
  ++generation_;
  spdlog::info("loaded {} verification keys from {}", keys_->size(), jwks_file_);
  return absl::OkStatus();
}

std::pair<std::shared_ptr<const Jwks>, uint64_t> JwtAuthenticator::CurrentKeys() const {
  const absl::Time now = absl::Now();
  {
    absl::ReaderMutexLock lock(&mu_);
    if (now < next_check_) return {keys_, generation_};
  }
  struct stat st {};
  const bool seen = stat(jwks_file_.c_str(), &st) == 0;
  absl::MutexLock lock(&mu_);
  next_check_ = now + recheck_keys_;
  if (seen) {
    FileVersion now{st.st_dev, st.st_ino, st.st_size, st.st_mtim};
    if (!(now == loaded_)) {
      if (absl::Status s = Reload(now); !s.ok()) {
        spdlog::error("key set not reloaded, the last good keys stay in use: {}",
                      s.ToString());
      }
    }
  }
  return {keys_, generation_};
}

absl::StatusOr<Caller> JwtAuthenticator::Authenticate(const Metadata& metadata) const {
  absl::StatusOr<HeaderValue> header = SingleHeader(metadata, kAuthorizationHeader);
  if (!header.ok()) return header.status();
  if (!header->found) {
    return absl::UnauthenticatedError("missing 'authorization: Bearer <token>' metadata");
  }
  if (!absl::StartsWithIgnoreCase(header->value, kBearerPrefix)) {
    return absl::UnauthenticatedError(
        "'authorization' metadata must be 'Bearer <token>'");
  }
  const absl::string_view token = header->value.substr(kBearerPrefix.size());
  const auto [keys, generation] = CurrentKeys();
  const absl::Time now = clock_.Now();
  absl::StatusOr<VerifiedToken> verified;
  std::string key = verified_.Key(token);
  if (std::optional<VerifiedToken> known = verified_.Find(key, generation, now)) {
    verified = std::move(*known);
  } else {
    verified = VerifyJwt(token, *keys, rules_, now);
    if (!verified.ok()) return verified.status();
    verified_.Insert(std::move(key), generation, *verified, now);
  }
  Caller caller{.user_id = std::move(verified->subject),
                .verified_email = std::move(verified->verified_email),
                .roles = std::move(verified->roles)};
  caller.credentials.emplace_back(kAuthorizationHeader, std::string(header->value));
  return caller;
}

}  // namespace clientbook::auth
