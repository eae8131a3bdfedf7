#include "services/directory/domain/directory_core.h"

#include "absl/strings/str_cat.h"
#include "common/names/names.h"
#include "common/paging/paging.h"
#include "common/requests/request_id.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/directory/domain/names.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {
namespace {

// How many later merges a merged-away client's name follows to the client
// that holds its data now: a firm merging one client after another into
// the next stays within it, and no read walks further.
constexpr int kMaxMergeHops = 64;

}  // namespace

absl::Status CheckNotPrimaryAdmin(const MemberRecord& member) {
  if (member.role() != v1::Role::PRIMARY_ADMIN) return absl::OkStatus();
  return errors::WithReason(
      absl::StatusCode::kFailedPrecondition, "MEMBER_IS_PRIMARY_ADMIN",
      absl::StrCat(names::MemberName{member.firm_id(), member.user_id()}.ToString(),
                   " is the firm's primary admin: TransferPrimaryAdmin to another member "
                   "first"));
}

bool ChangesNothing(const google::protobuf::Message& before,
                    const google::protobuf::Message& after) {
  return google::protobuf::util::MessageDifferencer::Equals(before, after);
}

absl::Status FirmRoleRequired(uint64_t firm_id, v1::Role role,
                              absl::string_view message) {
  return errors::RoleRequired(v1::Role_Name(role), message,
                              names::FirmName{firm_id}.ToString());
}

int64_t DirectoryCore::NowMicros() const { return absl::ToUnixMicros(clock_.Now()); }

absl::StatusOr<MemberRecord> DirectoryCore::RequireMember(const auth::Caller& caller,
                                                          uint64_t firm_id) {
  absl::StatusOr<std::optional<MemberRecord>> member =
      store_.firms().GetMember(firm_id, caller.user_id);
  if (!member.ok()) return member.status();
  // Same answer whether or not the firm exists: no probing for firms.
  if (!member->has_value()) {
    const std::string firm = names::FirmName{firm_id}.ToString();
    return errors::NotAMember(
        absl::StrCat("user '", caller.user_id, "' is not a member of ", firm), firm,
        caller.user_id);
  }
  return std::move(**member);
}

absl::StatusOr<MemberRecord> DirectoryCore::RequireRole(const auth::Caller& caller,
                                                        uint64_t firm_id,
                                                        v1::Role at_least) {
  absl::StatusOr<MemberRecord> member = RequireMember(caller, firm_id);
  if (!member.ok()) return member.status();
  // Lower enum values are stronger roles.
  if (member->role() > at_least) {
    return FirmRoleRequired(
        firm_id, at_least,
        absl::StrCat("this needs the ",
                     at_least == v1::Role::PRIMARY_ADMIN ? "primary admin" : "admin",
                     " role in ", names::FirmName{firm_id}.ToString()));
  }
  return member;
}

absl::StatusOr<std::optional<errors::FieldViolation>> DirectoryCore::CheckIsMember(
    absl::string_view field, uint64_t firm_id, absl::string_view user_id) {
  if (user_id.empty()) return errors::FieldViolation{std::string(field), "is required"};
  absl::StatusOr<std::optional<MemberRecord>> member =
      store_.firms().GetMember(firm_id, user_id);
  if (!member.ok()) return member.status();
  if (member->has_value()) return std::nullopt;
  return errors::FieldViolation{
      std::string(field),
      absl::StrCat("is not a member of ", names::FirmName{firm_id}.ToString())};
}

absl::StatusOr<MemberRecord> DirectoryCore::LoadMember(uint64_t firm_id,
                                                       absl::string_view user_id) {
  absl::StatusOr<std::optional<MemberRecord>> member =
      store_.firms().GetMember(firm_id, user_id);
  if (!member.ok()) return member.status();
  if (!member->has_value()) {
    return errors::NotFound(names::MemberName{firm_id, std::string(user_id)}.ToString());
  }
  return std::move(**member);
}

absl::StatusOr<ListViewRecord> DirectoryCore::LoadListView(uint64_t firm_id,
                                                           absl::string_view user_id) {
  absl::StatusOr<std::optional<ListViewRecord>> saved =
      store_.list_views().GetListView(firm_id, user_id);
  if (!saved.ok()) return saved.status();
  if (saved->has_value()) return std::move(**saved);
  absl::StatusOr<std::optional<RemovedMemberRecord>> removed =
      store_.firms().GetRemovedMember(firm_id, user_id);
  if (!removed.ok()) return removed.status();
  ListViewRecord defaults;
  if (removed->has_value()) defaults.set_revision((*removed)->list_view_revision());
  return defaults;
}

absl::StatusOr<ClientRecord> DirectoryCore::LoadClient(uint64_t firm_id,
                                                       uint64_t company_id) {
  absl::StatusOr<std::optional<ClientRecord>> client =
      store_.clients().GetClient(firm_id, company_id);
  if (!client.ok()) return client.status();
  if (client->has_value()) return std::move(**client);
  absl::StatusOr<std::optional<MergedClientRecord>> merged =
      store_.clients().GetMergedClient(firm_id, company_id);
  if (!merged.ok()) return merged.status();
  const std::string name = names::ClientName{firm_id, company_id}.ToString();
  if (!merged->has_value()) return errors::NotFound(name);
  // Old links follow the ResourceInfo to the client that holds the data
  // now: through the later merges of the client it was merged into (one
  // merged away is never merged into, so the chain ends), at most
  // kMaxMergeHops of them.
  uint64_t target_id = (*merged)->target_company_id();
  for (int hop = 0; hop < kMaxMergeHops; ++hop) {
    absl::StatusOr<std::optional<MergedClientRecord>> next =
        store_.clients().GetMergedClient(firm_id, target_id);
    if (!next.ok()) return next.status();
    if (!next->has_value()) break;
    target_id = (*next)->target_company_id();
  }
  const std::string target = names::ClientName{firm_id, target_id}.ToString();
  return errors::WithResource(
      errors::WithReason(absl::StatusCode::kNotFound, "CLIENT_MERGED",
                         absl::StrCat(name, " was merged into ", target)),
      "clientbook.v1.Client", target);
}

absl::StatusOr<ClientWork> DirectoryCore::LoadClientWork(const ClientRecord& client) {
  // All of them when they come to at most `max_bytes` (and 50,000 of each);
  // nullopt when there are more.
  auto load = [&](size_t max_bytes) -> absl::StatusOr<std::optional<ClientWork>> {
    ClientWork work;
    CB_ASSIGN_OR_RETURN(
        work.notes, store_.notes().ClientNotes(client.firm_id(), client.company_id(),
                                               kMaxNotesOrTodosPerWrite + 1, max_bytes));
    size_t bytes = storage::BytesOf(work.notes);
    if (work.notes.size() > kMaxNotesOrTodosPerWrite || bytes > max_bytes) {
      return std::nullopt;
    }
    CB_ASSIGN_OR_RETURN(work.todos, store_.todos().ClientTodos(
                                        client.firm_id(), client.company_id(),
                                        kMaxNotesOrTodosPerWrite + 1, max_bytes - bytes));
    bytes += storage::BytesOf(work.todos);
    if (work.todos.size() > kMaxNotesOrTodosPerWrite || bytes > max_bytes) {
      return std::nullopt;
    }
    return work;
  };
  CB_ASSIGN_OR_RETURN(std::optional<ClientWork> small, load(kSmallWriteBytes));
  if (small.has_value()) return std::move(*small);
  // Large: read again, whole, unless another large write is under way.
  CB_ASSIGN_OR_RETURN(std::unique_lock<std::mutex> large,
                      PlaceForWrite(kSmallWriteBytes + 1));
  CB_ASSIGN_OR_RETURN(std::optional<ClientWork> work,
                      load(kMaxNotesAndTodosBytesPerWrite));
  if (!work.has_value()) {
    return errors::WithReason(
        absl::StatusCode::kFailedPrecondition, "TOO_MANY_NOTES_OR_TODOS",
        absl::StrCat("client ", DescribeClient(client), " has more than ",
                     kMaxNotesOrTodosPerWrite, " notes or to-dos, or more than ",
                     kMaxNotesAndTodosBytesPerWrite >> 20,
                     " MiB of them, more than one write carries: delete some first"));
  }
  work->large = std::move(large);
  return std::move(*work);
}

absl::StatusOr<std::unique_lock<std::mutex>> DirectoryCore::PlaceForWrite(
    size_t record_bytes) {
  if (record_bytes <= kSmallWriteBytes) return std::unique_lock<std::mutex>();
  std::unique_lock<std::mutex> large(large_work_, std::try_to_lock);
  if (!large.owns_lock()) {
    return errors::QuotaExhausted(
        "LARGE_WRITE_BUSY", "service",
        absl::StrCat("another write of more than ", kSmallWriteBytes >> 20,
                     " MiB of records is under way in this server"),
        kLargeWriteRetryDelay);
  }
  return large;
}

namespace {

std::string FirmScope(uint64_t firm_id) { return absl::StrCat("firm:", firm_id); }
std::string TokenScope(absl::string_view token) { return absl::StrCat("token:", token); }

}  // namespace

storage::StripedLocks::Guard DirectoryCore::LockFirm(uint64_t firm_id) {
  return locks_.Lock({FirmScope(firm_id)});
}

absl::StatusOr<storage::StripedLocks::Guard> DirectoryCore::LockFirmFor(
    const auth::Caller& caller, uint64_t firm_id, v1::Role at_least) {
  storage::StripedLocks::Guard guard = LockFirm(firm_id);
  if (absl::StatusOr<MemberRecord> m = RequireRole(caller, firm_id, at_least); !m.ok()) {
    return m.status();
  }
  return guard;
}

storage::StripedLocks::Guard DirectoryCore::LockToken(absl::string_view token) {
  return locks_.Lock({TokenScope(token)});
}

storage::StripedLocks::Guard DirectoryCore::LockTokenAndFirm(absl::string_view token,
                                                             uint64_t firm_id) {
  return locks_.Lock({TokenScope(token), FirmScope(firm_id)});
}

storage::StripedLocks::Guard DirectoryCore::LockUser(absl::string_view user_id) {
  return locks_.Lock({absl::StrCat("user:", user_id)});
}

absl::StatusOr<std::optional<RequestRecord>> DirectoryCore::EarlierRequest(
    const RequestKey& request) {
  if (request.request_id.empty()) return std::nullopt;
  absl::StatusOr<std::optional<RequestRecord>> done =
      store_.FindRequest(request.scope, request.caller, request.request_id);
  if (!done.ok() || !done->has_value()) return done;
  if (absl::Status s =
          requests::CheckSameRequest((*done)->fingerprint(), request.fingerprint);
      !s.ok()) {
    return s;
  }
  return done;
}

void DirectoryCore::PutClient(ClientWrites& write, const ClientRecord* before,
                              const ClientRecord& after) {
  if (before == nullptr) {
    write.PutClient(nullptr, {after, IndexTermsOf(after)});
    return;
  }
  const IndexedClient old{*before, IndexTermsOf(*before)};
  write.PutClient(&old, {after, before->display_name() == after.display_name()
                                    ? IndexTermsOf(after, old.terms)
                                    : IndexTermsOf(after)});
}

absl::StatusOr<Reindexed> DirectoryCore::ReindexIfOutdated() {
  absl::StatusOr<Reindexed> reindexed = store_.clients().ReindexIfOutdated(
      [](const ClientRecord& client) { return IndexTermsOf(client); });
  if (!reindexed.ok()) return reindexed.status();
  absl::StatusOr<size_t> notes = store_.notes().ReindexIfOutdated(NoteWords);
  if (!notes.ok()) return notes.status();
  reindexed->notes = *notes;
  return reindexed;
}

}  // namespace clientbook::directory
