#include "services/directory/store/directory_changes.h"

#include "clientbook/v1/directory.pb.h"
#include "clientbook/v1/workspace.pb.h"
#include "common/names/names.h"

namespace clientbook::directory::change_records {
namespace {

template <typename Message>
changes::ChangeRecord Of(uint64_t firm_id, std::string name) {
  changes::ChangeRecord record;
  record.set_resource_type(Message::descriptor()->full_name());
  record.set_name(std::move(name));
  record.set_firm_id(firm_id);
  return record;
}

// CREATED, UPDATED or DELETED from which sides exist, with their bytes.
template <typename Record>
void SetSides(changes::ChangeRecord& change, const Record* before, const Record* after) {
  if (before != nullptr) change.set_before(before->SerializeAsString());
  if (after != nullptr) change.set_after(after->SerializeAsString());
  change.set_type(before == nullptr ? kCreated : after == nullptr ? kDeleted : kUpdated);
}

}  // namespace

const char* PutType(bool existed) { return existed ? kUpdated : kCreated; }

changes::ChangeRecord Firm(const FirmRecord& firm) {
  changes::ChangeRecord record =
      Of<v1::Firm>(firm.id(), names::FirmName{firm.id()}.ToString());
  record.set_after(firm.SerializeAsString());
  return record;
}

changes::ChangeRecord Member(const MemberRecord& member) {
  return Of<v1::FirmMember>(
      member.firm_id(), names::MemberName{member.firm_id(), member.user_id()}.ToString());
}

changes::ChangeRecord Client(const ClientRecord* before, const ClientRecord* after) {
  const ClientRecord& either = after != nullptr ? *after : *before;
  changes::ChangeRecord record = Of<v1::Client>(
      either.firm_id(), names::ClientName{either.firm_id(), either.company_id()}.ToString());
  SetSides(record, before, after);
  if (before != nullptr && after != nullptr && before->status() != after->status()) {
    record.set_type(after->status() == v1::ACTIVE ? kReactivated
                                                               : kDeactivated);
  }
  return record;
}

changes::ChangeRecord ListView(uint64_t firm_id, absl::string_view user_id) {
  return Of<v1::ClientListView>(
      firm_id, names::ClientListViewName{firm_id, std::string(user_id)}.ToString());
}

// The client a note or a to-do is about, in whose history it also is.
template <typename Record>
void SetClient(changes::ChangeRecord& change, const Record& record) {
  if (record.company_id() == 0) return;
  change.set_client(names::ClientName{record.firm_id(), record.company_id()}.ToString());
}

changes::ChangeRecord Note(const NoteRecord* before, const NoteRecord* after) {
  const NoteRecord& either = after != nullptr ? *after : *before;
  changes::ChangeRecord record = Of<v1::Note>(
      either.firm_id(), names::NoteName{either.firm_id(), either.id()}.ToString());
  SetClient(record, either);
  SetSides(record, before, after);
  if (after == nullptr) {
    record.set_type(kPurged);
  } else if (before != nullptr && before->delete_time_us() == 0 &&
             after->delete_time_us() != 0) {
    record.set_type(kDeleted);
  } else if (before != nullptr && before->delete_time_us() != 0 &&
             after->delete_time_us() == 0) {
    record.set_type(kUndeleted);
  }
  return record;
}

changes::ChangeRecord Todo(const TodoRecord* before, const TodoRecord* after) {
  const TodoRecord& either = after != nullptr ? *after : *before;
  changes::ChangeRecord record = Of<v1::Todo>(
      either.firm_id(), names::TodoName{either.firm_id(), either.id()}.ToString());
  SetClient(record, either);
  SetSides(record, before, after);
  return record;
}

}  // namespace clientbook::directory::change_records
