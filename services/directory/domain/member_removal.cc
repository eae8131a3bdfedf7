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

// Clients or to-dos read a page at a time while collecting a member's
// work: a walk passes its reach by a page at most (256 of the largest
// clients: 5 MB).
constexpr size_t kPage = 256;

// The pages a walk reaches (`read` reads one), after those `collected`
// holds, until what they hold passes `reach` (records, bytes).
template <typename Record, typename Scan, typename Read, typename Reach>
absl::StatusOr<Collected<Record>> EveryPage(Scan scan, Read read, Reach reach,
                                            Collected<Record> collected) {
  scan.cursor = std::move(collected.cursor);
  do {
    absl::StatusOr<StoredPage<Record>> page = read(scan);
    if (!page.ok()) return page.status();
    collected.bytes += storage::BytesOf(page->items);
    std::move(page->items.begin(), page->items.end(),
              std::back_inserter(collected.records));
    scan.cursor = std::move(page->cursor);
  } while (!scan.cursor.empty() && !reach(collected.records.size(), collected.bytes));
  collected.cursor = std::move(scan.cursor);
  return collected;
}

// "1 client", "2 clients", or "at least 2 clients" for a walk that stopped
// short.
template <typename Record>
std::string CountOf(const Collected<Record>& collected, absl::string_view one,
                    absl::string_view many) {
  const size_t n = collected.records.size();
  return absl::StrCat(collected.whole() ? "" : "at least ", n, " ",
                      n == 1 && collected.whole() ? one : many);
}

}  // namespace

bool MemberRemoval::Reached(Reach reach, size_t records, size_t bytes) const {
  return reach == Reach::kSmallWrite
             ? bytes > kSmallWriteBytes
             : EstimatedBatchBytes(records, bytes) > max_batch_bytes_;
}

absl::StatusOr<Collected<ClientRecord>> MemberRemoval::ClientsIn(
    uint64_t firm_id, const std::string& facet, Reach reach,
    Collected<ClientRecord> so_far) {
  return EveryPage<ClientRecord>(
      ClientScan{.firm_id = firm_id,
                 .index = ClientIndex::kByName,
                 .active_only = false,
                 .facet = facet,
                 .limit = kPage,
                 .max_examined = kPage},
      [this](const ClientScan& scan) { return client_store_.ScanClients(scan); },
      [this, reach](size_t records, size_t bytes) {
        return Reached(reach, records, bytes);
      },
      std::move(so_far));
}

absl::StatusOr<Collected<TodoRecord>> MemberRemoval::OpenTodosOf(
    uint64_t firm_id, absl::string_view user_id, Reach reach,
    Collected<TodoRecord> so_far) {
  return EveryPage<TodoRecord>(
      TodoScan{.firm_id = firm_id,
               .by = TodoScan::By::kAssignee,
               .assignee = std::string(user_id),
               .states = TodoScan::States::kOpen,
               .limit = kPage,
               .max_examined = kPage},
      [this](const TodoScan& scan) { return todo_store_.ScanTodos(scan); },
      [this, reach](size_t records, size_t bytes) {
        return Reached(reach, records, bytes);
      },
      std::move(so_far));
}

RemovedMember MemberRemoval::Replay(const RequestRecord& first) {
  return RemovedMember{.member = first.removed_member(),
                       .reassigned_to = first.reassigned_to(),
                       .clients_reassigned = first.reassigned_clients(),
                       .todos_reassigned = first.reassigned_todos()};
}

absl::StatusOr<RemovedMember> MemberRemoval::RemoveMember(
    const auth::Caller& caller, const names::MemberName& member_name,
    absl::string_view reassign_to, absl::string_view request_id, absl::string_view etag) {
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

  absl::StatusOr<storage::StripedLocks::Guard> guard =
      core_.LockFirmFor(caller, firm_id, v1::Role::ADMIN);
  if (!guard.ok()) return guard.status();
  return core_.Write<RemovedMember>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [](const RequestRecord& first) -> absl::StatusOr<RemovedMember> {
        return Replay(first);
      },
      [&](DirectoryWrite& write, RequestRecord& done) -> absl::StatusOr<RemovedMember> {
        absl::StatusOr<MemberRecord> member = core_.LoadMember(firm_id, user_id);
        if (!member.ok()) return member.status();
        if (absl::Status s = CheckEtagIfSent(name, etag, EtagOf(*member)); !s.ok()) {
          return s;
        }
        if (absl::Status s = CheckNotPrimaryAdmin(*member); !s.ok()) return s;
        // Read as far as a small write's worth: enough to refuse, and to
        // know whether the work is large before reading all of it, which
        // only one large write of the process does at a time (removals at
        // once in six firms of 1,500 large clients each read all 31 MB
        // before five were refused LARGE_WRITE_BUSY, 0.6 s each).
        CB_ASSIGN_OR_RETURN(
            Collected<ClientRecord> administered,
            ClientsIn(firm_id, PrimaryAdminFacet(user_id), Reach::kSmallWrite));
        if (!administered.records.empty()) {
          const std::string first =
              names::ClientName{firm_id, administered.records.front().company_id()}
                  .ToString();
          return errors::WithReason(
              absl::StatusCode::kFailedPrecondition, "MEMBER_IS_CLIENT_PRIMARY_ADMIN",
              absl::StrCat(name, " is the primary admin of ",
                           CountOf(administered, "client company", "client companies"),
                           " (", first,
                           " first): each must name another primary admin first"),
              {{"clients", absl::StrCat(administered.records.size())},
               {"first_client", first}});
        }
        if (!reassign_to.empty()) {
          absl::StatusOr<std::optional<errors::FieldViolation>> heir =
              core_.CheckIsMember("reassign_to", firm_id, reassign_to);
          if (!heir.ok()) return heir.status();
          if (heir->has_value()) return errors::InvalidArgument({**heir});
        }
        CB_ASSIGN_OR_RETURN(
            Collected<ClientRecord> led,
            ClientsIn(firm_id, LeadAccountantFacet(user_id), Reach::kSmallWrite));
        CB_ASSIGN_OR_RETURN(Collected<TodoRecord> todos,
                            OpenTodosOf(firm_id, user_id, Reach::kSmallWrite));
        if (reassign_to.empty() && (!led.records.empty() || !todos.records.empty())) {
          return errors::WithReason(
              absl::StatusCode::kFailedPrecondition,
              !led.records.empty() ? "MEMBER_HAS_CLIENTS" : "MEMBER_HAS_OPEN_TODOS",
              absl::StrCat(name, " leads ", CountOf(led, "client", "clients"),
                           " and holds ", CountOf(todos, "open to-do", "open to-dos"),
                           ": name reassign_to, the member who takes them over"),
              {{"clients", absl::StrCat(led.records.size())},
               {"open_todos", absl::StrCat(todos.records.size())}});
        }
        std::unique_lock<std::mutex> large;
        if (!led.whole() || !todos.whole() ||
            led.bytes + todos.bytes > kSmallWriteBytes) {
          // The rest of the work, under the firm's lock still: where the
          // walks stopped is where they go on.
          CB_ASSIGN_OR_RETURN(large, core_.PlaceForWrite(kSmallWriteBytes + 1));
          if (!led.whole()) {
            CB_ASSIGN_OR_RETURN(led, ClientsIn(firm_id, LeadAccountantFacet(user_id),
                                               Reach::kLargestWrite, std::move(led)));
          }
          if (!todos.whole()) {
            CB_ASSIGN_OR_RETURN(todos, OpenTodosOf(firm_id, user_id, Reach::kLargestWrite,
                                                   std::move(todos)));
          }
        }
        // One write carries them all, or none.
        if (!led.whole() || !todos.whole() ||
            EstimatedBatchBytes(led.records.size() + todos.records.size(),
                                led.bytes + todos.bytes) > max_batch_bytes_) {
          return errors::WithReason(
              absl::StatusCode::kFailedPrecondition, "MEMBER_HAS_TOO_MUCH_WORK",
              absl::StrCat(name, " leads ", CountOf(led, "client", "clients"),
                           " and holds ", CountOf(todos, "open to-do", "open to-dos"),
                           ", more than one write carries: give some of "
                           "their clients another lead accountant first"),
              {{"clients", absl::StrCat(led.records.size())},
               {"open_todos", absl::StrCat(todos.records.size())}});
        }
        const int64_t now = core_.NowMicros();
        for (const ClientRecord& client : led.records) {
          ClientRecord after = client;
          after.set_lead_accountant_user_id(std::string(reassign_to));
          after.set_revision(client.revision() + 1);
          after.set_update_time_us(now);
          DirectoryCore::PutClient(write.clients(), &client, after);
        }
        for (const TodoRecord& todo : todos.records) {
          TodoRecord after = todo;
          after.set_assignee_user_id(std::string(reassign_to));
          after.set_revision(todo.revision() + 1);
          after.set_update_time_us(now);
          write.todos().PutTodo(&todo, after);
        }
        CB_ASSIGN_OR_RETURN(ListViewRecord view, core_.LoadListView(firm_id, user_id));
        write.list_views().DeleteListView(firm_id, user_id);
        write.firms().DeleteMember(
            *member, view.columns().empty() ? view.revision() : view.revision() + 1);
        *done.mutable_removed_member() = *member;
        done.set_reassigned_to(
            led.records.empty() && todos.records.empty() ? "" : std::string(reassign_to));
        done.set_reassigned_clients(static_cast<int64_t>(led.records.size()));
        done.set_reassigned_todos(static_cast<int64_t>(todos.records.size()));
        RemovedMember removed = Replay(done);
        removed.large = std::move(large);
        return removed;
      });
}

}  // namespace clientbook::directory
