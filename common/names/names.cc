#include "common/names/names.h"

#include "absl/strings/str_cat.h"
#include "common/names/resource_name.h"

namespace clientbook::names {
namespace {

// The two segments of a name whose first '*' is a firm id and second a
// user id (which must be a valid user id, so a name has one spelling).
absl::StatusOr<std::pair<uint64_t, std::string>> FirmAndUser(absl::string_view field,
                                                             absl::string_view name,
                                                             absl::string_view pattern) {
  absl::StatusOr<std::vector<absl::string_view>> parts = Match(field, name, pattern);
  if (!parts.ok()) return parts.status();
  absl::StatusOr<uint64_t> firm = ParseId(field, name, (*parts)[0]);
  if (!firm.ok()) return firm.status();
  absl::StatusOr<std::string> user = ParseUserId(field, name, (*parts)[1]);
  if (!user.ok()) return user.status();
  return std::make_pair(*firm, std::move(*user));
}

}  // namespace

absl::StatusOr<FirmName> FirmName::Parse(absl::string_view field,
                                         absl::string_view name) {
  absl::StatusOr<std::vector<uint64_t>> ids = MatchIds(field, name, "firms/*");
  if (!ids.ok()) return ids.status();
  return FirmName{(*ids)[0]};
}
std::string FirmName::ToString() const { return absl::StrCat("firms/", firm_id); }

absl::StatusOr<MemberName> MemberName::Parse(absl::string_view field,
                                             absl::string_view name) {
  auto parts = FirmAndUser(field, name, "firms/*/members/*");
  if (!parts.ok()) return parts.status();
  return MemberName{parts->first, std::move(parts->second)};
}
std::string MemberName::ToString() const {
  return absl::StrCat("firms/", firm_id, "/members/", user_id);
}

absl::StatusOr<ClientListViewName> ClientListViewName::Parse(absl::string_view field,
                                                             absl::string_view name) {
  auto parts = FirmAndUser(field, name, "firms/*/members/*/clientListView");
  if (!parts.ok()) return parts.status();
  return ClientListViewName{parts->first, std::move(parts->second)};
}
std::string ClientListViewName::ToString() const {
  return absl::StrCat(MemberName{firm_id, user_id}.ToString(), "/clientListView");
}

absl::StatusOr<ClientName> ClientName::Parse(absl::string_view field,
                                             absl::string_view name) {
  absl::StatusOr<std::vector<uint64_t>> ids = MatchIds(field, name, "firms/*/clients/*");
  if (!ids.ok()) return ids.status();
  return ClientName{(*ids)[0], (*ids)[1]};
}
std::string ClientName::ToString() const {
  return absl::StrCat("firms/", firm_id, "/clients/", company_id);
}

absl::StatusOr<SubscriptionName> SubscriptionName::Parse(absl::string_view field,
                                                         absl::string_view name) {
  absl::StatusOr<std::vector<uint64_t>> ids =
      MatchIds(field, name, "firms/*/clients/*/subscription");
  if (!ids.ok()) return ids.status();
  return SubscriptionName{(*ids)[0], (*ids)[1]};
}
std::string SubscriptionName::ToString() const {
  return absl::StrCat(client().ToString(), "/subscription");
}

absl::StatusOr<BillingTransferName> BillingTransferName::Parse(absl::string_view field,
                                                               absl::string_view name) {
  absl::StatusOr<std::vector<uint64_t>> ids =
      MatchIds(field, name, "firms/*/clients/*/subscription/transfer");
  if (!ids.ok()) return ids.status();
  return BillingTransferName{(*ids)[0], (*ids)[1]};
}
std::string BillingTransferName::ToString() const {
  return absl::StrCat(subscription().ToString(), "/transfer");
}

absl::StatusOr<ImportJobName> ImportJobName::Parse(absl::string_view field,
                                                   absl::string_view name) {
  absl::StatusOr<std::vector<uint64_t>> ids =
      MatchIds(field, name, "firms/*/importJobs/*");
  if (!ids.ok()) return ids.status();
  return ImportJobName{(*ids)[0], (*ids)[1]};
}
std::string ImportJobName::ToString() const {
  return absl::StrCat("firms/", firm_id, "/importJobs/", job_id);
}

absl::StatusOr<NoteName> NoteName::Parse(absl::string_view field,
                                         absl::string_view name) {
  absl::StatusOr<std::vector<uint64_t>> ids = MatchIds(field, name, "firms/*/notes/*");
  if (!ids.ok()) return ids.status();
  return NoteName{(*ids)[0], (*ids)[1]};
}
std::string NoteName::ToString() const {
  return absl::StrCat("firms/", firm_id, "/notes/", note_id);
}

absl::StatusOr<TodoName> TodoName::Parse(absl::string_view field,
                                         absl::string_view name) {
  absl::StatusOr<std::vector<uint64_t>> ids = MatchIds(field, name, "firms/*/todos/*");
  if (!ids.ok()) return ids.status();
  return TodoName{(*ids)[0], (*ids)[1]};
}
std::string TodoName::ToString() const {
  return absl::StrCat("firms/", firm_id, "/todos/", todo_id);
}

absl::StatusOr<InvitationName> InvitationName::Parse(absl::string_view field,
                                                     absl::string_view name) {
  absl::StatusOr<std::vector<uint64_t>> ids = MatchIds(field, name, "invitations/*");
  if (!ids.ok()) return ids.status();
  return InvitationName{(*ids)[0]};
}
std::string InvitationName::ToString() const {
  return absl::StrCat("invitations/", invitation_id);
}

}  // namespace clientbook::names
