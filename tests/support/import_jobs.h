#ifndef CLIENTBOOK_TESTS_SUPPORT_IMPORT_JOBS_H_
#define CLIENTBOOK_TESTS_SUPPORT_IMPORT_JOBS_H_

#include "clientbook/v1/import.grpc.pb.h"
#include "grpcpp/client_context.h"

namespace clientbook::testing {

// Watches `job` (WatchImportJob, a server stream, on `context`) until it
// ends: `job` is then its last state, and the stream's status is returned.
inline grpc::Status FollowToItsEnd(v1::ImportService::StubInterface& stub,
                                   grpc::ClientContext& context, v1::ImportJob& job) {
  v1::WatchImportJobRequest watch;
  watch.set_name(job.name());
  auto reader = stub.WatchImportJob(&context, watch);
  while (reader->Read(&job)) {
  }
  return reader->Finish();
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_IMPORT_JOBS_H_
