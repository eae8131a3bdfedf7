#ifndef CLIENTBOOK_TESTS_SUPPORT_IN_PROCESS_IMPORT_H_
#define CLIENTBOOK_TESTS_SUPPORT_IN_PROCESS_IMPORT_H_

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/client/outgoing_call.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "services/import/api/import_change_readers.h"
#include "services/import/api/import_service.h"
#include "services/import/domain/job_worker.h"
#include "services/import/peers/grpc_directory_port.h"
#include "services/import/store/rocksdb_import_store.h"

namespace clientbook::testing {

// The real importer with its RocksDB in `data_dir`, asking the directory at
// `directory_target` over gRPC, as the import binary wires it. Jobs run on
// a JobWorker thread, or on `scheduler` when a test wants to run them by
// hand. Serve() adds the gRPC service on an ephemeral port.
class InProcessImport {
 public:
  InProcessImport(const std::string& data_dir, const std::string& directory_target,
                  const Clock& clock, importer::JobScheduler* scheduler = nullptr)
      : db_(std::move(*storage::Database::Open(data_dir, {}))),
        store_(std::move(*importer::RocksImportStore::Create(db_.get(), clock))),
        port_(client::Connect(directory_target), absl::Seconds(30)) {
    if (scheduler == nullptr) {
      worker_ = std::make_unique<importer::JobWorker>(
          [this](names::ImportJobName job) { importer_->RunJob(job).IgnoreError(); });
      scheduler = worker_.get();
    }
    importer_ = std::make_unique<importer::Importer>(*store_, clock, port_, *scheduler);
  }
  ~InProcessImport() {
    if (server_ != nullptr) server_->Shutdown();
    worker_.reset();  // before the importer it runs jobs on
  }

  importer::Importer& importer() { return *importer_; }
  // Stops serving as SIGTERM's end of drain does (Server::Shutdown).
  void Shutdown() { server_->Shutdown(); }

  // Serves ImportService and its ChangeService; returns host:port.
  std::string Serve() {
    service_ = std::make_unique<importer::ImportService>(*importer_, store_->change_log(),
                                                         frame_);
    change_readers_ = std::make_unique<importer::ImportChangeReaders>(port_);
    change_feed_ = std::make_unique<changes::ChangeService>(
        store_->change_log(), *change_readers_, frame_, real_time_);
    server_ = std::move(*server::Server::Start(
        {.listen = "127.0.0.1:0"}, {service_.get(), change_feed_.get()}, &frame_));
    return absl::StrCat("127.0.0.1:", server_->port());
  }

 private:
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<importer::RocksImportStore> store_;
  importer::GrpcDirectoryPort port_;
  std::unique_ptr<importer::JobWorker> worker_;
  std::unique_ptr<importer::Importer> importer_;
  auth::HeaderAuthenticator authenticator_;
  server::Frame frame_{authenticator_};
  std::unique_ptr<importer::ImportService> service_;
  std::unique_ptr<importer::ImportChangeReaders> change_readers_;
  SystemClock real_time_;
  std::unique_ptr<changes::ChangeService> change_feed_;
  std::unique_ptr<server::Server> server_;
};

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_IN_PROCESS_IMPORT_H_
