// MergeClients: one client absorbs a duplicate in one atomic write.
#include "services/directory/domain/client_merge.h"

#include "absl/strings/str_cat.h"
#include "common/names/names.h"
#include "common/requests/request_id.h"
#include "services/directory/domain/names.h"
#include "services/directory/domain/notes.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {
namespace {

absl::Status Refused(absl::string_view reason, std::string message) {
  return errors::WithReason(absl::StatusCode::kFailedPrecondition, reason, message);
}

// The target's empty contact fields, filled from the source; the number
// the source's when the target has none.
ClientRecord Absorb(const ClientRecord& target, const ClientRecord& source) {
  ClientRecord merged = target;
  if (merged.email().empty()) merged.set_email(source.email());
  if (merged.lead_accountant_user_id().empty()) {
    merged.set_lead_accountant_user_id(source.lead_accountant_user_id());
  }
  if (merged.primary_admin_user_id().empty()) {
    merged.set_primary_admin_user_id(source.primary_admin_user_id());
  }
  if (merged.products().empty()) *merged.mutable_products() = source.products();
  if (merged.client_number().empty()) merged.set_client_number(source.client_number());
  return merged;
}

}  // namespace

absl::Status ClientMerge::CheckPeers(const auth::Caller& caller,
                                     const ClientRecord& target,
                                     const ClientRecord& source) {
  absl::StatusOr<bool> running = imports_.ImportRunning(caller, target.firm_id());
  if (!running.ok()) return running.status();
  if (*running) {
    return Refused(
        "IMPORT_JOB_RUNNING",
        absl::StrCat("an import job of ", names::FirmName{target.firm_id()}.ToString(),
                     " is running; merge once it has ended"));
  }
  absl::StatusOr<bool> wholesale = billing_.IsOnWholesale(caller, source);
  if (!wholesale.ok()) return wholesale.status();
  if (*wholesale) {
    return Refused("SOURCE_ON_WHOLESALE_BILLING",
                   absl::StrCat("client ", DescribeClient(source),
                                " is on the firm's wholesale billing; remove it from "
                                "wholesale billing first"));
  }
  absl::StatusOr<bool> source_subscribed = billing_.HasSubscription(caller, source);
  if (!source_subscribed.ok()) return source_subscribed.status();
  if (!*source_subscribed) return absl::OkStatus();
  absl::StatusOr<bool> target_subscribed = billing_.HasSubscription(caller, target);
  if (!target_subscribed.ok()) return target_subscribed.status();
  if (*target_subscribed) {
    return Refused(
        "BOTH_CLIENTS_SUBSCRIBED",
        absl::StrCat("clients ", DescribeClient(target), " and ", DescribeClient(source),
                     " both have a subscription; end one first"));
  }
  // The subscription stays with its client id in billing: keep that client.
  return Refused("SOURCE_HAS_SUBSCRIPTION",
                 absl::StrCat("client ", DescribeClient(source),
                              " has a subscription and would lose it; merge the other "
                              "way round (keep ",
                              DescribeClient(source), ")"));
}

absl::StatusOr<MergeOutcome> ClientMerge::MergeClients(
    const auth::Caller& caller, const names::ClientName& target_name, uint64_t source_id,
    absl::string_view request_id, absl::string_view target_etag,
    absl::string_view source_etag) {
  const uint64_t firm_id = target_name.firm_id;
  const uint64_t target_id = target_name.company_id;
  if (absl::StatusOr<MemberRecord> m =
          core_.RequireRole(caller, firm_id, v1::Role::ADMIN);
      !m.ok()) {
    return m.status();
  }
  if (target_id == source_id) {
    return errors::InvalidField("source_client", "is the client to keep itself");
  }
  if (absl::Status s = requests::CheckStatus(request_id); !s.ok()) return s;
  const std::string fingerprint =
      requests::Fingerprint("MergeClients", target_name.ToString(),
                            names::ClientName{firm_id, source_id}.ToString());

  // A retry of a merge that happened finds the source gone: it is answered
  // from the request id's record, without asking the peers again.
  const RequestKey request{firm_id, caller.user_id, request_id, fingerprint};
  // From billing's answers to the write, billing changes nothing of the
  // source's.
  ClientRemovals::Hold removal(core_.removals(), {firm_id, source_id});
  absl::StatusOr<std::optional<RequestRecord>> earlier = core_.EarlierRequest(request);
  if (!earlier.ok()) return earlier.status();
  if (!earlier->has_value()) {
    absl::StatusOr<ClientRecord> target = core_.LoadClient(firm_id, target_id);
    if (!target.ok()) return target.status();
    absl::StatusOr<ClientRecord> source = core_.LoadClient(firm_id, source_id);
    if (!source.ok()) return source.status();
    // No lock is held across a remote call.
    if (absl::Status s = CheckPeers(caller, *target, *source); !s.ok()) return s;
  }

  absl::StatusOr<storage::StripedLocks::Guard> guard =
      core_.LockFirmFor(caller, firm_id, v1::Role::ADMIN);
  if (!guard.ok()) return guard.status();
  // Held until the merge has committed (ClientWork::large).
  std::unique_lock<std::mutex> large;
  return core_.Write<MergeOutcome>(
      request, [&](const RequestRecord& first) { return Replay(firm_id, first); },
      [&](DirectoryWrite& write, RequestRecord& done) {
        return WriteMerge(write, done, firm_id, target_id, source_id, target_etag,
                          source_etag, large);
      });
}

absl::StatusOr<MergeOutcome> ClientMerge::Replay(uint64_t firm_id,
                                                 const RequestRecord& first) {
  absl::StatusOr<ClientRecord> target = core_.LoadClient(firm_id, first.id());
  if (!target.ok()) return target.status();
  return MergeOutcome{.target = std::move(*target),
                      .source_company_id = first.merged_company_id(),
                      .kept_client_number = first.kept_client_number(),
                      .freed_client_number = first.freed_client_number(),
                      .moved_notes = first.moved_notes(),
                      .moved_todos = first.moved_todos(),
                      .replayed = true};
}

absl::StatusOr<MergeOutcome> ClientMerge::WriteMerge(
    DirectoryWrite& write, RequestRecord& done, uint64_t firm_id, uint64_t target_id,
    uint64_t source_id, absl::string_view target_etag, absl::string_view source_etag,
    std::unique_lock<std::mutex>& large) {
  absl::StatusOr<ClientRecord> target = core_.LoadClient(firm_id, target_id);
  if (!target.ok()) return target.status();
  absl::StatusOr<ClientRecord> source = core_.LoadClient(firm_id, source_id);
  if (!source.ok()) return source.status();
  if (absl::Status s = CheckEtagIfSent(names::ClientName{firm_id, target_id}.ToString(),
                                       target_etag, EtagOf(*target));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckEtagIfSent(names::ClientName{firm_id, source_id}.ToString(),
                                       source_etag, EtagOf(*source));
      !s.ok()) {
    return s;
  }
  absl::StatusOr<ClientWork> work = core_.LoadClientWork(*source);
  if (!work.ok()) return work.status();
  large = std::move(work->large);
  const int64_t now = core_.NowMicros();
  MergeOutcome outcome{.source_company_id = source_id};
  outcome.target = Absorb(*target, *source);
  outcome.target.set_revision(target->revision() + 1);
  outcome.target.set_update_time_us(now);
  outcome.kept_client_number = outcome.target.client_number();
  if (!target->client_number().empty()) {
    outcome.freed_client_number = source->client_number();
  }
  write.clients().DeleteClient({*source, IndexTermsOf(*source)});
  DirectoryCore::PutClient(write.clients(), &*target, outcome.target);
  for (const NoteRecord& note : work->notes) {
    NoteRecord moved = note;
    moved.set_company_id(target_id);
    moved.set_revision(note.revision() + 1);
    const IndexedNote before = Notes::Indexed(note);
    write.notes().PutNote(&before, Notes::Indexed(moved));
  }
  for (const TodoRecord& todo : work->todos) {
    TodoRecord moved = todo;
    moved.set_company_id(target_id);
    moved.set_revision(todo.revision() + 1);
    write.todos().PutTodo(&todo, moved);
  }
  MergedClientRecord merged;
  merged.set_target_company_id(target_id);
  merged.set_merge_time_us(now);
  write.clients().PutMergedClient(firm_id, source_id, merged);
  outcome.moved_notes = static_cast<int32_t>(work->notes.size());
  outcome.moved_todos = static_cast<int32_t>(work->todos.size());
  done.set_id(target_id);
  done.set_merged_company_id(source_id);
  done.set_kept_client_number(outcome.kept_client_number);
  done.set_freed_client_number(outcome.freed_client_number);
  done.set_moved_notes(outcome.moved_notes);
  done.set_moved_todos(outcome.moved_todos);
  return outcome;
}

}  // namespace clientbook::directory
