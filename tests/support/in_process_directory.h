#ifndef CLIENTBOOK_TESTS_SUPPORT_IN_PROCESS_DIRECTORY_H_
#define CLIENTBOOK_TESTS_SUPPORT_IN_PROCESS_DIRECTORY_H_

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/changes/change_service.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "services/directory/api/directory_change_readers.h"
#include "services/directory/api/directory_service.h"
#include "services/directory/api/workspace_service.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "tests/support/fake_directory_peers.h"

namespace clientbook::testing {

// The real directory service (and the workspace it serves), with its RocksDB in
// `data_dir`, serving on an ephemeral port of 127.0.0.1 in this process: what billing,
// import and their tests talk to. Callers are proved by their headers (--auth=header).
class InProcessDirectory {
 public:
  InProcessDirectory(const std::string& data_dir, const Clock& clock,
                     directory::WholesaleCheck& wholesale)
      : db_(std::move(*storage::Database::Open(data_dir, {}))),
        store_(std::move(*directory::RocksDirectoryStore::Create(db_.get(), clock))),
        directory_(*store_, clock, wholesale, imports_),
        service_(directory_, frame_, store_->change_log()),
        workspace_(directory_, frame_, store_->change_log()),
        change_readers_(directory_),
        change_feed_(store_->change_log(), change_readers_, frame_, real_time_),
        server_(std::move(*server::Server::Start({.listen = "127.0.0.1:0"},
                                                 {&service_, &workspace_, &change_feed_},
                                                 &frame_))) {}

  std::string target() const { return absl::StrCat("127.0.0.1:", server_->port()); }
  directory::Directory& domain() { return directory_; }
  // Stands in for the import service the directory asks before a merge.
  directory::FakeImportActivity& imports() { return imports_; }
  // The serving frame, for its fair share.
  server::Frame& frame() { return frame_; }
  // The change feed, for its metrics.
  const changes::ChangeService& change_feed() const { return change_feed_; }
  void Shutdown() { server_->Shutdown(); }
  // As the feed's retention does for the changes committed before `cutoff`.
  absl::Status ExpireFeedBefore(absl::Time cutoff) {
    return store_->change_log().ExpireFeedBefore(cutoff).status();
  }
  // As --audit_retention=0 does.
  void TurnAuditOff() { store_->change_log().TurnAuditOff(); }

 private:
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<directory::RocksDirectoryStore> store_;
  directory::FakeImportActivity imports_;
  directory::Directory directory_;
  auth::HeaderAuthenticator authenticator_;
  server::Frame frame_{authenticator_};
  directory::DirectoryService service_;
  directory::WorkspaceService workspace_;
  directory::DirectoryChangeReaders change_readers_;
  SystemClock real_time_;
  changes::ChangeService change_feed_;
  std::unique_ptr<server::Server> server_;
};

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_IN_PROCESS_DIRECTORY_H_
