#include "services/directory/domain/member_removal.h"

#include <iterator>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/names/names.h"
#include "common/paging/paging.h"
#include "common/requests/request_id.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {
namespace {

// Clients or to-dos read a page at a time while collecting a member's work.
constexpr size_t kPage = 10000;

// Everything a walk reaches, page after page (`read` reads one page), or
// the pages read until a write of them would pass `max_batch_bytes`.
template <typename Record, typename Scan, typename Read>
absl::StatusOr<std::vector<Record>> EveryPage(Scan scan, Read read,
                                              size_t max_batch_bytes) {
  std::vector<Record> all;
  size_t bytes = 0;
  do {
    absl::StatusOr<StoredPage<Record>> page = read(scan);
    if (!page.ok()) return page.status();
    bytes += storage::BytesOf(page->items);
    std::move(page->items.begin(), page->items.end(), std::back_inserter(all));
    scan.cursor = std::move(page->cursor);
  } while (!scan.cursor.empty() &&
           EstimatedBatchBytes(all.size(), bytes) <= max_batch_bytes);
  return all;
}

}  // namespace

absl::StatusOr<std::vector<ClientRecord>> MemberRemoval::ClientsIn(
    uint64_t firm_id, const std::string& facet) {
  return EveryPage<ClientRecord>(
      ClientScan{.firm_id = firm_id,
                 .index = ClientIndex::kByName,
                 .active_only = false,
                 .facet = facet,
                 .limit = kPage,
                 .max_examined = kPage},
      [this](const ClientScan& scan) { return client_store_.ScanClients(scan); },
      max_batch_bytes_);
}

absl::StatusOr<std::vector<TodoRecord>> MemberRemoval::OpenTodosOf(
    uint64_t firm_id, absl::string_view user_id) {
  return EveryPage<TodoRecord>(
      TodoScan{.firm_id = firm_id,
               .by = TodoScan::By::kAssignee,
               .assignee = std::string(user_id),
               .states = TodoScan::States::kOpen,
               .limit = kPage,
               .max_examined = kPage},
      [this](const TodoScan& scan) { return todo_store_.ScanTodos(scan); },
      max_batch_bytes_);
}

RemovedMember MemberRemoval::Replay(const RequestRecord& first) {
  return RemovedMember{.member = first.removed_member(),
                       .reassigned_to = first.reassigned_to(),
                       .clients_reassigned = first.reassigned_clients(),
                       .todos_reassigned = first.reassigned_todos()};
}

absl::StatusOr<RemovedMember> MemberRemoval::RemoveMember(
    const auth::Caller& caller, const names::MemberName& member_name,
    absl::string_view reassign_to, absl::string_view request_id) {
  const uint64_t firm_id = member_name.firm_id;
  const absl::string_view user_id = member_name.user_id;
  if (absl::StatusOr<MemberRecord> me =
          core_.RequireRole(caller, firm_id, v1::Role::ADMIN);
      !me.ok()) {
    return me.status();
  }
  if (reassign_to == user_id) {
    return errors::InvalidField("reassign_to",
                                "is the member being removed: name who takes over");
  }
  if (absl::Status s = requests::CheckStatus(request_id); !s.ok()) return s;
  const std::string name = names::MemberName{firm_id, std::string(user_id)}.ToString();
  const std::string fingerprint =
      requests::Fingerprint("RemoveFirmMember", name, reassign_to);

  auto guard = core_.LockFirm(firm_id);
  return core_.Write<RemovedMember>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [](const RequestRecord& first) -> absl::StatusOr<RemovedMember> {
        return Replay(first);
      },
      [&](DirectoryWrite& write, RequestRecord& done) -> absl::StatusOr<RemovedMember> {
        absl::StatusOr<MemberRecord> member = core_.LoadMember(firm_id, user_id);
        if (!member.ok()) return member.status();
        if (absl::Status s = CheckNotPrimaryAdmin(*member); !s.ok()) return s;
        absl::StatusOr<std::vector<ClientRecord>> administered =
            ClientsIn(firm_id, PrimaryAdminFacet(user_id));
        if (!administered.ok()) return administered.status();
        if (!administered->empty()) {
          const std::string first =
              names::ClientName{firm_id, administered->front().company_id()}.ToString();
          return errors::WithReason(
              absl::StatusCode::kFailedPrecondition, "MEMBER_IS_CLIENT_PRIMARY_ADMIN",
              absl::StrCat(name, " is the primary admin of ", administered->size(),
                           " client companies (", first,
                           " first): each must name another primary admin first"),
              {{"clients", absl::StrCat(administered->size())}, {"first_client", first}});
        }
        if (!reassign_to.empty()) {
          absl::StatusOr<std::optional<errors::FieldViolation>> heir =
              core_.CheckIsMember("reassign_to", firm_id, reassign_to);
          if (!heir.ok()) return heir.status();
          if (heir->has_value()) return errors::InvalidArgument({**heir});
        }
        absl::StatusOr<std::vector<ClientRecord>> led =
            ClientsIn(firm_id, LeadAccountantFacet(user_id));
        if (!led.ok()) return led.status();
        absl::StatusOr<std::vector<TodoRecord>> todos = OpenTodosOf(firm_id, user_id);
        if (!todos.ok()) return todos.status();
        if (reassign_to.empty() && (!led->empty() || !todos->empty())) {
          return errors::WithReason(
              absl::StatusCode::kFailedPrecondition,
              !led->empty() ? "MEMBER_HAS_CLIENTS" : "MEMBER_HAS_OPEN_TODOS",
              absl::StrCat(name, " leads ", led->size(), " clients and holds ",
                           todos->size(),
                           " open to-dos: name reassign_to, the member who takes them over"),
              {{"clients", absl::StrCat(led->size())},
               {"open_todos", absl::StrCat(todos->size())}});
        }
        // One write carries them all, or none.
        const size_t bytes = storage::BytesOf(*led) + storage::BytesOf(*todos);
        if (EstimatedBatchBytes(led->size() + todos->size(), bytes) > max_batch_bytes_) {
          return errors::WithReason(
              absl::StatusCode::kFailedPrecondition, "MEMBER_HAS_TOO_MUCH_WORK",
              absl::StrCat(name, " leads at least ", led->size(),
                           " clients and holds at least ", todos->size(),
                           " open to-dos, more than one write carries: give some of "
                           "their clients another lead accountant first"),
              {{"clients", absl::StrCat(led->size())},
               {"open_todos", absl::StrCat(todos->size())}});
        }
        CB_ASSIGN_OR_RETURN(std::unique_lock<std::mutex> large,
                            core_.PlaceForWrite(bytes));
        const int64_t now = core_.NowMicros();
        for (const ClientRecord& client : *led) {
          ClientRecord after = client;
          after.set_lead_accountant_user_id(std::string(reassign_to));
          after.set_revision(client.revision() + 1);
          after.set_update_time_us(now);
          DirectoryCore::PutClient(write.clients(), &client, after);
        }
        for (const TodoRecord& todo : *todos) {
          TodoRecord after = todo;
          after.set_assignee_user_id(std::string(reassign_to));
          after.set_revision(todo.revision() + 1);
          after.set_update_time_us(now);
          write.todos().PutTodo(&todo, after);
        }
        write.list_views().DeleteListView(firm_id, user_id);
        write.firms().DeleteMember(*member);
        *done.mutable_removed_member() = *member;
        done.set_reassigned_to(led->empty() && todos->empty() ? "" : std::string(reassign_to));
        done.set_reassigned_clients(static_cast<int64_t>(led->size()));
        done.set_reassigned_todos(static_cast<int64_t>(todos->size()));
        RemovedMember removed = Replay(done);
        removed.large = std::move(large);
        return removed;
      });
}

}  // namespace clientbook::directory
