#ifndef CLIENTBOOK_COMMON_INVITATIONS_INVITATION_RULES_H_
#define CLIENTBOOK_COMMON_INVITATIONS_INVITATION_RULES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clientbook/v1/directory.pb.h"
#include "common/auth/caller.h"
#include "common/invitations/invitation_record.pb.h"
#include "common/paging/paging.h"

// The rules of invitations, the same wherever they are kept: by a lone
// cell's directory, or by accounts in front of several cells. A client
// company's user invites a firm member by email; the member accepts into one
// of their firms, or declines. Only a caller who has proved the invitee's
// address (a verified email from the authenticator) sees or answers an
// invitation; the email a member typed into their firm opens nothing.
namespace clientbook::invitations {

// An invitation not accepted within 30 days expires; at exactly 30 days it
// has expired (expire_time is the first instant it no longer works).
inline constexpr absl::Duration kInvitationLifetime = absl::Hours(30 * 24);

// The source of the change records of a move of a lone cell's pending
// invitations into accounts (clientbook-admin move-invitations).
inline constexpr char kMovedToAccounts[] = "move-invitations";

// INVALID_ARGUMENT listing what is wrong with a CreateInvitation draft.
absl::Status CheckDraft(const InvitationRecord& draft);
// CheckDraft, and the request's id (request_id.h).
absl::Status CheckCreate(const InvitationRecord& draft, absl::string_view request_id);

// What a CreateInvitation request asks, kept with its request id so a
// retry is told apart from another request under the same id. A retry is
// answered the invitation made first as its creator sees it now (AsSeen,
// with its token).
std::string CreateFingerprint(const InvitationRecord& draft);

// The secrets invitees present: 128 random bits, in hex.
class TokenSource {
 public:
  std::string Next();

 private:
  absl::Mutex mu_;
  absl::BitGen bits_ ABSL_GUARDED_BY(mu_);
};

// One inviter sends at most 1,000 invitations in any 30 days: an invitation
// is kept for good, and anyone signed in may send one, so one caller sent
// 55,000 in 20 s, about a kilobyte each in the store every firm shares.
inline constexpr size_t kMaxInvitationsPerInviter = 1000;
inline constexpr absl::Duration kInviterQuotaWindow = kInvitationLifetime;

// A pending invitation made of `draft` by `inviter` at `now`: a token from
// `tokens`, its id and its company's from `allocate`, and the request id it
// was made under with the draft's CreateFingerprint (kept on the invitation
// wherever it goes, so a retry finds it after a move to accounts too). INVALID_ARGUMENT
// (CheckDraft) for a bad draft; RESOURCE_EXHAUSTED (TOO_MANY_INVITATIONS,
// retry when it leaves the window) while `inviters_oldest_recent`, the
// inviter's kMaxInvitationsPerInviter-th newest invitation, is within
// kInviterQuotaWindow. Its store reads that one under a lock of the
// inviter's, held until the new one is written.
absl::StatusOr<InvitationRecord> NewInvitation(
    const InvitationRecord& draft, absl::string_view inviter,
    absl::string_view request_id,
    const std::optional<InvitationRecord>& inviters_oldest_recent,
    const std::function<absl::StatusOr<uint64_t>()>& allocate, TokenSource& tokens,
    absl::Time now);

// Records `invitation`'s answer (accepted or declined) and moves its etag.
void Answer(InvitationRecord& invitation, v1::InvitationState answer);

// The state a reader sees: a pending invitation past its lifetime reads as
// expired without anything having to rewrite it. The token is shown only to
// its creator, once.
InvitationRecord AsSeen(InvitationRecord invitation, int64_t now_us, bool keep_token);

// OK when `caller` has proved that `email` is theirs; else PERMISSION_DENIED
// that does not repeat the address (a token alone must not reveal whom it
// was sent to): reason VERIFIED_EMAIL_REQUIRED when the caller proved none,
// NOT_INVITED_EMAIL when another. The message starts with `field` and ends
// with `advice` when given.
absl::Status RequireVerifiedEmail(const auth::Caller& caller, absl::string_view email,
                                  absl::string_view field = "",
                                  absl::string_view advice = "");

// The invitation a token found (`found`, as the store answered) if
// `caller` may answer it now: its invitee, and it is neither accepted,
// declined nor expired (FAILED_PRECONDITION with the reason
// INVITATION_ALREADY_ACCEPTED, _DECLINED or _EXPIRED). NOT_FOUND for none.
absl::StatusOr<InvitationRecord> Answerable(
    const auth::Caller& caller, absl::StatusOr<std::optional<InvitationRecord>> found,
    int64_t now_us);

// OK when `caller` may list the invitations to `invitee_email` (its proven
// owner; empty lists what the caller sent); else PERMISSION_DENIED.
absl::Status CheckMayList(const auth::Caller& caller, absl::string_view invitee_email);

// A page of stored invitations as its reader sees them (AsSeen, no token).
absl::StatusOr<storage::Page<InvitationRecord>> SeenPage(
    absl::StatusOr<storage::StoredPage<InvitationRecord>> stored,
    const storage::ListPage& list, int64_t now_us);

// An accept without a firm weighs at most this many of the caller's firms.
inline constexpr size_t kMaxFirmsWeighed = 1000;

// One page of the ids of the firms the caller is a member of, from `cursor`
// ("" for the first).
using FirmIdPages = std::function<absl::StatusOr<storage::StoredPage<uint64_t>>(
    absl::string_view cursor)>;
// The caller's firms an accept without a firm weighs: page after page, up to
// kMaxFirmsWeighed.
absl::StatusOr<std::vector<uint64_t>> FirmsWeighed(const FirmIdPages& pages);

// The firm an accept goes to: `requested` when given, else the caller's one
// firm among `firms`; PERMISSION_DENIED with none, INVALID_ARGUMENT on
// `firm` naming them when there are several. Membership of the firm is the
// cell's to check, under its own lock.
absl::StatusOr<uint64_t> ChooseFirm(std::optional<uint64_t> requested,
                                    const std::vector<uint64_t>& firms);

// What an AcceptInvitation request asks: its token (required) and the firm
// it names, if any.
struct AcceptRequest {
  std::string token;
  std::optional<uint64_t> firm_id;
};
absl::StatusOr<AcceptRequest> ParseAccept(const v1::AcceptInvitationRequest& request);

// The public form, and a CreateInvitation draft from it.
v1::Invitation ToProto(const InvitationRecord& invitation);
InvitationRecord DraftFromProto(const v1::Invitation& invitation);

}  // namespace clientbook::invitations

#endif  // CLIENTBOOK_COMMON_INVITATIONS_INVITATION_RULES_H_
