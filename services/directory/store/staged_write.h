#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_STAGED_WRITE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_STAGED_WRITE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/changes/change_log.h"
#include "common/storage/database.h"
#include "services/directory/domain/store_port.h"
#include "services/directory/store/member_cache.h"

namespace clientbook::directory {

// An index entry: key and value (empty but for covering entries).
using IndexEntry = std::pair<std::string, std::string>;
std::vector<IndexEntry> KeysOnly(std::vector<std::string> keys);

// One write of the directory as each entity's store stages it: key puts and
// deletes, and the change record of every resource written, committed in
// one batch. Every delete is applied first, so a write may move a client
// number or an index entry from one client to another in any order of
// calls.
class StagedWrite {
 public:
  StagedWrite(storage::Database& db, changes::ChangeLog& log, WriteOrigin origin)
      : db_(db), log_(log), origin_(std::move(origin)) {}

  void Put(std::string key, std::string value) {
    puts_.emplace_back(std::move(key), std::move(value));
  }
  void Delete(std::string key) { deletes_.push_back(std::move(key)); }
  // Deletes `key` only if it holds `value` at commit (the domain's locks
  // hold it until then): one owner's entry that another may hold instead.
  void DeleteIfHolds(std::string key, std::string value) {
    deletes_if_holding_.emplace_back(std::move(key), std::move(value));
  }
  // Index entries from `before` to `after`: only those that differ (in key
  // or value) are written.
  void PutDiff(std::vector<IndexEntry> before, std::vector<IndexEntry> after);

  void Record(changes::ChangeRecord record) { records_.push_back(std::move(record)); }
  // A record whose state before is what `key` holds at commit (the domain's
  // locks hold it still until then): CREATED when it held nothing, unless
  // the record has its type; a delete of what was never there keeps none.
  void RecordReadingBefore(changes::ChangeRecord record, std::string key);
  // The records so far, for a later call to say more of one.
  std::vector<changes::ChangeRecord>& records() { return records_; }

  // Invalidated just before the commit and again once it is done, so no
  // member read around it is served from the cache (member_cache.h).
  void InvalidateAroundCommit(MemberCache& cache) { invalidated_ = &cache; }

  absl::Status Commit();

 private:
  struct ReadBeforeCommit {
    size_t record;
    std::string key;
  };

  absl::Status ReadBefore();
  absl::Status ResolveDeletesIfHolding();

  storage::Database& db_;
  changes::ChangeLog& log_;
  const WriteOrigin origin_;
  std::vector<std::pair<std::string, std::string>> puts_;
  std::vector<std::string> deletes_;
  std::vector<std::pair<std::string, std::string>> deletes_if_holding_;
  std::vector<changes::ChangeRecord> records_;
  std::vector<ReadBeforeCommit> read_before_;
  MemberCache* invalidated_ = nullptr;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_STAGED_WRITE_H_
