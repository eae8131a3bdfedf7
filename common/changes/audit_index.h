#ifndef CLIENTBOOK_COMMON_CHANGES_AUDIT_INDEX_H_
#define CLIENTBOOK_COMMON_CHANGES_AUDIT_INDEX_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/changes/change_record.pb.h"

// The audit's indexes over a change log's records, in the log's own table:
// one resource's history (and a client's: its notes', to-dos' and
// subscription's too), one firm's, one actor's — each a walk of one key
// range, newest first. Written with the record, in its batch; removed with
// it when audit retention ends. A resource's entries hold a copy of the
// record, so its history is one range read whatever the log's size; a
// firm's and an actor's point to the record.
//   r name ~sequence    -> the record
//   f firm ~sequence    -> ""
//   a actor ~sequence   -> ""
namespace clientbook::changes::audit_index {

// Every index key of `record` in the log table `table`.
std::vector<std::string> KeysOf(char table, const ChangeRecord& record);
// Whether the entry at `key` (one of KeysOf) holds the record itself.
bool HoldsRecord(absl::string_view key);

// The key prefix of one resource's, one firm's, one actor's entries.
std::string ResourcePrefix(char table, absl::string_view name);
std::string FirmPrefix(char table, uint64_t firm_id);
std::string ActorPrefix(char table, absl::string_view actor);

// The record sequence an index key points to.
std::optional<uint64_t> SequenceOf(absl::string_view key);

}  // namespace clientbook::changes::audit_index

#endif  // CLIENTBOOK_COMMON_CHANGES_AUDIT_INDEX_H_
