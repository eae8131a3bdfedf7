#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_MEMBER_REMOVAL_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_MEMBER_REMOVAL_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/directory/domain/directory_core.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {

// What a removal did.
struct RemovedMember {
  MemberRecord member;
  std::string reassigned_to;  // "" when no work was handed over
  int64_t clients_reassigned = 0;
  int64_t todos_reassigned = 0;
  // The place for a large write, held until the removal has committed.
  std::unique_lock<std::mutex> large;
};

// What a walk over a member's work collected, and where it stopped.
template <typename Record>
struct Collected {
  std::vector<Record> records;
  size_t bytes = 0;
  // The walk's cursor where it stopped short; "" once it reached the end.
  std::string cursor;
  bool whole() const { return cursor.empty(); }
};

// A member who leaves the firm: removed with their work handed over in the
// same write, or refused while they hold work nobody takes over.
class MemberRemoval {
 public:
  // `max_batch_bytes`: the largest write a removal makes (its estimate,
  // EstimatedBatchBytes).
  explicit MemberRemoval(DirectoryCore& core,
                         size_t max_batch_bytes = kMaxWriteBatchBytes)
      : core_(core),
        client_store_(core.store().clients()),
        todo_store_(core.store().todos()),
        max_batch_bytes_(max_batch_bytes) {}

  // Admins only. Refused FAILED_PRECONDITION for the primary admin
  // (MEMBER_IS_PRIMARY_ADMIN), for a client company's primary admin
  // (MEMBER_IS_CLIENT_PRIMARY_ADMIN) and, without `reassign_to`, for a
  // member who leads clients or holds open to-dos (MEMBER_HAS_CLIENTS,
  // MEMBER_HAS_OPEN_TODOS, with both counts). With `reassign_to` (a member),
  // the clients the member leads (active or not) get it as lead accountant
  // and their open to-dos as assignee, their list view goes, and the member
  // is removed: one atomic write. Refused FAILED_PRECONDITION
  // (MEMBER_HAS_TOO_MUCH_WORK) when that write would pass max_batch_bytes,
  // and RESOURCE_EXHAUSTED (LARGE_WRITE_BUSY) past kSmallWriteBytes while
  // another large write is under way.
  // `etag`, when given, must be the member's current one (else ABORTED).
  absl::StatusOr<RemovedMember> RemoveMember(const auth::Caller& caller,
                                             const names::MemberName& member_name,
                                             absl::string_view reassign_to,
                                             absl::string_view request_id,
                                             absl::string_view etag = "");

 private:
  // How far a walk over a member's work reads: a small write's worth
  // (kSmallWriteBytes), or what the largest write carries (max_batch_bytes).
  enum class Reach { kSmallWrite, kLargestWrite };
  bool Reached(Reach reach, size_t records, size_t bytes) const;
  // The firm's clients in `facet`, active or not, as far as `reach`; a
  // walk that stopped short (`so_far`) goes on from where it stopped.
  absl::StatusOr<Collected<ClientRecord>> ClientsIn(uint64_t firm_id,
                                                    const std::string& facet, Reach reach,
                                                    Collected<ClientRecord> so_far = {});
  absl::StatusOr<Collected<TodoRecord>> OpenTodosOf(uint64_t firm_id,
                                                    absl::string_view user_id,
                                                    Reach reach,
                                                    Collected<TodoRecord> so_far = {});
  // The removal's outcome as its request record keeps it, for a retry.
  static RemovedMember Replay(const RequestRecord& first);

  DirectoryCore& core_;
  const ClientStore& client_store_;
  const TodoStore& todo_store_;
  const size_t max_batch_bytes_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_MEMBER_REMOVAL_H_
