#include "services/directory/api/directory_change_readers.h"

#include "common/invitations/invitation_changes.h"
#include "common/names/names.h"
#include "common/storage/records.h"
#include "services/directory/api/convert.h"
#include "services/directory/api/workspace_convert.h"

namespace clientbook::directory {
namespace {

template <typename Record>
absl::StatusOr<Record> Decode(absl::string_view stored) {
  return storage::DecodeRecord<Record>(stored);
}

}  // namespace

absl::Status DirectoryChangeReaders::CheckFirmReader(const auth::Caller& caller,
                                                     uint64_t firm_id) {
  return directory_.core.RequireMember(caller, firm_id).status();
}

absl::Status DirectoryChangeReaders::CheckAuditReader(const auth::Caller& caller,
                                                      uint64_t firm_id, bool whole_firm) {
  if (!whole_firm) return CheckFirmReader(caller, firm_id);
  return directory_.core.RequireRole(caller, firm_id, v1::ADMIN).status();
}

bool DirectoryChangeReaders::MayRead(const auth::Caller& caller,
                                     const changes::ChangeRecord& record) const {
  if (record.resource_type() != v1::ClientListView::descriptor()->full_name())
    return true;
  if (caller.HasRole(changes::kPlatformRole) || caller.HasRole(auth::kOperatorRole)) {
    return true;
  }
  absl::StatusOr<names::ClientListViewName> view =
      names::ClientListViewName::Parse("name", record.name());
  return view.ok() && view->user_id == caller.user_id;
}

absl::Status DirectoryChangeReaders::ToResource(const changes::ChangeRecord& record,
                                                absl::string_view stored,
                                                v1::Resource& out) const {
  const std::string& type = record.resource_type();
  auto set = [](auto decoded, auto* field) -> absl::Status {
    if (!decoded.ok()) return decoded.status();
    *field = ToProto(*decoded);
    return absl::OkStatus();
  };
  if (type == v1::Firm::descriptor()->full_name()) {
    return set(Decode<FirmRecord>(stored), out.mutable_firm());
  }
  if (type == v1::FirmMember::descriptor()->full_name()) {
    return set(Decode<MemberRecord>(stored), out.mutable_firm_member());
  }
  if (type == v1::Client::descriptor()->full_name()) {
    return set(Decode<ClientRecord>(stored), out.mutable_client());
  }
  if (type == v1::Invitation::descriptor()->full_name()) {
    return invitations::InvitationResource(stored, out);
  }
  if (type == v1::Note::descriptor()->full_name()) {
    return set(Decode<NoteRecord>(stored), out.mutable_note());
  }
  if (type == v1::Todo::descriptor()->full_name()) {
    return set(Decode<TodoRecord>(stored), out.mutable_todo());
  }
  if (type == v1::ClientListView::descriptor()->full_name()) {
    absl::StatusOr<names::ClientListViewName> name =
        names::ClientListViewName::Parse("name", record.name());
    if (!name.ok()) return absl::DataLossError(name.status().message());
    absl::StatusOr<ListViewRecord> view = Decode<ListViewRecord>(stored);
    if (!view.ok()) return view.status();
    *out.mutable_client_list_view() = ToProto(name->firm_id, name->user_id, *view);
    return absl::OkStatus();
  }
  return changes::UnknownResourceType(record);
}

}  // namespace clientbook::directory
