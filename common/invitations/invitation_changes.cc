#include "common/invitations/invitation_changes.h"

#include "clientbook/v1/directory.pb.h"
#include "common/invitations/invitation_rules.h"
#include "common/names/names.h"
#include "common/storage/records.h"

namespace clientbook::invitations {

changes::ChangeRecord InvitationChange(const InvitationRecord& invitation) {
  changes::ChangeRecord record;
  record.set_resource_type(v1::Invitation::descriptor()->full_name());
  record.set_name(names::InvitationName{invitation.id()}.ToString());
  record.set_firm_id(invitation.accepted_firm_id());
  return record;
}

changes::ResourceTable InvitationTable(char table) {
  return changes::FirmTable<InvitationRecord>(
      table,
      [](absl::string_view, const InvitationRecord& invitation) {
        return InvitationChange(invitation);
      },
      /*per_firm=*/false);
}

absl::Status InvitationResource(absl::string_view stored, v1::Resource& out) {
  absl::StatusOr<InvitationRecord> record =
      storage::DecodeRecord<InvitationRecord>(stored);
  if (!record.ok()) return record.status();
  *out.mutable_invitation() = ToProto(*record);
  out.mutable_invitation()->clear_token();
  return absl::OkStatus();
}

}  // namespace clientbook::invitations
