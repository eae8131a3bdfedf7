#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_DIRECTORY_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_DIRECTORY_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/storage/striped_locks.h"
#include "common/time/clock.h"
#include "services/directory/domain/directory_store.h"
#include "services/directory/domain/model.h"
#include "services/directory/domain/wholesale_check.h"

namespace clientbook::directory {

// Parameters of ListClients; see ListClientsRequest in directory.proto.
struct ClientListQuery {
  uint64_t firm_id = 0;
  PageRequest page;
  std::string name_query;
  std::string client_number_query;
  v1::ClientType client_type = v1::CLIENT_TYPE_UNSPECIFIED;  // unspecified: any
  std::string lead_accountant;                               // user id; "": any
  // Unspecified: active, plus inactive if show_inactive.
  v1::ClientStatus status = v1::CLIENT_STATUS_UNSPECIFIED;
  bool show_inactive = false;
  std::string order_by;  // "", "display_name" or "client_number"
};

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
};

// The client directory's rules. Every operation takes the calling user's id
// and checks it against the firm's members before anything else; callers who
// are not members learn nothing about the firm.
class Directory {
 public:
  Directory(DirectoryStore& store, const Clock& clock, WholesaleCheck& wholesale)
      : store_(store), clock_(clock), wholesale_(wholesale) {}

  // Firms and members.
  absl::StatusOr<FirmRecord> CreateFirm(absl::string_view caller,
                                        absl::string_view display_name,
                                        absl::string_view creator_email,
                                        absl::string_view creator_display_name,
                                        absl::string_view request_id);
  absl::StatusOr<FirmRecord> GetFirm(absl::string_view caller, uint64_t firm_id);
  absl::StatusOr<Page<FirmRecord>> ListMyFirms(absl::string_view caller,
                                               const PageRequest& page);
  absl::StatusOr<MemberRecord> AddMember(absl::string_view caller, uint64_t firm_id,
                                         const MemberRecord& member);
  absl::StatusOr<Page<MemberRecord>> ListMembers(absl::string_view caller,
                                                 uint64_t firm_id,
                                                 const PageRequest& page);
  // Returns {previous primary admin, new primary admin}.
  absl::StatusOr<std::pair<MemberRecord, MemberRecord>> TransferPrimaryAdmin(
      absl::string_view caller, uint64_t firm_id, absl::string_view new_admin);

  // Clients. `draft` carries the fields a caller may set.
  absl::StatusOr<ClientRecord> CreateClient(absl::string_view caller, uint64_t firm_id,
                                            const ClientRecord& draft,
                                            bool make_me_primary_admin,
                                            absl::string_view request_id);
  // Members of the firm, or the client company's primary admin.
  absl::StatusOr<ClientRecord> GetClient(absl::string_view caller, uint64_t firm_id,
                                         uint64_t company_id);
  // Copies the fields named in `paths` from `patch`; `etag` must be current.
  absl::StatusOr<ClientRecord> UpdateClient(absl::string_view caller, uint64_t firm_id,
                                            uint64_t company_id,
                                            const ClientRecord& patch,
                                            const std::vector<std::string>& paths,
                                            absl::string_view etag);
  absl::StatusOr<Page<ClientRecord>> ListClients(absl::string_view caller,
                                                 const ClientListQuery& query);
  absl::StatusOr<ClientRecord> SetClientStatus(absl::string_view caller, uint64_t firm_id,
                                               uint64_t company_id,
                                               v1::ClientStatus status);
  absl::Status DeleteClient(absl::string_view caller, uint64_t firm_id,
                            uint64_t company_id);
  absl::StatusOr<ClientRecord> ChangeClientPrimaryAdmin(
      absl::string_view caller, uint64_t firm_id, uint64_t company_id,
      absl::string_view new_primary_admin);
  // All or nothing: any refused entry fails the call (ALREADY_EXISTS when
  // every refusal is a taken or repeated number, ABORTED when only etags are
  // stale, else INVALID_ARGUMENT) and writes nothing. With `validate_only`
  // it writes nothing and answers OK with a verdict per entry. A
  // `request_id` is recorded in the same atomic write as the numbers; a
  // repeat returns the first verdicts (see ClientNumberBatch::replayed).
  absl::StatusOr<ClientNumberBatch> BatchUpdateClientNumbers(
      absl::string_view caller, uint64_t firm_id,
      const std::vector<ClientNumberUpdate>& updates, bool validate_only = false,
      absl::string_view request_id = "");
  // The firm's clients among `company_ids` (at most 1000), in that order;
  // ids that are not the firm's clients are left out.
  absl::StatusOr<std::vector<ClientRecord>> BatchGetClients(
      absl::string_view caller, uint64_t firm_id,
      const std::vector<uint64_t>& company_ids);

  // Each member's client-list columns.
  absl::StatusOr<ListViewRecord> GetListView(absl::string_view caller, uint64_t firm_id,
                                             absl::string_view user_id);
  absl::StatusOr<ListViewRecord> UpdateListView(absl::string_view caller,
                                                uint64_t firm_id,
                                                absl::string_view user_id,
                                                const std::vector<std::string>& columns);

  // Invitations from client companies to firm members.
  absl::StatusOr<InvitationRecord> CreateInvitation(absl::string_view caller,
                                                    const InvitationRecord& draft);
  absl::StatusOr<Page<InvitationRecord>> ListInvitations(absl::string_view caller,
                                                         absl::string_view invitee_email,
                                                         const PageRequest& page);
  absl::StatusOr<std::pair<InvitationRecord, ClientRecord>> AcceptInvitation(
      absl::string_view caller, absl::string_view token, std::optional<uint64_t> firm_id);
  absl::StatusOr<InvitationRecord> DeclineInvitation(absl::string_view caller,
                                                     absl::string_view token);

 private:
  absl::StatusOr<MemberRecord> RequireMember(absl::string_view caller, uint64_t firm_id);
  absl::StatusOr<MemberRecord> RequireRole(absl::string_view caller, uint64_t firm_id,
                                           v1::Role at_least);
  absl::StatusOr<ClientRecord> LoadClient(uint64_t firm_id, uint64_t company_id);
  // ALREADY_EXISTS if another client of the firm holds the number.
  absl::Status CheckNumberFree(uint64_t firm_id, uint64_t company_id,
                               absl::string_view number);
  absl::StatusOr<ClientRecord> CommitClient(const ClientRecord* before,
                                            ClientRecord after);
  // The invitation behind `token` if it can still be answered; else why not.
  absl::StatusOr<InvitationRecord> LoadPendingInvitation(absl::string_view token);
  // The caller's firms in which the caller's member email is `email`.
  absl::StatusOr<std::vector<uint64_t>> FirmsWhereEmail(absl::string_view caller,
                                                        absl::string_view email);
  // The earlier use of `request_id` in `scope` (nullopt: none, or no id);
  // INVALID_ARGUMENT when it was used for a request other than
  // `fingerprint`. Call with the scope's lock held.
  absl::StatusOr<std::optional<RequestRecord>> EarlierRequest(
      uint64_t scope, absl::string_view caller, absl::string_view request_id,
      absl::string_view fingerprint);
  // Adds `after` (replacing `before`, null when new) with its index terms.
  static void PutClient(DirectoryWrite& write, const ClientRecord* before,
                        const ClientRecord& after);
  // Adds the record of `request_id` (if any) to `write`.
  void RecordRequest(DirectoryWrite& write, uint64_t scope, absl::string_view caller,
                     absl::string_view request_id, absl::string_view fingerprint,
                     uint64_t id, const std::vector<uint64_t>& changed = {});
  int64_t NowMicros() const;
  std::string NewToken();

  DirectoryStore& store_;
  const Clock& clock_;
  WholesaleCheck& wholesale_;
  storage::StripedLocks locks_;
  absl::Mutex token_mu_;
  absl::BitGen token_bits_ ABSL_GUARDED_BY(token_mu_);
};

// The etag of a client's current state.
std::string EtagOf(const ClientRecord& client);

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_DIRECTORY_H_
