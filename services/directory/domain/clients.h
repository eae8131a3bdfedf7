#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENTS_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENTS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/caller.h"
#include "services/directory/domain/directory_core.h"
#include "services/directory/domain/rules.h"
#include "services/directory/domain/wholesale_port.h"

namespace clientbook::directory {

// A firm's client companies: create, read, update, (de)activate, delete,
// hand over the company's primary admin, read many at once.
class Clients {
 public:
  Clients(DirectoryCore& core, WholesaleCheck& wholesale)
      : core_(core),
        client_store_(core.store().clients()),
        firm_store_(core.store().firms()),
        wholesale_(wholesale) {}

  // Clients. `draft` carries the fields a caller may set. Another client's
  // display name (DuplicateNameKey) is refused unless allow_duplicate_name.
  absl::StatusOr<ClientRecord> CreateClient(const auth::Caller& caller,
                                            names::FirmName firm_name,
                                            const ClientRecord& draft,
                                            bool make_me_primary_admin,
                                            absl::string_view request_id,
                                            bool allow_duplicate_name = false);
  // Members of the firm, or the client company's primary admin. Checked for
  // a change (Caller::for_change), ABORTED while a delete or merge removes
  // it (ClientRemovals).
  absl::StatusOr<ClientRecord> GetClient(const auth::Caller& caller,
                                         const names::ClientName& client_name);
  // Copies the fields named in `paths` from `patch`; `etag` must be current.
  // A rename to another client's display name is refused as in CreateClient.
  // A retry under `request_id` (shared with CreateClient's ids in the firm)
  // is answered the client as it is now, its etag stale by then.
  absl::StatusOr<ClientRecord> UpdateClient(const auth::Caller& caller,
                                            const names::ClientName& client_name,
                                            const ClientRecord& patch,
                                            const std::vector<std::string>& paths,
                                            absl::string_view etag,
                                            bool allow_duplicate_name = false,
                                            absl::string_view request_id = "");
  // `etag`, when given, must be the client's current one (else ABORTED).
  // A retry under `request_id` is answered the client as it is now.
  absl::StatusOr<ClientRecord> SetClientStatus(const auth::Caller& caller,
                                               const names::ClientName& client_name,
                                               v1::ClientStatus status,
                                               absl::string_view etag = "",
                                               absl::string_view request_id = "");
  // Asks billing on the caller's behalf, with the caller's credentials.
  // `etag`, when given, must be the client's current one (else ABORTED).
  absl::Status DeleteClient(const auth::Caller& caller,
                            const names::ClientName& client_name,
                            absl::string_view etag = "");
  // The client company's primary admin only. A retry under `request_id` is
  // answered the client as this change left it.
  absl::StatusOr<ClientRecord> ChangeClientPrimaryAdmin(
      const auth::Caller& caller, const names::ClientName& client_name,
      absl::string_view new_primary_admin, absl::string_view etag = "",
      absl::string_view request_id = "");
  // Groups of the firm's clients that share a display name
  // (DuplicateNameKey), in name order; a page may come short with a token.
  absl::StatusOr<Page<std::vector<ClientRecord>>> FindDuplicateClients(
      const auth::Caller& caller, names::FirmName firm_name, const PageRequest& page);
  // The firm's clients among `company_ids` (at most 1000), in that order;
  // ids that are not the firm's clients are left out. Refused
  // BATCH_ANSWER_TOO_LARGE once they come to more than kMaxBatchAnswerBytes
  // of `answer_bytes`.
  absl::StatusOr<std::vector<ClientRecord>> BatchGetClients(
      const auth::Caller& caller, names::FirmName firm_name,
      const std::vector<uint64_t>& company_ids,
      const ClientAnswerBytes& answer_bytes = {});

 private:
  // GetClient's read, as the client stands.
  absl::StatusOr<ClientRecord> ReadClient(const auth::Caller& caller,
                                          const names::ClientName& client_name);
  // ALREADY_EXISTS if another client of the firm holds the number.
  absl::Status CheckNumberFree(uint64_t firm_id, uint64_t company_id,
                               absl::string_view number);
  // ALREADY_EXISTS (DUPLICATE_DISPLAY_NAME) if another client of the firm
  // has this display name, whose DuplicateNameKey is `key`.
  absl::Status CheckNameFree(uint64_t firm_id, uint64_t company_id,
                             absl::string_view display_name, absl::string_view key);
  // UpdateClient's checks and change, under the firm's lock, into `write`.
  absl::StatusOr<ClientRecord> WriteUpdate(DirectoryWrite& write, uint64_t firm_id,
                                           uint64_t company_id, const ClientRecord& patch,
                                           const std::vector<std::string>& paths,
                                           absl::string_view etag,
                                           bool allow_duplicate_name);
  // `after` in `write` in place of `before` (null when new), its revision
  // and update time moved; `before` itself, and nothing put, when the
  // change changes nothing.
  ClientRecord PutRevised(ClientWrites& write, const ClientRecord* before,
                          ClientRecord after);

  DirectoryCore& core_;
  const ClientStore& client_store_;
  const FirmStore& firm_store_;
  WholesaleCheck& wholesale_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENTS_H_
