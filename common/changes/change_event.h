#ifndef CLIENTBOOK_COMMON_CHANGES_CHANGE_EVENT_H_
#define CLIENTBOOK_COMMON_CHANGES_CHANGE_EVENT_H_

#include "absl/status/status.h"
#include "clientbook/v1/changes.pb.h"
#include "common/changes/change_record.pb.h"

namespace clientbook::changes {

class ChangeReaders;

// The API's event of a stored change record: the resource after the change,
// and for an update the top-level fields that changed with their values
// before (for a deletion, the whole resource as it was).
absl::Status ToChangeEvent(const ChangeRecord& record, const ChangeReaders& readers,
                           v1::ChangeEvent& event);

// The message a Resource holds, or null when it holds none.
const google::protobuf::Message* HeldMessage(const v1::Resource& resource);

// The audit's entry of a stored change record: its event, and each field
// it set or changed with the value before and after.
absl::Status ToAuditEntry(const ChangeRecord& record, const ChangeReaders& readers,
                          v1::AuditEntry& entry);

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_CHANGE_EVENT_H_
