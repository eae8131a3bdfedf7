#ifndef CLIENTBOOK_COMMON_CHANGES_CHANGE_ORIGIN_H_
#define CLIENTBOOK_COMMON_CHANGES_CHANGE_ORIGIN_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace clientbook::changes {

// Who makes a write and how, as its change records name them. Plain C++:
// the domains fill it in, the stores write it.
struct ChangeOrigin {
  std::string actor;       // the caller's user id; "" for the service's own work
  std::string request_id;  // the caller's, when given
  // "api"; "sweep" (a periodic task); "directory" (billing following the
  // directory's feed); "import" (a job's rows); "reconcile" (an operator's
  // repair after a restore); "move-invitations" (a lone cell's invitations
  // moving into accounts).
  std::string source = "api";
};

// A read that took data out (an export, an error report, a feed's
// snapshot), for the audit: who read how many rows of what, with which
// filter.
struct DataRead {
  uint64_t firm_id = 0;
  std::string name;           // what was read: "firms/1", "firms/1/importJobs/2"
  std::string resource_type;  // what its rows are ("" for several kinds)
  std::string actor;
  int64_t rows = 0;
  std::string filter;
};

// Runs `send`, a read that takes data out and adds to `rows` each row once
// it is handed to its caller, then keeps `read` with `record` however the
// read ended: done, its caller gone, refused half way (a member removed
// meanwhile) or the service stopping. What left is what the audit keeps; a
// read that ended before a row left is not kept. Answers what `send` did,
// else what `record` did.
inline absl::Status AuditedRead(DataRead read,
                                absl::FunctionRef<absl::Status(int64_t& rows)> send,
                                absl::FunctionRef<absl::Status(const DataRead&)> record) {
  absl::Status sent = send(read.rows);
  if (!sent.ok() && read.rows == 0) return sent;
  absl::Status recorded = record(read);
  return sent.ok() ? recorded : sent;
}

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_CHANGE_ORIGIN_H_
