#include "services/directory/domain/invitations.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/names/cell.h"
#include "common/names/names.h"
#include "common/paging/paging.h"
#include "common/requests/request_id.h"
#include "common/rules/ids.h"
#include "common/status/errors.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {
absl::StatusOr<InvitationRecord> Invitations::CreateInvitation(
    const auth::Caller& caller, const InvitationRecord& draft,
    absl::string_view request_id) {
  if (absl::Status s = invitations::CheckCreate(draft, request_id); !s.ok()) return s;
  // The caller's lock covers its quota and its user-scoped request ids.
  auto guard = core_.LockUser(caller.user_id);
  return core_.Write<InvitationRecord>(
      {kUserRequestScope, caller.user_id, request_id,
       invitations::CreateFingerprint(draft)},
      [&](const RequestRecord& first) -> absl::StatusOr<InvitationRecord> {
        absl::StatusOr<std::optional<InvitationRecord>> made =
            invitation_store_.GetInvitation(first.id());
        if (!made.ok()) return made.status();
        // Handed over to accounts since (HandOverPending): asked there now.
        if (!made->has_value()) {
          return errors::NotFound(names::InvitationName{first.id()}.ToString());
        }
        return invitations::AsSeen(**std::move(made), core_.NowMicros(),
                                   /*keep_token=*/true);
      },
      [&](DirectoryWrite& write,
          RequestRecord& done) -> absl::StatusOr<InvitationRecord> {
        absl::StatusOr<std::optional<InvitationRecord>> oldest_recent =
            invitation_store_.NthNewestInvitationFromUser(
                caller.user_id, invitations::kMaxInvitationsPerInviter);
        if (!oldest_recent.ok()) return oldest_recent.status();
        absl::StatusOr<InvitationRecord> inv = invitations::NewInvitation(
            draft, caller.user_id, request_id, *oldest_recent,
            [this] { return core_.AllocateId(); }, tokens_,
            absl::FromUnixMicros(core_.NowMicros()));
        if (!inv.ok()) return inv.status();
        write.invitations().PutInvitation(*inv, EmailKey(inv->invitee_email()));
        done.set_id(inv->id());
        return inv;
      });
}

absl::StatusOr<std::vector<uint64_t>> Invitations::FirmsOf(absl::string_view user_id) {
  return invitations::FirmsWeighed([&](absl::string_view cursor) {
    return firm_store_.ListFirmIdsOfUser(user_id, cursor, storage::kMaxPageSize);
  });
}

absl::StatusOr<Page<InvitationRecord>> Invitations::ListInvitations(
    const auth::Caller& caller, absl::string_view invitee_email,
    const PageRequest& page) {
  absl::StatusOr<storage::ListPage> list = storage::OpenPage(
      absl::StrCat("invitations|", caller.user_id, "|", EmailKey(invitee_email)), page);
  if (!list.ok()) return list.status();
  if (absl::Status s = invitations::CheckMayList(caller, invitee_email); !s.ok())
    return s;
  return invitations::SeenPage(
      invitee_email.empty() ? invitation_store_.ListInvitationsFromUser(
                                  caller.user_id, list->cursor, list->size)
                            : invitation_store_.ListInvitationsToEmail(
                                  EmailKey(invitee_email), list->cursor, list->size),
      *list, core_.NowMicros());
}

absl::StatusOr<InvitationRecord> Invitations::LoadPendingInvitation(
    const auth::Caller& caller, absl::string_view token) {
  return invitations::Answerable(caller, invitation_store_.GetInvitationByToken(token),
                                 core_.NowMicros());
}

ClientRecord Invitations::ClientOf(const InvitationRecord& invitation, uint64_t firm_id,
                                   absl::string_view lead) const {
  ClientRecord client;
  client.set_firm_id(firm_id);
  client.set_company_id(invitation.company_id());
  client.set_client_type(invitation.client_type());
  client.set_display_name(invitation.client_display_name());
  client.set_email(invitation.client_email());
  client.set_lead_accountant_user_id(std::string(lead));
  client.set_status(v1::ClientStatus::ACTIVE);
  client.set_primary_admin_user_id(invitation.inviter_user_id());
  client.set_revision(1);
  client.set_create_time_us(core_.NowMicros());
  client.set_update_time_us(client.create_time_us());
  return client;
}

absl::StatusOr<std::pair<InvitationRecord, ClientRecord>> Invitations::AcceptInvitation(
    const auth::Caller& caller, absl::string_view token,
    std::optional<uint64_t> requested_firm) {
  absl::StatusOr<InvitationRecord> inv = LoadPendingInvitation(caller, token);
  if (!inv.ok()) return inv.status();
  absl::StatusOr<std::vector<uint64_t>> firms = FirmsOf(caller.user_id);
  if (!firms.ok()) return firms.status();
  absl::StatusOr<uint64_t> firm_id = invitations::ChooseFirm(requested_firm, *firms);
  if (!firm_id.ok()) return firm_id.status();

  auto guard = core_.LockTokenAndFirm(token, *firm_id);
  // Read again under the lock: a concurrent accept must not win twice.
  inv = LoadPendingInvitation(caller, token);
  if (!inv.ok()) return inv.status();
  // The accepting member leads the client: not one removed meanwhile.
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, *firm_id); !m.ok()) {
    return m.status();
  }
  ClientRecord client = ClientOf(*inv, *firm_id, caller.user_id);
  invitations::Answer(*inv, v1::InvitationState::ACCEPTED);
  inv->set_accepted_firm_id(*firm_id);

  std::unique_ptr<DirectoryWrite> write = core_.NewWrite({.actor = caller.user_id});
  DirectoryCore::PutClient(write->clients(), nullptr, client);
  write->invitations().PutInvitation(*inv, EmailKey(inv->invitee_email()));
  if (absl::Status s = write->Commit(); !s.ok()) return s;
  return std::make_pair(invitations::AsSeen(std::move(*inv), core_.NowMicros(), false),
                        std::move(client));
}

absl::StatusOr<InvitationRecord> Invitations::DeclineInvitation(
    const auth::Caller& caller, absl::string_view token) {
  auto guard = core_.LockToken(token);
  absl::StatusOr<InvitationRecord> inv = LoadPendingInvitation(caller, token);
  if (!inv.ok()) return inv.status();
  invitations::Answer(*inv, v1::InvitationState::DECLINED);
  std::unique_ptr<DirectoryWrite> write = core_.NewWrite({.actor = caller.user_id});
  write->invitations().PutInvitation(*inv, EmailKey(inv->invitee_email()));
  if (absl::Status s = write->Commit(); !s.ok()) return s;
  return invitations::AsSeen(std::move(*inv), core_.NowMicros(), false);
}

absl::StatusOr<ClientRecord> Invitations::ConnectInvitedClient(
    const auth::Caller& caller, names::FirmName firm_name,
    const InvitationRecord& invitation, absl::string_view request_id) {
  const uint64_t firm_id = firm_name.firm_id;
  if (absl::Status s =
          invitations::RequireVerifiedEmail(caller, invitation.invitee_email());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = invitations::CheckDraft(invitation); !s.ok()) return s;
  if (absl::Status s = AllValid({
          rules::CheckId("invitation.inviter_user_id", invitation.inviter_user_id(),
                         true),
          invitation.company_id() >= names::kFirstAccountsId
              ? std::nullopt
              : std::optional<errors::FieldViolation>(
                    {"invitation.company_id", "must be an id accounts handed out"}),
          requests::Check(request_id),
      });
      !s.ok()) {
    return s;
  }
  const std::string fingerprint =
      requests::Fingerprint("ConnectInvitedClient", names::FirmName{firm_id}.ToString(),
                            std::to_string(invitation.company_id()));
  auto guard = core_.LockFirm(firm_id);
  return core_.Write<ClientRecord>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [&](const RequestRecord& first) { return core_.LoadClient(firm_id, first.id()); },
      [&](DirectoryWrite& write, RequestRecord& done) -> absl::StatusOr<ClientRecord> {
        if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, firm_id);
            !m.ok()) {
          return m.status();
        }
        absl::StatusOr<std::optional<ClientRecord>> existing =
            client_store_.GetClient(firm_id, invitation.company_id());
        if (!existing.ok()) return existing.status();
        if (existing->has_value()) {
          return absl::AlreadyExistsError(
              absl::StrCat(names::ClientName{firm_id, invitation.company_id()}.ToString(),
                           " is already a client: the invitation was accepted before"));
        }
        ClientRecord client = ClientOf(invitation, firm_id, caller.user_id);
        DirectoryCore::PutClient(write.clients(), nullptr, client);
        done.set_id(invitation.company_id());
        return client;
      });
}

absl::StatusOr<size_t> Invitations::HandOverPending(
    absl::string_view actor,
    const std::function<absl::Status(const InvitationRecord&)>& adopt) {
  size_t moved = 0;
  std::string cursor;
  do {
    absl::StatusOr<StoredPage<InvitationRecord>> page =
        invitation_store_.ScanInvitations(cursor, storage::kMaxPageSize);
    if (!page.ok()) return page.status();
    for (const InvitationRecord& invitation : page->items) {
      if (invitations::AsSeen(invitation, core_.NowMicros(), /*keep_token=*/true)
              .state() != v1::InvitationState::PENDING) {
        continue;
      }
      if (absl::Status s = adopt(invitation); !s.ok()) return s;
      std::unique_ptr<DirectoryWrite> write = core_.NewWrite(
          {.actor = std::string(actor), .source = invitations::kMovedToAccounts});
      write->invitations().DeleteInvitation(invitation,
                                            EmailKey(invitation.invitee_email()));
      if (absl::Status s = write->Commit(); !s.ok()) return s;
      ++moved;
    }
    cursor = page->cursor;
  } while (!cursor.empty());
  return moved;
}

}  // namespace clientbook::directory
