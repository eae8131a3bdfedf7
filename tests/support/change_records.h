#ifndef CLIENTBOOK_TESTS_SUPPORT_CHANGE_RECORDS_H_
#define CLIENTBOOK_TESTS_SUPPORT_CHANGE_RECORDS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "common/changes/change_log.h"

namespace clientbook::testing {

// Up to `limit` of `log`'s records from `from` on, copied out of the shared
// ones the log hands out (in as many reads as that takes: a read from
// RocksDB stops at a few big records).
inline absl::StatusOr<std::vector<changes::ChangeRecord>> ChangeRecords(
    const changes::ChangeLog& log, uint64_t from, size_t limit) {
  std::vector<changes::ChangeRecord> records;
  while (records.size() < limit) {
    absl::StatusOr<std::vector<changes::SharedRecord>> shared =
        log.Read(from, limit - records.size());
    if (!shared.ok()) return shared.status();
    if (shared->empty()) break;
    for (const changes::SharedRecord& record : *shared) records.push_back(*record);
    from = records.back().sequence() + 1;
  }
  return records;
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_CHANGE_RECORDS_H_
