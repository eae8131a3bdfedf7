#include "services/directory/api/convert.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/names/names.h"
#include "common/status/errors.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/time_util.h"
#include "services/directory/domain/directory.h"

namespace clientbook::directory {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp Timestamp(int64_t micros) {
  return TimeUtil::MicrosecondsToTimestamp(micros);
}

}  // namespace

absl::StatusOr<std::string> OptionalMemberUserId(absl::string_view field,
                                                 absl::string_view name,
                                                 uint64_t firm_id) {
  if (name.empty()) return std::string();
  absl::StatusOr<names::MemberName> member = names::MemberName::Parse(field, name);
  if (!member.ok()) return member.status();
  if (member->firm_id != firm_id) {
    return errors::InvalidField(field, "must be a member of the same firm");
  }
  return member->user_id;
}

absl::StatusOr<uint64_t> ClientOfFirm(absl::string_view field, absl::string_view name,
                                      uint64_t firm_id) {
  absl::StatusOr<names::ClientName> client = names::ClientName::Parse(field, name);
  if (!client.ok()) return client.status();
  if (client->firm_id != firm_id) {
    return errors::InvalidField(field, "must be a client of the same firm");
  }
  return client->company_id;
}

absl::StatusOr<uint64_t> ClientNamed(absl::string_view field, absl::string_view name,
                                     uint64_t firm_id) {
  if (name.empty()) return 0;
  return ClientOfFirm(field, name, firm_id);
}

absl::StatusOr<google::protobuf::FieldMask> ClientReadMask(
    const google::protobuf::FieldMask& mask) {
  const google::protobuf::Descriptor& client = *v1::Client::descriptor();
  for (const std::string& path : mask.paths()) {
    if (client.FindFieldByName(path) == nullptr) {
      return errors::InvalidField("read_mask",
                                  absl::StrCat("'", path, "' is not a field of Client"));
    }
  }
  google::protobuf::FieldMask canonical;
  google::protobuf::util::FieldMaskUtil::ToCanonicalForm(mask, &canonical);
  return canonical;
}

bool AsksNamesAndNumbersOnly(const google::protobuf::FieldMask& mask) {
  return !mask.paths().empty() &&
         std::all_of(mask.paths().begin(), mask.paths().end(), [](const std::string& p) {
           return p == "name" || p == "company_id" || p == "display_name" ||
                  p == "client_number";
         });
}

v1::Firm ToProto(const FirmRecord& firm) {
  v1::Firm out;
  out.set_name(names::FirmName{firm.id()}.ToString());
  out.set_display_name(firm.display_name());
  *out.mutable_create_time() = Timestamp(firm.create_time_us());
  out.set_time_zone(firm.time_zone());
  out.set_etag(EtagOf(firm));
  return out;
}

v1::FirmMember ToProto(const MemberRecord& member) {
  v1::FirmMember out;
  out.set_name(names::MemberName{member.firm_id(), member.user_id()}.ToString());
  out.set_user_id(member.user_id());
  out.set_email(member.email());
  out.set_display_name(member.display_name());
  out.set_role(member.role());
  out.set_etag(EtagOf(member));
  return out;
}

void ToProto(const ClientRecord& client, v1::Client& out) {
  out.set_name(names::ClientName{client.firm_id(), client.company_id()}.ToString());
  out.set_company_id(std::to_string(client.company_id()));
  out.set_client_type(client.client_type());
  out.set_display_name(client.display_name());
  out.set_email(client.email());
  out.set_lead_accountant(
      names::MemberName{client.firm_id(), client.lead_accountant_user_id()}.ToString());
  *out.mutable_products() = client.products();
  out.set_status(client.status());
  out.set_client_number(client.client_number());
  out.set_primary_admin_user_id(client.primary_admin_user_id());
  out.set_etag(EtagOf(client));
  *out.mutable_create_time() = Timestamp(client.create_time_us());
  *out.mutable_update_time() = Timestamp(client.update_time_us());
}

v1::Client ToProto(const ClientRecord& client) {
  v1::Client out;
  ToProto(client, out);
  return out;
}

void ToProto(const ClientRecord& client, const google::protobuf::FieldMask& read_mask,
             v1::Client& out) {
  ToProto(client, out);
  if (!read_mask.paths().empty()) {
    google::protobuf::util::FieldMaskUtil::TrimMessage(read_mask, &out);
  }
}

v1::Client ToProto(const ClientRecord& client,
                   const google::protobuf::FieldMask& read_mask) {
  v1::Client out;
  ToProto(client, read_mask, out);
  return out;
}

ClientAnswerBytes AnswerBytes(const google::protobuf::FieldMask& read_mask) {
  if (read_mask.paths().empty()) return nullptr;
  return [read_mask](const ClientRecord& client) {
    return ToProto(client, read_mask).ByteSizeLong();
  };
}

v1::ClientListView ToProto(uint64_t firm_id, absl::string_view user_id,
                           const ListViewRecord& view) {
  v1::ClientListView out;
  out.set_name(names::ClientListViewName{firm_id, std::string(user_id)}.ToString());
  *out.mutable_columns() = view.columns();
  out.set_etag(EtagOf(view));
  return out;
}

ClientRecord FromProto(const v1::Client& client, std::string lead_user_id) {
  ClientRecord out;
  out.set_client_type(client.client_type());
  out.set_display_name(client.display_name());
  out.set_email(client.email());
  out.set_lead_accountant_user_id(std::move(lead_user_id));
  *out.mutable_products() = client.products();
  out.set_client_number(client.client_number());
  return out;
}

MemberRecord FromProto(const v1::FirmMember& member) {
  MemberRecord out;
  out.set_user_id(member.user_id());
  out.set_email(member.email());
  out.set_display_name(member.display_name());
  out.set_role(member.role());
  return out;
}

absl::StatusOr<InvitationRecord> InvitedFromProto(const v1::Invitation& invitation) {
  absl::StatusOr<names::InvitationName> name =
      names::InvitationName::Parse("invitation.name", invitation.name());
  if (!name.ok()) return name.status();
  uint64_t company_id = 0;
  if (!absl::SimpleAtoi(invitation.company_id(), &company_id)) {
    return errors::InvalidField("invitation.company_id", "must be a number");
  }
  InvitationRecord out = DraftFromProto(invitation);
  out.set_id(name->invitation_id);
  out.set_company_id(company_id);
  out.set_inviter_user_id(invitation.inviter_user_id());
  return out;
}

}  // namespace clientbook::directory
