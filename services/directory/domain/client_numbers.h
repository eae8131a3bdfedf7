#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_NUMBERS_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_NUMBERS_H_

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/directory/domain/directory_core.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {

// One entry of BatchUpdateClientNumbers.
struct ClientNumberUpdate {
  uint64_t company_id = 0;
  std::string client_number;  // "" clears
  std::string etag;           // "" skips the check
};

// Why an entry of BatchUpdateClientNumbers is refused (REFUSAL_UNSPECIFIED:
// it is not).
using NumberRefusal = v1::ClientNumberResult::Refusal;

// The directory's verdict on one entry, in request order.
struct ClientNumberVerdict {
  NumberRefusal refusal = v1::ClientNumberResult::REFUSAL_UNSPECIFIED;
  // The entry's field at fault ("client", "client_number", "etag") and why.
  std::string field;
  std::string description;
  // The number changes (or, with validate_only, would change).
  bool changed = false;
};

struct ClientNumberBatch {
  // The clients after the batch; with validate_only, as they are.
  std::vector<ClientRecord> clients;
  std::vector<ClientNumberVerdict> verdicts;
  // An earlier call with the same request id answered: its verdicts, the
  // clients as they are now; nothing was written by this call.
  bool replayed = false;
  // The place for a large write, held until the batch has committed.
  std::unique_lock<std::mutex> large;
};

// Many clients' numbers in one atomic write.
class ClientNumbers {
 public:
  explicit ClientNumbers(DirectoryCore& core)
      : core_(core), client_store_(core.store().clients()) {}

  // All or nothing: any refused entry fails the call (ALREADY_EXISTS when
  // every refusal is a taken or repeated number, ABORTED when only etags are
  // stale, else INVALID_ARGUMENT) and writes nothing. With `validate_only`
  // it writes nothing and answers OK with a verdict per entry. A
  // `request_id` is recorded in the same atomic write as the numbers; a
  // repeat returns the first verdicts (see ClientNumberBatch::replayed).
  // Refused BATCH_ANSWER_TOO_LARGE, before anything is written, when the
  // answer's clients come to more than kMaxBatchAnswerBytes of
  // `answer_bytes`.
  absl::StatusOr<ClientNumberBatch> BatchUpdateClientNumbers(
      const auth::Caller& caller, names::FirmName firm_name,
      const std::vector<ClientNumberUpdate>& updates, bool validate_only = false,
      absl::string_view request_id = "", const ClientAnswerBytes& answer_bytes = {});

 private:
  // Every entry judged against the stored clients, and what a write needs.
  struct Judged {
    std::vector<ClientNumberVerdict> verdicts;
    std::vector<std::optional<ClientRecord>> before;  // the stored clients
    std::vector<std::string> numbers;                 // normalized
  };
  absl::StatusOr<Judged> Judge(uint64_t firm_id,
                               const std::vector<ClientNumberUpdate>& updates);
  // The answer to a repeat of a request id: its first outcome, the clients
  // as they are now.
  absl::StatusOr<ClientNumberBatch> Replay(uint64_t firm_id,
                                           const std::vector<ClientNumberUpdate>& updates,
                                           const RequestRecord& first,
                                           const ClientAnswerBytes& answer_bytes);

  DirectoryCore& core_;
  const ClientStore& client_store_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_NUMBERS_H_
