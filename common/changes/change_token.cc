#include "common/changes/change_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "common/text/text.h"

namespace clientbook::changes {
namespace {

constexpr uint32_t kTokenVersion = 1;
// Of HMAC-SHA256's 32 bytes: 128 bits are beyond guessing.
constexpr size_t kMacBytes = 16;

std::string Mac(const std::string& key, absl::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), kMacBytes);
}

absl::Status BadToken(absl::string_view field, absl::string_view why) {
  return errors::InvalidField(field, absl::StrCat("not a resume token of this watch: ",
                                                  why, "; use one this service returned "
                                                       "for the same parent and filter"));
}

}  // namespace

std::string MakeResumeToken(const ChangeLog& log, uint64_t sequence,
                            uint64_t filter_hash) {
  ResumePosition position;
  position.set_version(kTokenVersion);
  position.set_epoch(log.epoch());
  position.set_sequence(sequence);
  position.set_filter_hash(filter_hash);
  std::string bytes = position.SerializeAsString();
  bytes += Mac(log.token_key(), bytes);
  return absl::WebSafeBase64Escape(bytes);
}

absl::StatusOr<uint64_t> ParseResumeToken(const ChangeLog& log, absl::string_view field,
                                          absl::string_view token,
                                          absl::Span<const uint64_t> filter_hashes) {
  std::string bytes;
  if (!text::DecodeBase64UrlStrict(token, &bytes) || bytes.size() <= kMacBytes) {
    return BadToken(field, "malformed");
  }
  const absl::string_view body(bytes.data(), bytes.size() - kMacBytes);
  const absl::string_view mac(bytes.data() + body.size(), kMacBytes);
  ResumePosition position;
  if (!position.ParseFromArray(body.data(), static_cast<int>(body.size())) ||
      position.version() != kTokenVersion) {
    return BadToken(field, "malformed");
  }
  // Before the signature: a token of another history was signed with
  // another key, and its caller needs to know to list again.
  if (position.epoch() != log.epoch()) {
    return errors::WithReason(
        absl::StatusCode::kFailedPrecondition, "STORE_EPOCH_CHANGED",
        "the resume token is from another history of this store (restored or made "
        "anew): list the resources again and watch from the new list's change_token");
  }
  const std::string expected = Mac(log.token_key(), body);
  if (CRYPTO_memcmp(expected.data(), mac.data(), kMacBytes) != 0) {
    return BadToken(field, "its signature does not match");
  }
  if (std::find(filter_hashes.begin(), filter_hashes.end(), position.filter_hash()) ==
      filter_hashes.end()) {
    return BadToken(field, "it was made for another parent or filter");
  }
  const uint64_t oldest = log.oldest_sequence();
  if (position.sequence() < oldest) {
    return ResumeTokenExpired(
        oldest, absl::StrCat("the resume token's position (", position.sequence(),
                             ") is older than the oldest change kept (", oldest,
                             "): list the resources again and watch from the new list's "
                             "change_token"));
  }
  return position.sequence();
}

absl::Status ResumeTokenExpired(uint64_t oldest, absl::string_view message) {
  return errors::WithReason(absl::StatusCode::kFailedPrecondition, "RESUME_TOKEN_EXPIRED",
                            message, {{"oldest_sequence", absl::StrCat(oldest)}});
}

uint64_t FilterHash(absl::string_view parent, absl::string_view filter) {
  // Stable across processes and versions, unlike absl::Hash: tokens outlive
  // both.
  const std::string both = absl::StrCat(parent.size(), ":", parent, filter);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(both.data()), both.size(), digest);
  uint64_t hash = 0;
  for (int i = 0; i < 8; ++i) hash = (hash << 8) | digest[i];
  return hash;
}

std::string ListChangeToken(const ChangeLog& log, absl::string_view parent,
                            absl::string_view page_token) {
  if (!page_token.empty()) return "";
  return MakeResumeToken(log, log.next_sequence(), FilterHash(parent, kAnyFilter));
}

}  // namespace clientbook::changes
