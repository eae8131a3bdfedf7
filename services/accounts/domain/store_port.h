#ifndef CLIENTBOOK_SERVICES_ACCOUNTS_DOMAIN_STORE_PORT_H_
#define CLIENTBOOK_SERVICES_ACCOUNTS_DOMAIN_STORE_PORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clientbook/v1/directory.pb.h"
#include "common/changes/change_origin.h"
#include "common/invitations/invitation_record.pb.h"
#include "common/names/cell.h"
#include "common/paging/paging.h"

namespace clientbook::accounts {

// The two things accounts follows in each cell's directory feed.
enum class Feed { kFirms, kMembers };

// One cell's feed of one kind: its position is kept apart from the others.
struct FeedOf {
  names::Cell cell;
  Feed feed;
};

// One firm or membership as a feed says it is now.
struct IndexChange {
  enum class Kind { kPutFirm, kDeleteFirm, kPutMember, kDeleteMember };
  Kind kind;
  uint64_t firm_id = 0;
  // kPutFirm: the firm as the directory has it.
  v1::Firm firm;
  // Memberships: whose.
  std::string user_id;
};

// What accounts keeps: each firm's record and every user's memberships,
// across cells, with each feed's position; and the invitations.
class AccountsStore {
 public:
  virtual ~AccountsStore() = default;

  // `changes`, then `token` as the feed's position unless it is empty, in
  // one write.
  virtual absl::Status Apply(FeedOf feed, const std::vector<IndexChange>& changes,
                             absl::string_view token) = 0;
  // The feed's position; "" before its first batch.
  virtual absl::StatusOr<std::string> Position(FeedOf feed) const = 0;
  // Drops the feed's position and everything it built in its cell (the
  // cell's firms, or its memberships), in one write.
  virtual absl::Status Forget(FeedOf feed) = 0;
  // One page of `user`'s firms in id order, after `cursor`; a firm whose
  // record has not arrived yet carries its name alone.
  virtual absl::StatusOr<storage::StoredPage<v1::Firm>> FirmsOf(absl::string_view user,
                                                                absl::string_view cursor,
                                                                size_t limit) const = 0;

  // Invitations, kept here in front of several cells. Ids (of invitations,
  // and of the companies they bring) are accounts' own, from
  // names::kFirstAccountsId on.
  virtual absl::StatusOr<uint64_t> AllocateId() = 0;
  // Writes `invitation` with what finds it (its token, its invitee's email
  // key, its inviter, its create_request_id) and its change record, naming
  // `origin`, durably.
  virtual absl::Status PutInvitation(const changes::ChangeOrigin& origin,
                                     const invitations::InvitationRecord& invitation,
                                     absl::string_view invitee_email_key) = 0;
  virtual absl::StatusOr<std::optional<invitations::InvitationRecord>>
  GetInvitationByToken(absl::string_view token) const = 0;
  // The invitation `inviter` created under `request_id`, if any.
  virtual absl::StatusOr<std::optional<invitations::InvitationRecord>>
  InvitationCreatedUnder(absl::string_view inviter,
                         absl::string_view request_id) const = 0;
  // Invitations to an invitee email key, or from an inviter, in id order.
  virtual absl::StatusOr<storage::StoredPage<invitations::InvitationRecord>>
  InvitationsToEmail(absl::string_view email_key, absl::string_view cursor,
                     size_t limit) const = 0;
  virtual absl::StatusOr<storage::StoredPage<invitations::InvitationRecord>>
  InvitationsFromUser(absl::string_view user, absl::string_view cursor,
                      size_t limit) const = 0;
  // `user`'s n-th newest invitation, if it sent `n`.
  virtual absl::StatusOr<std::optional<invitations::InvitationRecord>>
  NthNewestInvitationFromUser(absl::string_view user, size_t n) const = 0;
};

}  // namespace clientbook::accounts

#endif  // CLIENTBOOK_SERVICES_ACCOUNTS_DOMAIN_STORE_PORT_H_
