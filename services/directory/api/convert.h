#ifndef CLIENTBOOK_SERVICES_DIRECTORY_API_CONVERT_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_API_CONVERT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clientbook/v1/directory.pb.h"
#include "common/invitations/invitation_rules.h"
#include "google/protobuf/field_mask.pb.h"
#include "services/directory/domain/model.h"
#include "services/directory/domain/rules.h"

// Stored records -> public messages, and the caller-settable fields back.
namespace clientbook::directory {

// A member name given in `field` as its user id ("" stays ""), or
// INVALID_ARGUMENT when it is malformed or of another firm.
absl::StatusOr<std::string> OptionalMemberUserId(absl::string_view field,
                                                 absl::string_view name,
                                                 uint64_t firm_id);
// A client name given in `field` as its company id, or INVALID_ARGUMENT when
// it is malformed or of another firm.
absl::StatusOr<uint64_t> ClientOfFirm(absl::string_view field, absl::string_view name,
                                      uint64_t firm_id);
// The same, 0 when `name` is empty (an update that does not name the client).
absl::StatusOr<uint64_t> ClientNamed(absl::string_view field, absl::string_view name,
                                     uint64_t firm_id);

// A client read mask (ListClients, BatchGetClients,
// BatchUpdateClientNumbers) in canonical form, each field once however often
// it was named; INVALID_ARGUMENT unless every path names a field of Client
// (an empty mask asks for every field).
absl::StatusOr<google::protobuf::FieldMask> ClientReadMask(
    const google::protobuf::FieldMask& mask);
// Whether `mask` asks for nothing beyond the name, company id, display name
// and client number (what the name index covers).
bool AsksNamesAndNumbersOnly(const google::protobuf::FieldMask& mask);

v1::Firm ToProto(const FirmRecord& firm);
v1::FirmMember ToProto(const MemberRecord& member);
v1::Client ToProto(const ClientRecord& client);
// `client` as answered under a canonical `read_mask`.
v1::Client ToProto(const ClientRecord& client,
                   const google::protobuf::FieldMask& read_mask);
// The same written into `out`, on `out`'s arena (a page's, ArenaMessages).
void ToProto(const ClientRecord& client, v1::Client& out);
void ToProto(const ClientRecord& client, const google::protobuf::FieldMask& read_mask,
             v1::Client& out);
// The bytes of a client answered under a canonical `read_mask` (its
// record's, within a few names' bytes, when it asks for every field).
ClientAnswerBytes AnswerBytes(const google::protobuf::FieldMask& read_mask);
v1::ClientListView ToProto(uint64_t firm_id, absl::string_view user_id,
                           const ListViewRecord& view);
using invitations::ToProto;

// Caller-settable fields only; names and output-only fields are ignored.
// A lead accountant given as a member name becomes its user id (the caller
// validated the name).
ClientRecord FromProto(const v1::Client& client, std::string lead_user_id);
MemberRecord FromProto(const v1::FirmMember& member);
using invitations::DraftFromProto;
// An invitation as accounts sends it to be connected: its name and company
// id parsed, the rest as given (the domain checks it).
absl::StatusOr<InvitationRecord> InvitedFromProto(const v1::Invitation& invitation);

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_API_CONVERT_H_
