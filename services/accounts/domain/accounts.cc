#include "services/accounts/domain/accounts.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/names/names.h"

namespace clientbook::accounts {
namespace {

bool IsGone(const v1::ChangeEvent& event) {
  return event.type() == v1::ChangeEvent::DELETED;
}

// What `event` says of a firm or a membership of `cell`; nullopt for
// anything else.
std::optional<IndexChange> ChangeOf(const v1::ChangeEvent& event, names::Cell cell) {
  using Kind = IndexChange::Kind;
  if (event.resource_type() == "clientbook.v1.Firm") {
    absl::StatusOr<names::FirmName> firm = names::FirmName::Parse("name", event.name());
    if (!firm.ok() || !cell.Holds(firm->firm_id)) return std::nullopt;
    if (IsGone(event))
      return IndexChange{.kind = Kind::kDeleteFirm, .firm_id = firm->firm_id};
    if (!event.resource().has_firm()) return std::nullopt;
    return IndexChange{.kind = Kind::kPutFirm,
                       .firm_id = firm->firm_id,
                       .firm = event.resource().firm()};
  }
  if (event.resource_type() == "clientbook.v1.FirmMember") {
    absl::StatusOr<names::MemberName> member =
        names::MemberName::Parse("name", event.name());
    if (!member.ok() || !cell.Holds(member->firm_id)) return std::nullopt;
    return IndexChange{.kind = IsGone(event) ? Kind::kDeleteMember : Kind::kPutMember,
                       .firm_id = member->firm_id,
                       .user_id = member->user_id};
  }
  return std::nullopt;
}

}  // namespace

absl::Status Accounts::Apply(
    FeedOf feed, const google::protobuf::RepeatedPtrField<v1::ChangeEvent>& events,
    const std::string& token) {
  std::vector<IndexChange> changes;
  changes.reserve(events.size());
  for (const v1::ChangeEvent& event : events) {
    if (std::optional<IndexChange> change = ChangeOf(event, feed.cell)) {
      changes.push_back(*std::move(change));
    }
  }
  return store_.Apply(feed, changes, token);
}

absl::StatusOr<storage::Page<v1::Firm>> Accounts::ListMyFirms(
    absl::string_view user, const storage::PageRequest& page) {
  absl::StatusOr<storage::ListPage> list =
      storage::OpenPage(absl::StrCat("my-firms|", user), page);
  if (!list.ok()) return list.status();
  absl::StatusOr<storage::StoredPage<v1::Firm>> firms =
      store_.FirmsOf(user, list->cursor, list->size);
  if (!firms.ok()) return firms.status();
  return storage::Page<v1::Firm>{.items = std::move(firms->items),
                                 .next_page_token = list->TokenFor(firms->cursor)};
}

}  // namespace clientbook::accounts
