#ifndef CLIENTBOOK_SERVICES_DIRECTORY_PEERS_IMPORT_SERVICE_ACTIVITY_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_PEERS_IMPORT_SERVICE_ACTIVITY_H_

#include <memory>

#include "absl/time/time.h"
#include "common/client/service_clients.h"
#include "grpcpp/channel.h"
#include "services/directory/domain/import_port.h"

namespace clientbook::directory {

// Asks the import service for the firm's unfinished jobs. Import
// unreachable or too slow is UNAVAILABLE, so a merge is refused rather than
// guessed.
class ImportServiceActivity final : public ImportActivity {
 public:
  ImportServiceActivity(std::shared_ptr<grpc::Channel> import, absl::Duration timeout)
      : import_(std::move(import), timeout) {}

  absl::StatusOr<bool> ImportRunning(const auth::Caller& caller,
                                     uint64_t firm_id) override {
    absl::StatusOr<v1::ListImportJobsResponse> unfinished =
        import_.ListUnfinishedJobs(caller, names::FirmName{firm_id});
    if (!unfinished.ok()) return unfinished.status();
    return unfinished->import_jobs_size() > 0;
  }

 private:
  client::ImportClient import_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_PEERS_IMPORT_SERVICE_ACTIVITY_H_
