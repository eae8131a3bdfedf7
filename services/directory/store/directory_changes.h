#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_DIRECTORY_CHANGES_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_DIRECTORY_CHANGES_H_

#include <string>

#include "absl/strings/string_view.h"
#include "common/changes/change_record.pb.h"
#include "services/directory/domain/model.h"
#include "services/directory/domain/store_port.h"

// The directory's change records, one per resource a write touches: the
// resource's name, type and firm, and its stored record before and after.
namespace clientbook::directory::change_records {

// Record types beyond CREATED, UPDATED and DELETED.
inline constexpr char kCreated[] = "CREATED";
inline constexpr char kUpdated[] = "UPDATED";
inline constexpr char kDeleted[] = "DELETED";
inline constexpr char kMerged[] = "MERGED";
inline constexpr char kDeactivated[] = "DEACTIVATED";
inline constexpr char kReactivated[] = "REACTIVATED";
inline constexpr char kPurged[] = "PURGED";
inline constexpr char kUndeleted[] = "UNDELETED";

changes::ChangeRecord Firm(const FirmRecord& firm);
changes::ChangeRecord Member(const MemberRecord& member);
// CREATED, UPDATED, or whether it changed the client's status.
changes::ChangeRecord Client(const ClientRecord* before, const ClientRecord* after);
changes::ChangeRecord ListView(uint64_t firm_id, absl::string_view user_id);
// CREATED, UPDATED, DELETED when it moves a note to the deleted ones,
// UNDELETED when it brings one back.
changes::ChangeRecord Note(const NoteRecord* before, const NoteRecord* after);
changes::ChangeRecord Todo(const TodoRecord* before, const TodoRecord* after);

// The type of a record whose stored state before was read at commit.
const char* PutType(bool existed);

}  // namespace clientbook::directory::change_records

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_DIRECTORY_CHANGES_H_
