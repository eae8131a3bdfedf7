#ifndef CLIENTBOOK_COMMON_CHANGES_CHANGE_TOKEN_H_
#define CLIENTBOOK_COMMON_CHANGES_CHANGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "absl/strings/string_view.h"
#include "common/changes/change_log.h"

namespace clientbook::changes {

// Resume tokens (AIP-158): opaque to callers, a versioned ResumePosition
// signed with the log's key (HMAC-SHA256), so an edited or forged token is
// refused rather than read. A token is bound to the parent and filter it was
// made for (`filter_hash`, FilterHash()).

// A token for delivering the log from `sequence` on.
std::string MakeResumeToken(const ChangeLog& log, uint64_t sequence,
                            uint64_t filter_hash);

// The sequence `token` resumes from. INVALID_ARGUMENT naming `field` when it
// is malformed, edited, or made for none of `filter_hashes`; FAILED_PRECONDITION
// STORE_EPOCH_CHANGED when it is from another history of the store (a
// restore, a new store); FAILED_PRECONDITION RESUME_TOKEN_EXPIRED, with the
// oldest sequence kept in its metadata (`oldest_sequence`), when what it
// resumes from has gone past retention: the consumer lists again.
absl::StatusOr<uint64_t> ParseResumeToken(const ChangeLog& log, absl::string_view field,
                                          absl::string_view token,
                                          absl::Span<const uint64_t> filter_hashes);

// FAILED_PRECONDITION RESUME_TOKEN_EXPIRED saying `message`, with `oldest`
// (the oldest sequence kept) in its metadata: a position the feed no longer
// holds, from which the consumer lists again.
absl::Status ResumeTokenExpired(uint64_t oldest, absl::string_view message);

// A stable hash of a watch's parent and filter.
uint64_t FilterHash(absl::string_view parent, absl::string_view filter);

// Binds a List's change_token to its parent alone: a watch of the same
// parent with any filter resumes from it.
inline constexpr char kAnyFilter[] = "\x01*";

// The change_token of a page of a List of `parent`'s resources: on the
// first page (no `page_token`), the feed's position now, for a watch of
// `parent` with any filter; "" on later pages. Taken before the first page
// is read, every change the list may have missed follows it.
std::string ListChangeToken(const ChangeLog& log, absl::string_view parent,
                            absl::string_view page_token);

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_CHANGE_TOKEN_H_
