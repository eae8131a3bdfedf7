#include "common/invitations/invitation_rules.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/names/names.h"
#include "common/requests/etag.h"
#include "common/requests/request_id.h"
#include "common/rules/text_fields.h"
#include "common/status/errors.h"
#include "common/text/text.h"
#include "google/protobuf/util/time_util.h"

namespace clientbook::invitations {
namespace {

using google::protobuf::util::TimeUtil;

bool HasExpired(const InvitationRecord& invitation, int64_t now_us) {
  return now_us >= invitation.expire_time_us();
}

std::vector<errors::FieldViolation> DraftViolations(const InvitationRecord& draft) {
  std::vector<errors::FieldViolation> violations;
  for (std::optional<errors::FieldViolation> check : {
           rules::CheckDisplayName("invitation.client_display_name",
                                   draft.client_display_name()),
           draft.client_type() == v1::ClientType::BUSINESS ||
                   draft.client_type() == v1::ClientType::INDIVIDUAL
               ? std::nullopt
               : std::optional<errors::FieldViolation>(
                     {"invitation.client_type", "must be BUSINESS or INDIVIDUAL"}),
           rules::CheckEmail("invitation.client_email", draft.client_email(), false),
           rules::CheckEmail("invitation.invitee_email", draft.invitee_email(), true),
       }) {
    if (check.has_value()) violations.push_back(std::move(*check));
  }
  return violations;
}

}  // namespace

absl::Status CheckDraft(const InvitationRecord& draft) {
  std::vector<errors::FieldViolation> violations = DraftViolations(draft);
  if (violations.empty()) return absl::OkStatus();
  return errors::InvalidArgument(violations);
}

absl::Status CheckCreate(const InvitationRecord& draft, absl::string_view request_id) {
  std::vector<errors::FieldViolation> violations = DraftViolations(draft);
  if (std::optional<errors::FieldViolation> v = requests::Check(request_id)) {
    violations.push_back(*std::move(v));
  }
  if (violations.empty()) return absl::OkStatus();
  return errors::InvalidArgument(violations);
}

std::string CreateFingerprint(const InvitationRecord& draft) {
  return requests::Fingerprint(
      "CreateInvitation", "",
      absl::StrCat(draft.client_display_name(), "\n", draft.client_type(), "\n",
                   draft.client_email(), "\n", draft.invitee_email()));
}

absl::StatusOr<InvitationRecord> NewInvitation(
    const InvitationRecord& draft, absl::string_view inviter,
    absl::string_view request_id,
    const std::optional<InvitationRecord>& inviters_oldest_recent,
    const std::function<absl::StatusOr<uint64_t>()>& allocate, TokenSource& tokens,
    absl::Time now) {
  if (absl::Status s = CheckDraft(draft); !s.ok()) return s;
  if (inviters_oldest_recent.has_value()) {
    const absl::Time frees =
        absl::FromUnixMicros(inviters_oldest_recent->create_time_us()) +
        kInviterQuotaWindow;
    if (now < frees) {
      return errors::QuotaExhausted(
          "TOO_MANY_INVITATIONS", absl::StrCat("users/", inviter),
          absl::StrCat("this caller sent ", kMaxInvitationsPerInviter,
                       " invitations in the last ",
                       absl::ToInt64Hours(kInviterQuotaWindow) / 24,
                       " days, as many as one may: send the next one once the oldest "
                       "of them is that old"),
          frees - now);
    }
  }
  absl::StatusOr<uint64_t> id = allocate();
  if (!id.ok()) return id.status();
  absl::StatusOr<uint64_t> company_id = allocate();
  if (!company_id.ok()) return company_id.status();
  InvitationRecord invitation;
  invitation.set_id(*id);
  invitation.set_company_id(*company_id);
  invitation.set_client_display_name(text::Trim(draft.client_display_name()));
  invitation.set_client_type(draft.client_type());
  invitation.set_client_email(draft.client_email());
  invitation.set_invitee_email(draft.invitee_email());
  invitation.set_inviter_user_id(std::string(inviter));
  invitation.set_state(v1::InvitationState::PENDING);
  invitation.set_revision(1);
  invitation.set_token(tokens.Next());
  invitation.set_create_time_us(absl::ToUnixMicros(now));
  invitation.set_expire_time_us(absl::ToUnixMicros(now + kInvitationLifetime));
  if (!request_id.empty()) {
    invitation.set_create_request_id(std::string(request_id));
    invitation.set_create_request_fingerprint(CreateFingerprint(draft));
  }
  return invitation;
}

void Answer(InvitationRecord& invitation, v1::InvitationState answer) {
  invitation.set_state(answer);
  invitation.set_revision(invitation.revision() + 1);
}

InvitationRecord AsSeen(InvitationRecord invitation, int64_t now_us, bool keep_token) {
  if (invitation.state() == v1::InvitationState::PENDING &&
      HasExpired(invitation, now_us)) {
    invitation.set_state(v1::InvitationState::EXPIRED);
  }
  if (!keep_token) invitation.clear_token();
  return invitation;
}

absl::Status RequireVerifiedEmail(const auth::Caller& caller, absl::string_view email,
                                  absl::string_view field, absl::string_view advice) {
  if (!caller.verified_email.empty() &&
      rules::EmailKey(caller.verified_email) == rules::EmailKey(email)) {
    return absl::OkStatus();
  }
  const bool proved = !caller.verified_email.empty();
  return errors::WithReason(
      absl::StatusCode::kPermissionDenied,
      proved ? "NOT_INVITED_EMAIL" : "VERIFIED_EMAIL_REQUIRED",
      absl::StrCat(field.empty() ? "" : absl::StrCat(field, ": "),
                   proved ? "this is not addressed to your verified email"
                          : "invitations are opened by a verified email, and you "
                            "have not proved one",
                   advice.empty() ? "" : absl::StrCat("; ", advice)));
}

absl::StatusOr<InvitationRecord> Answerable(
    const auth::Caller& caller, absl::StatusOr<std::optional<InvitationRecord>> found,
    int64_t now_us) {
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError("no invitation has this token");
  const InvitationRecord& invitation = **found;
  // Before anything about its state: whether and where it was accepted is
  // the invitee's business alone.
  if (absl::Status s = RequireVerifiedEmail(caller, invitation.invitee_email());
      !s.ok()) {
    return s;
  }
  const std::string name = names::InvitationName{invitation.id()}.ToString();
  switch (invitation.state()) {
    case v1::InvitationState::ACCEPTED:
      return errors::WithReason(
          absl::StatusCode::kFailedPrecondition, "INVITATION_ALREADY_ACCEPTED",
          absl::StrCat(name, " was already accepted into ",
                       names::FirmName{invitation.accepted_firm_id()}.ToString()));
    case v1::InvitationState::DECLINED:
      return errors::WithReason(absl::StatusCode::kFailedPrecondition,
                                "INVITATION_DECLINED",
                                absl::StrCat(name, " was declined"));
    default:
      break;
  }
  if (HasExpired(invitation, now_us)) {
    return errors::WithReason(
        absl::StatusCode::kFailedPrecondition, "INVITATION_EXPIRED",
        absl::StrCat(name, " expired at ",
                     absl::FormatTime(absl::FromUnixMicros(invitation.expire_time_us())),
                     "; ask the client for a new one"));
  }
  return std::move(**found);
}

absl::Status CheckMayList(const auth::Caller& caller, absl::string_view invitee_email) {
  if (invitee_email.empty()) return absl::OkStatus();
  return RequireVerifiedEmail(caller, invitee_email, "invitee_email",
                              "leave it empty to list the invitations you sent");
}

absl::StatusOr<storage::Page<InvitationRecord>> SeenPage(
    absl::StatusOr<storage::StoredPage<InvitationRecord>> stored,
    const storage::ListPage& list, int64_t now_us) {
  if (!stored.ok()) return stored.status();
  storage::Page<InvitationRecord> out;
  for (InvitationRecord& invitation : stored->items) {
    out.items.push_back(AsSeen(std::move(invitation), now_us, /*keep_token=*/false));
  }
  out.next_page_token = list.TokenFor(stored->cursor);
  return out;
}

absl::StatusOr<std::vector<uint64_t>> FirmsWeighed(const FirmIdPages& pages) {
  std::vector<uint64_t> firms;
  std::string cursor;
  do {
    absl::StatusOr<storage::StoredPage<uint64_t>> page = pages(cursor);
    if (!page.ok()) return page.status();
    firms.insert(firms.end(), page->items.begin(), page->items.end());
    cursor = std::move(page->cursor);
  } while (!cursor.empty() && firms.size() < kMaxFirmsWeighed);
  return firms;
}

absl::StatusOr<uint64_t> ChooseFirm(std::optional<uint64_t> requested,
                                    const std::vector<uint64_t>& firms) {
  if (requested.has_value()) return *requested;
  if (firms.empty()) {
    return errors::NotAMember(
        "you are not a member of any firm: create or join one, then accept");
  }
  if (firms.size() > 1) {
    std::vector<std::string> choices;
    for (uint64_t id : firms) choices.push_back(names::FirmName{id}.ToString());
    return errors::InvalidField(
        "firm", absl::StrCat("you belong to several firms: choose one of ",
                             absl::StrJoin(choices, ", ")));
  }
  return firms.front();
}

std::string TokenSource::Next() {
  absl::MutexLock lock(&mu_);
  std::string bytes;
  for (int i = 0; i < 4; ++i) {
    uint32_t r = absl::Uniform<uint32_t>(bits_);
    bytes.append(reinterpret_cast<const char*>(&r), sizeof(r));
  }
  return absl::BytesToHexString(bytes);
}

absl::StatusOr<AcceptRequest> ParseAccept(const v1::AcceptInvitationRequest& request) {
  AcceptRequest out{.token = request.token()};
  if (!request.firm().empty()) {
    absl::StatusOr<names::FirmName> firm = names::FirmName::Parse("firm", request.firm());
    if (!firm.ok()) return firm.status();
    out.firm_id = firm->firm_id;
  }
  if (out.token.empty()) return errors::InvalidField("token", "is required");
  return out;
}

v1::Invitation ToProto(const InvitationRecord& invitation) {
  v1::Invitation out;
  out.set_name(names::InvitationName{invitation.id()}.ToString());
  out.set_company_id(std::to_string(invitation.company_id()));
  out.set_client_display_name(invitation.client_display_name());
  out.set_client_type(invitation.client_type());
  out.set_client_email(invitation.client_email());
  out.set_invitee_email(invitation.invitee_email());
  out.set_inviter_user_id(invitation.inviter_user_id());
  out.set_state(invitation.state());
  out.set_token(invitation.token());
  out.set_etag(requests::EtagOf(invitation));
  *out.mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(invitation.create_time_us());
  *out.mutable_expire_time() =
      TimeUtil::MicrosecondsToTimestamp(invitation.expire_time_us());
  if (invitation.state() == v1::InvitationState::ACCEPTED) {
    out.set_client(
        names::ClientName{invitation.accepted_firm_id(), invitation.company_id()}
            .ToString());
  }
  return out;
}

InvitationRecord DraftFromProto(const v1::Invitation& invitation) {
  InvitationRecord out;
  out.set_client_display_name(invitation.client_display_name());
  out.set_client_type(invitation.client_type());
  out.set_client_email(invitation.client_email());
  out.set_invitee_email(invitation.invitee_email());
  return out;
}

}  // namespace clientbook::invitations
