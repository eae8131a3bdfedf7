#ifndef CLIENTBOOK_SERVICES_IMPORT_DOMAIN_DIRECTORY_PORT_H_
#define CLIENTBOOK_SERVICES_IMPORT_DOMAIN_DIRECTORY_PORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clientbook/v1/directory.pb.h"
#include "common/auth/caller.h"
#include "services/import/domain/model.h"

namespace clientbook::importer {

// A client as import needs it.
struct ExistingClient {
  uint64_t company_id = 0;
  std::string display_name;
  std::string client_number;
  std::string etag;
};

struct NumberUpdate {
  uint64_t company_id = 0;
  std::string client_number;
  std::string etag;
};

// The directory's verdict on one planned update (REFUSAL_UNSPECIFIED: it
// would apply).
struct NumberVerdict {
  v1::ClientNumberResult::Refusal refusal = v1::ClientNumberResult::REFUSAL_UNSPECIFIED;
  std::string description;
};

// What a write did: for each update, whether this request changed the
// client's number (a number already in place is not a write of ours).
struct AppliedNumbers {
  std::vector<bool> changed;
  // The directory had seen this request id: these are the first outcomes.
  bool replayed = false;
};

struct ClientPage {
  std::vector<ExistingClient> clients;
  std::string next_page_token;
};

// What import asks the directory service, always on behalf of the user who
// started the job, so import can do nothing that user could not.
class DirectoryPort {
 public:
  virtual ~DirectoryPort() = default;

  virtual absl::Status CheckMember(const auth::Caller& caller, uint64_t firm_id) = 0;
  // The firm's clients among `company_ids`; others are left out.
  virtual absl::StatusOr<std::vector<ExistingClient>> GetClients(
      const auth::Caller& caller, uint64_t firm_id,
      const std::vector<uint64_t>& company_ids) = 0;
  // The directory's verdict on each update of a batch, without writing.
  virtual absl::StatusOr<std::vector<NumberVerdict>> CheckNumbers(
      const auth::Caller& caller, uint64_t firm_id,
      const std::vector<NumberUpdate>& updates) = 0;
  // Writes the batch atomically, or nothing, recording `request_id` in the
  // same write: the same id again returns the first outcome, so a send whose
  // answer was lost can be repeated. The directory's refusals (ABORTED,
  // INVALID_ARGUMENT, ALREADY_EXISTS, FAILED_PRECONDITION, PERMISSION_DENIED,
  // NOT_FOUND) mean nothing was written; any other error leaves the outcome
  // unknown.
  virtual absl::StatusOr<AppliedNumbers> ApplyNumbers(
      const auth::Caller& caller, uint64_t firm_id,
      const std::vector<NumberUpdate>& updates, absl::string_view request_id) = 0;
  // One page of at most `page_size` clients of the firm's client list in
  // name order, for export: ids, display names and numbers (no etags).
  virtual absl::StatusOr<ClientPage> ListClients(const auth::Caller& caller,
                                                 uint64_t firm_id, bool include_inactive,
                                                 absl::string_view page_token,
                                                 int32_t page_size) = 0;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_DOMAIN_DIRECTORY_PORT_H_
