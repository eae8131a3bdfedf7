// Invitations: a client company's user invites a firm member by email; the
// member accepts into one of their firms, or declines.
#include "services/directory/domain/invitations.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/names/names.h"
#include "common/storage/paging.h"
#include "common/text/text.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {
namespace {

constexpr size_t kMaxFirmsPerUserScanned = 1000;

bool HasExpired(const InvitationRecord& inv, int64_t now_us) {
  return now_us >= inv.expire_time_us();
}

// The state a reader sees: a pending invitation past its lifetime reads as
// expired without anything having to rewrite it.
InvitationRecord AsSeen(InvitationRecord inv, int64_t now_us, bool keep_token) {
  if (inv.state() == v1::InvitationState::PENDING && HasExpired(inv, now_us)) {
    inv.set_state(v1::InvitationState::EXPIRED);
  }
  if (!keep_token) inv.clear_token();
  return inv;
}

// OK when the caller has proved that `email` is theirs. The refusal does not
// repeat the address: a token alone must not reveal whom it was sent to.
absl::Status RequireVerifiedEmail(const auth::Caller& caller, absl::string_view email) {
  if (!caller.verified_email.empty() &&
      EmailKey(caller.verified_email) == EmailKey(email)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      caller.verified_email.empty()
          ? "invitations are opened by a verified email, and you have not proved one"
          : "this is not addressed to your verified email");
}

}  // namespace

std::string Invitations::NewToken() {
  absl::MutexLock lock(&token_mu_);
  std::string bytes;
  for (int i = 0; i < 4; ++i) {
    uint32_t r = absl::Uniform<uint32_t>(token_bits_);
    bytes.append(reinterpret_cast<const char*>(&r), sizeof(r));
  }
  return absl::BytesToHexString(bytes);
}

absl::StatusOr<InvitationRecord> Invitations::CreateInvitation(
    absl::string_view caller, const InvitationRecord& draft) {
  if (absl::Status s = AllValid({
          CheckDisplayName("invitation.client_display_name", draft.client_display_name()),
          draft.client_type() == v1::ClientType::BUSINESS ||
                  draft.client_type() == v1::ClientType::INDIVIDUAL
              ? std::nullopt
              : std::optional<errors::FieldViolation>(
                    {"invitation.client_type", "must be BUSINESS or INDIVIDUAL"}),
          CheckEmail("invitation.client_email", draft.client_email(), false),
          CheckEmail("invitation.invitee_email", draft.invitee_email(), true),
      });
      !s.ok()) {
    return s;
  }
  absl::StatusOr<uint64_t> id = store_.AllocateId();
  if (!id.ok()) return id.status();
  absl::StatusOr<uint64_t> company_id = store_.AllocateId();
  if (!company_id.ok()) return company_id.status();

  InvitationRecord inv;
  inv.set_id(*id);
  inv.set_company_id(*company_id);
  inv.set_client_display_name(text::Trim(draft.client_display_name()));
  inv.set_client_type(draft.client_type());
  inv.set_client_email(draft.client_email());
  inv.set_invitee_email(draft.invitee_email());
  inv.set_inviter_user_id(std::string(caller));
  inv.set_state(v1::InvitationState::PENDING);
  inv.set_token(NewToken());
  const absl::Time now = absl::FromUnixMicros(core_.NowMicros());
  inv.set_create_time_us(absl::ToUnixMicros(now));
  inv.set_expire_time_us(absl::ToUnixMicros(now + kInvitationLifetime));

  std::unique_ptr<DirectoryWrite> write = store_.NewWrite({.actor = std::string(caller)});
  write->PutInvitation(inv, EmailKey(inv.invitee_email()));
  if (absl::Status s = write->Commit(); !s.ok()) return s;
  return inv;
}

absl::StatusOr<std::vector<uint64_t>> Invitations::FirmsOf(absl::string_view user_id) {
  std::vector<uint64_t> firms;
  std::string cursor;
  do {
    absl::StatusOr<StoredPage<uint64_t>> page =
        store_.ListFirmIdsOfUser(user_id, cursor, storage::kMaxPageSize);
    if (!page.ok()) return page.status();
    firms.insert(firms.end(), page->items.begin(), page->items.end());
    cursor = page->cursor;
  } while (!cursor.empty() && firms.size() < kMaxFirmsPerUserScanned);
  return firms;
}

absl::StatusOr<Page<InvitationRecord>> Invitations::ListInvitations(
    const auth::Caller& caller, absl::string_view invitee_email,
    const PageRequest& page) {
  absl::StatusOr<storage::ListPage> list = storage::OpenPage(
      absl::StrCat("invitations|", caller.user_id, "|", EmailKey(invitee_email)), page);
  if (!list.ok()) return list.status();
  absl::StatusOr<StoredPage<InvitationRecord>> stored;
  if (invitee_email.empty()) {
    stored = store_.ListInvitationsFromUser(caller.user_id, list->cursor, list->size);
  } else {
    if (absl::Status s = RequireVerifiedEmail(caller, invitee_email); !s.ok()) {
      return absl::PermissionDeniedError(
          absl::StrCat("invitee_email: ", s.message(),
                       "; leave it empty to list the invitations you sent"));
    }
    stored =
        store_.ListInvitationsToEmail(EmailKey(invitee_email), list->cursor, list->size);
  }
  if (!stored.ok()) return stored.status();
  Page<InvitationRecord> out;
  const int64_t now = core_.NowMicros();
  for (InvitationRecord& inv : stored->items) {
    out.items.push_back(AsSeen(std::move(inv), now, /*keep_token=*/false));
  }
  out.next_page_token = list->TokenFor(stored->cursor);
  return out;
}

absl::StatusOr<InvitationRecord> Invitations::LoadPendingInvitation(
    const auth::Caller& caller, absl::string_view token) {
  absl::StatusOr<std::optional<InvitationRecord>> inv =
      store_.GetInvitationByToken(token);
  if (!inv.ok()) return inv.status();
  if (!inv->has_value()) {
    return absl::NotFoundError("no invitation has this token");
  }
  const InvitationRecord& found = **inv;
  // Before anything about its state: whether and where it was accepted is
  // the invitee's business alone.
  if (absl::Status s = RequireVerifiedEmail(caller, found.invitee_email()); !s.ok())
    return s;
  switch (found.state()) {
    case v1::InvitationState::ACCEPTED:
      return errors::WithReason(
          absl::StatusCode::kFailedPrecondition, "INVITATION_ALREADY_ACCEPTED",
          absl::StrCat(names::InvitationName{found.id()}.ToString(),
                       " was already accepted into ",
                       names::FirmName{found.accepted_firm_id()}.ToString()));
    case v1::InvitationState::DECLINED:
      return errors::WithReason(
          absl::StatusCode::kFailedPrecondition, "INVITATION_DECLINED",
          absl::StrCat(names::InvitationName{found.id()}.ToString(), " was declined"));
    default:
      break;
  }
  if (HasExpired(found, core_.NowMicros())) {
    return errors::WithReason(
        absl::StatusCode::kFailedPrecondition, "INVITATION_EXPIRED",
        absl::StrCat(names::InvitationName{found.id()}.ToString(), " expired at ",
                     absl::FormatTime(absl::FromUnixMicros(found.expire_time_us())),
                     "; ask the client for a new one"));
  }
  return std::move(**inv);
}

absl::StatusOr<std::pair<InvitationRecord, ClientRecord>> Invitations::AcceptInvitation(
    const auth::Caller& caller, absl::string_view token,
    std::optional<uint64_t> firm_id) {
  absl::StatusOr<InvitationRecord> inv = LoadPendingInvitation(caller, token);
  if (!inv.ok()) return inv.status();
  absl::StatusOr<std::vector<uint64_t>> firms = FirmsOf(caller.user_id);
  if (!firms.ok()) return firms.status();
  if (firm_id.has_value()) {
    if (std::find(firms->begin(), firms->end(), *firm_id) == firms->end()) {
      return absl::PermissionDeniedError(
          absl::StrCat("you are not a member of ", names::FirmName{*firm_id}.ToString()));
    }
  } else if (firms->empty()) {
    return absl::PermissionDeniedError(
        "you are not a member of any firm: create or join one, then accept");
  } else if (firms->size() > 1) {
    std::vector<std::string> names;
    for (uint64_t id : *firms) names.push_back(names::FirmName{id}.ToString());
    return errors::InvalidField(
        "firm", absl::StrCat("you belong to several firms: choose one of ",
                             absl::StrJoin(names, ", ")));
  } else {
    firm_id = firms->front();
  }

  auto guard = core_.LockTokenAndFirm(token, *firm_id);
  // Read again under the lock: a concurrent accept must not win twice.
  inv = LoadPendingInvitation(caller, token);
  if (!inv.ok()) return inv.status();
  // The accepting member leads the client: not one removed meanwhile.
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller.user_id, *firm_id);
      !m.ok()) {
    return m.status();
  }

  ClientRecord client;
  client.set_firm_id(*firm_id);
  client.set_company_id(inv->company_id());
  client.set_client_type(inv->client_type());
  client.set_display_name(inv->client_display_name());
  client.set_email(inv->client_email());
  client.set_lead_accountant_user_id(caller.user_id);
  client.set_status(v1::ClientStatus::ACTIVE);
  client.set_primary_admin_user_id(inv->inviter_user_id());
  client.set_revision(1);
  client.set_create_time_us(core_.NowMicros());
  client.set_update_time_us(client.create_time_us());
  inv->set_state(v1::InvitationState::ACCEPTED);
  inv->set_accepted_firm_id(*firm_id);

  std::unique_ptr<DirectoryWrite> write = store_.NewWrite({.actor = caller.user_id});
  DirectoryCore::PutClient(*write, nullptr, client);
  write->PutInvitation(*inv, EmailKey(inv->invitee_email()));
  if (absl::Status s = write->Commit(); !s.ok()) return s;
  return std::make_pair(AsSeen(std::move(*inv), core_.NowMicros(), false),
                        std::move(client));
}

absl::StatusOr<InvitationRecord> Invitations::DeclineInvitation(
    const auth::Caller& caller, absl::string_view token) {
  auto guard = core_.LockToken(token);
  absl::StatusOr<InvitationRecord> inv = LoadPendingInvitation(caller, token);
  if (!inv.ok()) return inv.status();
  inv->set_state(v1::InvitationState::DECLINED);
  std::unique_ptr<DirectoryWrite> write = store_.NewWrite({.actor = caller.user_id});
  write->PutInvitation(*inv, EmailKey(inv->invitee_email()));
  if (absl::Status s = write->Commit(); !s.ok()) return s;
  return AsSeen(std::move(*inv), core_.NowMicros(), false);
}

}  // namespace clientbook::directory
