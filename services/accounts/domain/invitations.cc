#include "services/accounts/domain/invitations.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/names/names.h"
#include "common/requests/request_id.h"
#include "common/rules/text_fields.h"
#include "common/status/errors.h"

namespace clientbook::accounts {
namespace {

// An answer the cell gave for sure (a refusal), after which the accept may
// start over with another firm; UNAVAILABLE leaves the outcome unknown.
bool IsDefinite(const absl::Status& status) {
  return status.code() != absl::StatusCode::kUnavailable &&
         status.code() != absl::StatusCode::kDeadlineExceeded &&
         status.code() != absl::StatusCode::kUnknown &&
         status.code() != absl::StatusCode::kInternal;
}

}  // namespace

absl::Status Invitations::Put(const changes::ChangeOrigin& origin,
                              const InvitationRecord& invitation) {
  return store_.PutInvitation(origin, invitation,
                              rules::EmailKey(invitation.invitee_email()));
}

absl::StatusOr<InvitationRecord> Invitations::CreateInvitation(
    absl::string_view caller, const InvitationRecord& draft,
    absl::string_view request_id) {
  if (absl::Status s = invitations::CheckCreate(draft, request_id); !s.ok()) return s;
  // The inviter's lock covers its quota and its request ids.
  auto guard = locks_.Lock({absl::StrCat("inviter:", caller)});
  if (!request_id.empty()) {
    absl::StatusOr<std::optional<InvitationRecord>> first =
        store_.InvitationCreatedUnder(caller, request_id);
    if (!first.ok()) return first.status();
    if (first->has_value()) {
      if (absl::Status s =
              requests::CheckSameRequest((*first)->create_request_fingerprint(),
                                         invitations::CreateFingerprint(draft));
          !s.ok()) {
        return s;
      }
      return invitations::AsSeen(**std::move(first), NowMicros(), /*keep_token=*/true);
    }
  }
  absl::StatusOr<std::optional<InvitationRecord>> oldest_recent =
      store_.NthNewestInvitationFromUser(caller, invitations::kMaxInvitationsPerInviter);
  if (!oldest_recent.ok()) return oldest_recent.status();
  absl::StatusOr<InvitationRecord> invitation = invitations::NewInvitation(
      draft, caller, request_id, *oldest_recent, [this] { return store_.AllocateId(); },
      tokens_, clock_.Now());
  if (!invitation.ok()) return invitation.status();
  if (absl::Status s =
          Put({.actor = std::string(caller), .request_id = std::string(request_id)},
              *invitation);
      !s.ok()) {
    return s;
  }
  return invitation;
}

absl::StatusOr<storage::Page<InvitationRecord>> Invitations::ListInvitations(
    const auth::Caller& caller, absl::string_view invitee_email,
    const storage::PageRequest& page) {
  const std::string email_key = rules::EmailKey(invitee_email);
  absl::StatusOr<storage::ListPage> list = storage::OpenPage(
      absl::StrCat("invitations|", caller.user_id, "|", email_key), page);
  if (!list.ok()) return list.status();
  if (absl::Status s = invitations::CheckMayList(caller, invitee_email); !s.ok())
    return s;
  return invitations::SeenPage(
      invitee_email.empty()
          ? store_.InvitationsFromUser(caller.user_id, list->cursor, list->size)
          : store_.InvitationsToEmail(email_key, list->cursor, list->size),
      *list, NowMicros());
}

absl::StatusOr<InvitationRecord> Invitations::LoadPendingInvitation(
    const auth::Caller& caller, absl::string_view token) {
  return invitations::Answerable(caller, store_.GetInvitationByToken(token), NowMicros());
}

absl::StatusOr<storage::StoredPage<uint64_t>> Invitations::FirmIdsOf(
    absl::string_view user_id, absl::string_view cursor) const {
  absl::StatusOr<storage::StoredPage<v1::Firm>> page =
      store_.FirmsOf(user_id, cursor, storage::kMaxPageSize);
  if (!page.ok()) return page.status();
  storage::StoredPage<uint64_t> ids{.items = {}, .cursor = std::move(page->cursor)};
  for (const v1::Firm& firm : page->items) {
    absl::StatusOr<names::FirmName> name = names::FirmName::Parse("firm", firm.name());
    if (name.ok()) ids.items.push_back(name->firm_id);
  }
  return ids;
}

absl::StatusOr<uint64_t> Invitations::PinFirm(const auth::Caller& caller,
                                              InvitationRecord& invitation,
                                              std::optional<uint64_t> requested) {
  if (const uint64_t begun = invitation.accepting_firm_id(); begun != 0) {
    if (requested.has_value() && *requested != begun) {
      const std::string firm = names::FirmName{begun}.ToString();
      return errors::WithReason(
          absl::StatusCode::kFailedPrecondition, "INVITATION_BEING_ACCEPTED",
          absl::StrCat(names::InvitationName{invitation.id()}.ToString(),
                       " is being accepted into ", firm,
                       ", whose cell has not answered yet: retry with that firm"),
          {{"firm", firm}});
    }
    return begun;
  }
  // The index only helps to pick the invitee's one firm; the cell checks
  // the membership itself.
  std::vector<uint64_t> firms;
  if (!requested.has_value()) {
    absl::StatusOr<std::vector<uint64_t>> weighed = invitations::FirmsWeighed(
        [&](absl::string_view cursor) { return FirmIdsOf(caller.user_id, cursor); });
    if (!weighed.ok()) return weighed.status();
    firms = *std::move(weighed);
  }
  absl::StatusOr<uint64_t> firm = invitations::ChooseFirm(requested, firms);
  if (!firm.ok()) return firm.status();
  invitation.set_accepting_firm_id(*firm);
  if (absl::Status s = Put({.actor = caller.user_id}, invitation); !s.ok()) return s;
  return *firm;
}

absl::StatusOr<InvitationRecord> Invitations::AcceptInvitation(
    const auth::Caller& caller, absl::string_view token,
    std::optional<uint64_t> requested) {
  // Read under the lock: a concurrent accept must not win twice.
  auto guard = locks_.Lock({token});
  absl::StatusOr<InvitationRecord> invitation = LoadPendingInvitation(caller, token);
  if (!invitation.ok()) return invitation.status();
  absl::StatusOr<uint64_t> firm = PinFirm(caller, *invitation, requested);
  if (!firm.ok()) return firm.status();

  absl::StatusOr<v1::Client> client = cells_.ConnectInvitedClient(
      caller, *firm, *invitation, absl::StrCat("accept-invitation-", invitation->id()));
  // ALREADY_EXISTS: the company joined this firm on an earlier attempt
  // whose answer was lost (under another of the invitee's user ids).
  if (!client.ok() && client.status().code() != absl::StatusCode::kAlreadyExists) {
    if (IsDefinite(client.status())) {
      invitation->clear_accepting_firm_id();
      if (absl::Status s = Put({.actor = caller.user_id}, *invitation); !s.ok()) return s;
    }
    return client.status();
  }
  invitations::Answer(*invitation, v1::InvitationState::ACCEPTED);
  invitation->set_accepted_firm_id(*firm);
  invitation->clear_accepting_firm_id();
  if (absl::Status s = Put({.actor = caller.user_id}, *invitation); !s.ok()) return s;
  return invitations::AsSeen(*std::move(invitation), NowMicros(), false);
}

absl::StatusOr<InvitationRecord> Invitations::DeclineInvitation(
    const auth::Caller& caller, absl::string_view token) {
  auto guard = locks_.Lock({token});
  absl::StatusOr<InvitationRecord> invitation = LoadPendingInvitation(caller, token);
  if (!invitation.ok()) return invitation.status();
  // Once a cell may have connected it, only the accept can finish.
  if (invitation->accepting_firm_id() != 0) {
    return errors::WithReason(
        absl::StatusCode::kFailedPrecondition, "INVITATION_BEING_ACCEPTED",
        absl::StrCat(names::InvitationName{invitation->id()}.ToString(),
                     " is being accepted into ",
                     names::FirmName{invitation->accepting_firm_id()}.ToString(),
                     ": retry the accept"));
  }
  invitations::Answer(*invitation, v1::InvitationState::DECLINED);
  if (absl::Status s = Put({.actor = caller.user_id}, *invitation); !s.ok()) return s;
  return invitations::AsSeen(*std::move(invitation), NowMicros(), false);
}

absl::Status Invitations::Adopt(absl::string_view actor, const InvitationRecord& moved) {
  auto guard = locks_.Lock({moved.token()});
  absl::StatusOr<std::optional<InvitationRecord>> kept =
      store_.GetInvitationByToken(moved.token());
  if (!kept.ok()) return kept.status();
  if (kept->has_value()) return absl::OkStatus();
  InvitationRecord invitation = moved;
  absl::StatusOr<uint64_t> company = store_.AllocateId();
  if (!company.ok()) return company.status();
  invitation.set_company_id(*company);
  return Put({.actor = std::string(actor), .source = invitations::kMovedToAccounts},
             invitation);
}

}  // namespace clientbook::accounts
