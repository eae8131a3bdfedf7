#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_MERGE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_MERGE_H_

#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/caller.h"
#include "services/directory/domain/directory_core.h"
#include "services/directory/domain/import_port.h"
#include "services/directory/domain/wholesale_port.h"

namespace clientbook::directory {

// What a merge did.
struct MergeOutcome {
  ClientRecord target;  // as it is now
  uint64_t source_company_id = 0;
  std::string kept_client_number;   // the number the target has ("" none)
  std::string freed_client_number;  // the source's number, now free ("" none)
  int32_t moved_notes = 0;
  int32_t moved_todos = 0;
  bool replayed = false;  // answers an earlier call with the same request id
};

// Merging a duplicate client (the source) into the one to keep (the
// target), all or nothing: notes and to-dos move, the target's empty
// contact fields are filled from the source, one client number survives,
// and the source's company id answers NOT_FOUND naming the target.
class ClientMerge {
 public:
  ClientMerge(DirectoryCore& core, WholesaleCheck& billing, ImportActivity& imports)
      : core_(core), billing_(billing), imports_(imports) {}

  // Admins only. Refused (FAILED_PRECONDITION, with a reason) when the
  // source has a subscription (both do: BOTH_CLIENTS_SUBSCRIBED), the source
  // is on wholesale billing, or an import job of the firm is running; billing
  // and import are asked, and if either cannot answer nothing is merged.
  // Each etag, when given, must be its client's current one (else ABORTED).
  absl::StatusOr<MergeOutcome> MergeClients(const auth::Caller& caller,
                                            const names::ClientName& target_name,
                                            uint64_t source_id,
                                            absl::string_view request_id,
                                            absl::string_view target_etag = "",
                                            absl::string_view source_etag = "");

 private:
  // What billing and import say against merging these two.
  absl::Status CheckPeers(const auth::Caller& caller, const ClientRecord& target,
                          const ClientRecord& source);
  // The merge's changes, and what a retry of it answers, added to `write`
  // and `done` under the firm's lock; `large` takes the place for a large
  // write when the source's notes and to-dos need it.
  absl::StatusOr<MergeOutcome> WriteMerge(DirectoryWrite& write, RequestRecord& done,
                                          uint64_t firm_id, uint64_t target_id,
                                          uint64_t source_id,
                                          absl::string_view target_etag,
                                          absl::string_view source_etag,
                                          std::unique_lock<std::mutex>& large);
  // What a retry answers, from the first call's record.
  absl::StatusOr<MergeOutcome> Replay(uint64_t firm_id, const RequestRecord& first);

  DirectoryCore& core_;
  WholesaleCheck& billing_;
  ImportActivity& imports_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_MERGE_H_
