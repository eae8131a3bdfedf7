#ifndef CLIENTBOOK_TESTS_SUPPORT_CHANGE_RECORDS_H_
#define CLIENTBOOK_TESTS_SUPPORT_CHANGE_RECORDS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "common/changes/change_log.h"

namespace clientbook::testing {

// Up to `limit` of `log`'s records from `from` on, copied out of the shared
// ones the log hands out.
inline absl::StatusOr<std::vector<changes::ChangeRecord>> ChangeRecords(
    const changes::ChangeLog& log, uint64_t from, size_t limit) {
  absl::StatusOr<std::vector<changes::SharedRecord>> shared = log.Read(from, limit);
  if (!shared.ok()) return shared.status();
  std::vector<changes::ChangeRecord> records;
  for (const changes::SharedRecord& record : *shared) records.push_back(*record);
  return records;
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_CHANGE_RECORDS_H_
