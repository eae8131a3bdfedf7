#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_DIRECTORY_CORE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_DIRECTORY_CORE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/caller.h"
#include "common/locks/striped_locks.h"
#include "common/names/names.h"
#include "common/requests/etag.h"
#include "common/status/errors.h"
#include "common/time/clock.h"
#include "google/protobuf/message.h"
#include "services/directory/domain/client_removals.h"
#include "services/directory/domain/model.h"
#include "services/directory/domain/store_port.h"

namespace clientbook::directory {

// A client's notes and to-dos. When they are large, `large` holds the one
// place for a large write (DirectoryCore::LoadClientWork): keep it until
// the write that moves or removes them has committed.
struct ClientWork {
  std::vector<NoteRecord> notes;
  std::vector<TodoRecord> todos;
  std::unique_lock<std::mutex> large;
};

// The request-id scope of what a caller makes outside any firm (CreateFirm,
// CreateInvitation); a firm's writes are scoped by the firm's id.
inline constexpr uint64_t kUserRequestScope = 0;

// Who asks and under which request id: what a write's request-id record is
// kept by (`scope` is the firm, or kUserRequestScope) and checked against.
struct RequestKey {
  uint64_t scope = 0;
  absl::string_view caller;
  absl::string_view request_id;  // "" for none
  std::string fingerprint;       // what the request asked (request_id.h)
};

// What every part of the directory shares: the storage, the clock, one set
// of locks (so a firm's writes serialize whichever part makes them), the
// caller's access checks, and the frame every write goes through.
class DirectoryCore {
 public:
  DirectoryCore(DirectoryStore& store, const Clock& clock)
      : store_(store), clock_(clock) {}

  DirectoryStore& store() { return store_; }
  ClientRemovals& removals() { return removals_; }
  int64_t NowMicros() const;
  absl::StatusOr<uint64_t> AllocateId() { return store_.AllocateId(); }
  // A write outside the frame (no request id to remember).
  std::unique_ptr<DirectoryWrite> NewWrite(WriteOrigin origin) {
    return store_.NewWrite(std::move(origin));
  }

  // Before serving: rebuilds the listing indexes and the note word index of
  // a database written by an older version (IndexTermsOf for every client,
  // NoteWords for every live note); nothing when current.
  absl::StatusOr<Reindexed> ReindexIfOutdated();

  // Members of the firm only; anyone else learns nothing about it.
  absl::StatusOr<MemberRecord> RequireMember(const auth::Caller& caller,
                                             uint64_t firm_id);
  absl::StatusOr<MemberRecord> RequireRole(const auth::Caller& caller, uint64_t firm_id,
                                           v1::Role at_least);
  // Who work is given to (a lead accountant, an assignee) must be a member:
  // the violation of `field` when `user_id` is not. Called again under the
  // firm's lock by every write that gives work, so a member removed
  // meanwhile is never given any.
  absl::StatusOr<std::optional<errors::FieldViolation>> CheckIsMember(
      absl::string_view field, uint64_t firm_id, absl::string_view user_id);
  absl::StatusOr<ClientRecord> LoadClient(uint64_t firm_id, uint64_t company_id);
  // NOT_FOUND naming the member when the firm has no such member.
  absl::StatusOr<MemberRecord> LoadMember(uint64_t firm_id, absl::string_view user_id);
  // The list view `user_id` saved in the firm; else one without columns
  // (the defaults), at the revision kept when it last left the firm
  // (RemovedMemberRecord), 0 if it never did.
  absl::StatusOr<ListViewRecord> LoadListView(uint64_t firm_id,
                                              absl::string_view user_id);
  // Every note (deleted ones too) and to-do of a client, to move or remove
  // in one write; FAILED_PRECONDITION when there are more than one write
  // carries (kMaxNotesOrTodosPerWrite, kMaxNotesAndTodosBytesPerWrite).
  // Past kSmallWriteBytes it takes the one place for a large write, held by
  // what it returns (PlaceForWrite).
  absl::StatusOr<ClientWork> LoadClientWork(const ClientRecord& client);
  // The one place in the process for a write of more than kSmallWriteBytes
  // of records, to hold until it has committed: an empty lock for a write
  // of `record_bytes` within it; RESOURCE_EXHAUSTED LARGE_WRITE_BUSY while
  // another write holds it. Each holds its records several times over until
  // committed, and four together took the directory to 756 MB (waiting,
  // they would hold the threads other calls need).
  absl::StatusOr<std::unique_lock<std::mutex>> PlaceForWrite(size_t record_bytes);

  // Serializes check-then-write sequences of one firm, or of one user's
  // firm creations.
  storage::StripedLocks::Guard LockFirm(uint64_t firm_id);
  // The firm's lock for a write by `caller`, held only when the caller is,
  // under it, a member with at least the role `at_least`: a removal or a
  // demotion commits under the same lock, so a write checked before one
  // never commits after it.
  absl::StatusOr<storage::StripedLocks::Guard> LockFirmFor(const auth::Caller& caller,
                                                           uint64_t firm_id,
                                                           v1::Role at_least);
  storage::StripedLocks::Guard LockUser(absl::string_view user_id);
  // An invitation's answer, and the firm it joins.
  storage::StripedLocks::Guard LockToken(absl::string_view token);
  storage::StripedLocks::Guard LockTokenAndFirm(absl::string_view token,
                                                uint64_t firm_id);

  // The frame of every write, called with the scope's lock held: a request
  // id used before for the same request answers `replay(first record)`;
  // used for another request, INVALID_ARGUMENT. Otherwise `change` adds
  // its changes to a write (and what a replay needs to the record), and
  // the changes and the request id's record commit atomically.
  template <typename Result>
  absl::StatusOr<Result> Write(
      const RequestKey& request,
      const std::function<absl::StatusOr<Result>(const RequestRecord&)>& replay,
      const std::function<absl::StatusOr<Result>(DirectoryWrite&, RequestRecord&)>&
          change);

  // What an earlier call with the request's id did (nullopt: none, or no
  // request id); INVALID_ARGUMENT when that call asked something else.
  absl::StatusOr<std::optional<RequestRecord>> EarlierRequest(const RequestKey& request);

  // Adds `after` (replacing `before`, null when new) with its index terms.
  static void PutClient(ClientWrites& write, const ClientRecord* before,
                        const ClientRecord& after);

 private:
  DirectoryStore& store_;
  const Clock& clock_;
  storage::StripedLocks locks_;
  ClientRemovals removals_;
  std::mutex large_work_;
};

template <typename Result>
absl::StatusOr<Result> DirectoryCore::Write(
    const RequestKey& request,
    const std::function<absl::StatusOr<Result>(const RequestRecord&)>& replay,
    const std::function<absl::StatusOr<Result>(DirectoryWrite&, RequestRecord&)>&
        change) {
  absl::StatusOr<std::optional<RequestRecord>> earlier = EarlierRequest(request);
  if (!earlier.ok()) return earlier.status();
  if (earlier->has_value()) return replay(**earlier);
  std::unique_ptr<DirectoryWrite> write =
      store_.NewWrite({.actor = std::string(request.caller),
                       .request_id = std::string(request.request_id)});
  RequestRecord done;
  absl::StatusOr<Result> result = change(*write, done);
  if (!result.ok()) return result;
  if (!request.request_id.empty()) {
    done.set_fingerprint(request.fingerprint);
    write->PutRequest(request.scope, request.caller, request.request_id, done);
  }
  if (absl::Status s = write->Commit(); !s.ok()) return s;
  return result;
}

// The etags of the directory's records (firm, member, client, list view,
// note, to-do): the rule every service shares.
using requests::CheckEtag;
using requests::CheckEtagIfSent;
using requests::EtagOf;

// FAILED_PRECONDITION (MEMBER_IS_PRIMARY_ADMIN) for a change the primary
// admin's role does not allow (demotion, removal): the role moves only by
// TransferPrimaryAdmin. OK for any other member.
absl::Status CheckNotPrimaryAdmin(const MemberRecord& member);

// Whether an update leaves `after` as `before` was. Such an update writes
// nothing: the stored resource is the answer, its etag as it was, and no
// change or audit entry says a field changed when none did (as an unchanged
// number in BatchUpdateClientNumbers, or a client made active that was).
bool ChangesNothing(const google::protobuf::Message& before,
                    const google::protobuf::Message& after);

// PERMISSION_DENIED (ROLE_REQUIRED) for a member of `firm_id` whose role is
// weaker than `role`.
absl::Status FirmRoleRequired(uint64_t firm_id, v1::Role role, absl::string_view message);

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_DIRECTORY_CORE_H_
