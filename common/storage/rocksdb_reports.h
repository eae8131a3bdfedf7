#ifndef CLIENTBOOK_COMMON_STORAGE_ROCKSDB_REPORTS_H_
#define CLIENTBOOK_COMMON_STORAGE_ROCKSDB_REPORTS_H_

#include <memory>

#include "rocksdb/env.h"
#include "rocksdb/listener.h"

namespace clientbook::storage {

// RocksDB's own log, in the service's log (its warnings and errors; the
// rest is compaction chatter), never in a file beside the data: on a full
// disk a failed line there made the next line abort the whole process (an
// assertion Debian's librocksdb keeps).
std::shared_ptr<rocksdb::Logger> ServiceLogForRocksDb();

// Keeps RocksDB from recovering a failed write by itself, so that
// Database::Write can resume it the moment the cause is gone: without an
// SstFileManager, RocksDB's own recovery from a full disk never ends, and
// answers DB::Resume() "busy" for good.
std::shared_ptr<rocksdb::EventListener> ResumeOnlyWhenAsked();

}  // namespace clientbook::storage

#endif  // CLIENTBOOK_COMMON_STORAGE_ROCKSDB_REPORTS_H_
