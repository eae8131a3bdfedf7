#ifndef CLIENTBOOK_COMMON_CHANGES_CHANGE_ORIGIN_H_
#define CLIENTBOOK_COMMON_CHANGES_CHANGE_ORIGIN_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

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

// The types of the records of a read (DataRead), not a change: as it began
// handing rows over, and as it ended.
inline constexpr char kExportStarted[] = "EXPORT_STARTED";
inline constexpr char kExported[] = "EXPORTED";
// Whether `type` is a read's: kept for the audit, never in the feed.
inline bool IsReadType(absl::string_view type) {
  return type == kExported || type == kExportStarted;
}

// When a read that takes data out is kept: as it begins handing rows over,
// and again as it ends, with the rows that left.
enum class ReadStage { kBegun, kEnded };

// The rows a read hands its caller, counted for the audit.
class ReadRows {
 public:
  using Record = absl::FunctionRef<absl::Status(const DataRead&, ReadStage)>;
  ReadRows(DataRead& read, Record record) : read_(read), record_(record) {}

  // Before rows are handed over: the first time, keeps the read as begun,
  // so one cut by a crash (kill -9) before its end is still in the audit.
  absl::Status BeforeHanding() {
    if (begun_) return absl::OkStatus();
    absl::Status kept = record_(read_, ReadStage::kBegun);
    begun_ = kept.ok();
    return kept;
  }
  // `rows` were handed to the caller's connection.
  void Handed(int64_t rows) { read_.rows += rows; }
  bool begun() const { return begun_; }

 private:
  DataRead& read_;
  Record record_;
  bool begun_ = false;
};

// Runs `send`, a read that takes data out through ReadRows, and keeps it
// with `record` as begun before its first rows leave and as ended however it
// ends: done, its caller gone, refused half way (a member removed meanwhile)
// or the service stopping. A read refused before it had rows to hand over is
// not kept. Answers what `send` did, else what `record` did.
inline absl::Status AuditedRead(DataRead read,
                                absl::FunctionRef<absl::Status(ReadRows& rows)> send,
                                ReadRows::Record record) {
  ReadRows rows(read, record);
  absl::Status sent = send(rows);
  if (!rows.begun()) return sent;
  absl::Status recorded = record(read, ReadStage::kEnded);
  return sent.ok() ? recorded : sent;
}

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_CHANGE_ORIGIN_H_
