#include "common/changes/change_service.h"

#include <algorithm>

#include "absl/cleanup/cleanup.h"
#include "absl/flags/flag.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/changes/audit_index.h"
#include "common/changes/change_event.h"
#include "common/changes/change_token.h"
#include "common/names/names.h"
#include "common/paging/page_token.h"
#include "common/server/call_share.h"
#include "common/server/metrics.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(absl::Duration, change_retention, absl::Hours(24 * 7),
          "how long the change feed keeps a change (1h to 400 days); a resume "
          "token older than that is refused RESUME_TOKEN_EXPIRED");
ABSL_FLAG(absl::Duration, audit_retention, absl::Hours(24 * 3653),
          "how long a change is kept for ListAuditEntries (1 day to 100 years, "
          "default 10 years; at least --change_retention; 0 turns the audit off)");
ABSL_FLAG(absl::Duration, change_progress_interval, absl::Seconds(10),
          "how often an idle WatchChanges stream gets a progress message with "
          "a fresh resume token");
ABSL_FLAG(int, max_watchers, 10000, "WatchChanges streams one process serves at once");
ABSL_FLAG(int, max_watchers_per_caller, 100,
          "WatchChanges streams of one caller at once");
ABSL_FLAG(absl::Duration, max_watch_duration, absl::Minutes(30),
          "a WatchChanges stream ends after this (±10%) with a final token; "
          "its caller resumes from it");

namespace clientbook::changes {
namespace {

// A watch batch: at most this many events, this many bytes.
constexpr size_t kMaxBatchEvents = 500;
constexpr size_t kMaxBatchBytes = 1 << 20;
// A ListChanges page: at most this many events (and storage::kMaxPageBytes),
// after examining at most this many records (a selective filter gets a
// token to go on from).
constexpr int32_t kDefaultPageSize = 100;
constexpr int32_t kMaxPageSize = 1000;
constexpr int32_t kDefaultAuditPageSize = 50;
constexpr size_t kMaxExamined = 10000;
// How often an idle watch looks whether its caller left or the server
// drains (a commit wakes it sooner).
constexpr absl::Duration kIdleCheck = absl::Seconds(1);
// Records swept from the log per batch.
constexpr size_t kSweepBatch = 1000;
// At the live tail a stream sends at most one message per window: changes
// committed meanwhile go out together (a full batch goes at once). One
// message per commit per stream is what made 100 watchers of a busy firm
// cost its writers most of their throughput (README: Change feed); the
// window adds at most this much to a change's delay.
constexpr absl::Duration kGatherWindow = absl::Milliseconds(20);

constexpr absl::Duration kMinRetention = absl::Hours(1);
constexpr absl::Duration kMaxRetention = absl::Hours(24 * 400);
constexpr absl::Duration kMinAuditRetention = absl::Hours(24);
constexpr absl::Duration kMaxAuditRetention = absl::Hours(24 * 36525);

// A request's page_size: 0 means `fallback`; more than kMaxPageSize,
// kMaxPageSize.
absl::StatusOr<size_t> PageSize(int32_t requested, int32_t fallback) {
  if (requested < 0) return errors::InvalidField("page_size", "must not be negative");
  return static_cast<size_t>(requested == 0 ? fallback
                                            : std::min(requested, kMaxPageSize));
}

// A watch whose next change the retention removed.
absl::Status FellBehind(const ChangeLog& log) {
  return ResumeTokenExpired(
      log.oldest_sequence(),
      "this watch fell behind the change feed's retention: list the "
      "resources again and watch from the new list's change_token");
}

}  // namespace

absl::Status UnknownResourceType(const ChangeRecord& record) {
  return absl::DataLossError(absl::StrCat("a change record of unknown type '",
                                          record.resource_type(), "' (", record.name(),
                                          ")"));
}

ChangeServiceOptions ChangeServiceOptions::FromFlags() {
  return {.progress_interval = absl::GetFlag(FLAGS_change_progress_interval),
          .max_watchers = absl::GetFlag(FLAGS_max_watchers),
          .max_watchers_per_caller = absl::GetFlag(FLAGS_max_watchers_per_caller),
          .max_watch_duration = absl::GetFlag(FLAGS_max_watch_duration)};
}

absl::StatusOr<ChangeRetention> ChangeRetentionFromFlags() {
  return CheckRetention({.feed = absl::GetFlag(FLAGS_change_retention),
                         .audit = absl::GetFlag(FLAGS_audit_retention)});
}

absl::StatusOr<ChangeRetention> CheckRetention(ChangeRetention retention) {
  if (retention.feed < kMinRetention || retention.feed > kMaxRetention) {
    return absl::InvalidArgumentError(
        absl::StrCat("--change_retention must be from 1h to 400 days, not ",
                     absl::FormatDuration(retention.feed)));
  }
  if (retention.audit != absl::ZeroDuration() &&
      (retention.audit < std::max(kMinAuditRetention, retention.feed) ||
       retention.audit > kMaxAuditRetention)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--audit_retention must be from 1 day (and --change_retention) to "
                     "100 years, or 0 for no audit, not ",
                     absl::FormatDuration(retention.audit)));
  }
  return retention;
}

absl::StatusOr<size_t> SweepExpiredChanges(ChangeLog& log, const Clock& clock,
                                           ChangeRetention retention) {
  const absl::Time now = clock.Now();
  CB_RETURN_IF_ERROR(log.ExpireFeedBefore(now - retention.feed).status());
  const absl::Time cutoff =
      now - (log.audit_on() ? std::max(retention.audit, retention.feed) : retention.feed);
  size_t swept = 0;
  while (true) {
    CB_ASSIGN_OR_RETURN(size_t batch, log.DeleteBefore(cutoff, kSweepBatch));
    if (batch == 0) return swept;
    swept += batch;
  }
}

std::unique_ptr<server::PeriodicTask> ApplyRetention(ChangeLog& log, const Clock& clock,
                                                     ChangeRetention retention) {
  if (retention.audit == absl::ZeroDuration()) log.TurnAuditOff();
  auto sweep = [&log, &clock, retention] {
    absl::StatusOr<size_t> swept = SweepExpiredChanges(log, clock, retention);
    if (!swept.ok()) spdlog::error("change sweep: {}", swept.status().ToString());
  };
  // At once: a restart opens the feed's window at the oldest record kept.
  sweep();
  return std::make_unique<server::PeriodicTask>(absl::Minutes(1), sweep);
}

absl::StatusOr<ChangeService::Scope> ChangeService::OpenScope(const auth::Caller& caller,
                                                              absl::string_view parent,
                                                              absl::string_view filter) {
  Scope scope;
  if (parent != "firms/-") {
    CB_ASSIGN_OR_RETURN(names::FirmName firm, names::FirmName::Parse("parent", parent));
    scope.firm_id = firm.firm_id;
  }
  scope.flow = std::string(parent);
  CB_ASSIGN_OR_RETURN(scope.filter, ChangeFilter::Parse("filter", filter));
  scope.filter_hash = FilterHash(parent, filter);
  scope.any_filter_hash = FilterHash(parent, kAnyFilter);
  if (absl::Status s = CheckReader(caller, scope); !s.ok()) return s;
  return scope;
}

absl::Status ChangeService::CheckReader(const auth::Caller& caller, const Scope& scope) {
  if (scope.firm_id != 0) return readers_.CheckFirmReader(caller, scope.firm_id);
  if (caller.HasRole(kPlatformRole) || caller.HasRole(auth::kOperatorRole)) {
    return absl::OkStatus();
  }
  return errors::RoleRequired(
      absl::StrCat(kPlatformRole, ",", auth::kOperatorRole),
      absl::StrCat("only callers with the '", kPlatformRole, "' or '",
                   auth::kOperatorRole,
                   "' role may read every firm's changes (firms/-); "
                   "watch one firm (firms/{firm}) instead"));
}

absl::StatusOr<uint64_t> ChangeService::Resume(const Scope& scope,
                                               absl::string_view token) const {
  return ParseResumeToken(log_, "resume_token", token,
                          {scope.filter_hash, scope.any_filter_hash});
}

absl::Status ChangeService::ForEachEvent(
    const auth::Caller& caller, const Scope& scope,
    const std::vector<SharedRecord>& records, uint64_t& next,
    const std::function<bool(std::shared_ptr<const EncodedEvent>)>& add) const {
  std::vector<const ChangeRecord*> visible;
  for (const SharedRecord& record : records) {
    if (!IsReadType(record->type()) &&
        (scope.firm_id == 0 || record->firm_id() == scope.firm_id) &&
        scope.filter.Matches(*record) && readers_.MayRead(caller, *record)) {
      visible.push_back(record.get());
    }
  }
  CB_ASSIGN_OR_RETURN(std::vector<std::shared_ptr<const EncodedEvent>> events,
                      EventsOf(visible));
  size_t v = 0;
  for (const SharedRecord& record : records) {
    if (v < visible.size() && visible[v] == record.get()) {
      if (!add(std::move(events[v++]))) return absl::OkStatus();
    }
    next = record->sequence() + 1;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::shared_ptr<const EncodedEvent>>> ChangeService::EventsOf(
    const std::vector<const ChangeRecord*>& records) const {
  std::vector<std::shared_ptr<const EncodedEvent>> events(records.size());
  auto slot = [](const ChangeRecord& record) {
    return record.sequence() % kConvertedEvents;
  };
  bool missing = false;
  {
    absl::ReaderMutexLock lock(&converted_mu_);
    for (size_t i = 0; i < records.size(); ++i) {
      const std::shared_ptr<const EncodedEvent>& kept = converted_[slot(*records[i])];
      if (kept != nullptr && kept->event().sequence() == records[i]->sequence()) {
        events[i] = kept;
      } else {
        missing = true;
      }
    }
  }
  if (!missing) return events;
  std::vector<size_t> converted;
  for (size_t i = 0; i < records.size(); ++i) {
    if (events[i] != nullptr) continue;
    v1::ChangeEvent event;
    CB_RETURN_IF_ERROR(ToChangeEvent(*records[i], readers_, event));
    const bool keep = event.ByteSizeLong() <= kConvertedEventBytes;
    events[i] = std::make_shared<const EncodedEvent>(std::move(event));
    if (keep) converted.push_back(i);
  }
  absl::MutexLock lock(&converted_mu_);
  for (const size_t i : converted) converted_[slot(*records[i])] = events[i];
  return events;
}

grpc::ServerUnaryReactor* ChangeService::ListChanges(grpc::CallbackServerContext* ctx,
                                                     const v1::ListChangesRequest* req,
                                                     v1::ListChangesResponse* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const size_t page_size,
                            PageSize(req->page_size(), kDefaultPageSize));
        CB_ASSIGN_OR_RETURN(Scope scope, OpenScope(caller, req->parent(), req->filter()));
        uint64_t next = log_.oldest_sequence();
        if (!req->resume_token().empty()) {
          CB_ASSIGN_OR_RETURN(next, Resume(scope, req->resume_token()));
        }
        size_t examined = 0;
        storage::PageBytes bytes;
        while (static_cast<size_t>(resp->events_size()) < page_size &&
               examined < kMaxExamined && !bytes.full()) {
          CB_ASSIGN_OR_RETURN(std::vector<SharedRecord> records,
                              log_.Read(next, page_size - resp->events_size()));
          if (records.empty()) break;
          if (records.front()->sequence() != next) {
            return ResumeTokenExpired(
                log_.oldest_sequence(),
                "the changes after the resume token were removed while being read: "
                "list the resources again");
          }
          examined += records.size();
          CB_RETURN_IF_ERROR(
              ForEachEvent(caller, scope, records, next,
                           [resp, &bytes](std::shared_ptr<const EncodedEvent> event) {
                             return bytes.Add(*resp->mutable_events(), event->event());
                           }));
        }
        resp->set_resume_token(MakeResumeToken(log_, next, scope.filter_hash));
        resp->set_oldest_sequence(log_.oldest_sequence());
        resp->set_caught_up(!log_.Published(next));
        return absl::OkStatus();
      });
}

absl::StatusOr<ChangeService::AuditScope> ChangeService::OpenAuditScope(
    const auth::Caller& caller, absl::string_view parent, const AuditFilter& filter) {
  AuditScope scope;
  bool whole_firm = true;
  const char table = log_.table();
  if (absl::StatusOr<names::FirmName> firm = names::FirmName::Parse("parent", parent);
      firm.ok()) {
    scope.firm_id = firm->firm_id;
    // What one member did is a walk of their own entries.
    scope.prefix = filter.actor.empty() ? audit_index::FirmPrefix(table, scope.firm_id)
                                        : audit_index::ActorPrefix(table, filter.actor);
  } else if (auto member = names::MemberName::Parse("parent", parent); member.ok()) {
    scope.firm_id = member->firm_id;
  } else if (auto client = names::ClientName::Parse("parent", parent); client.ok()) {
    scope.firm_id = client->firm_id;
    whole_firm = false;
  } else if (auto subscription = names::SubscriptionName::Parse("parent", parent);
             subscription.ok()) {
    scope.firm_id = subscription->firm_id;
    whole_firm = false;
  } else {
    return errors::InvalidField(
        "parent",
        "must be firms/{firm}, firms/{firm}/members/{member}, "
        "firms/{firm}/clients/{client} or firms/{firm}/clients/{client}/subscription");
  }
  if (scope.prefix.empty()) scope.prefix = audit_index::ResourcePrefix(table, parent);
  if (!caller.HasRole(auth::kOperatorRole)) {
    CB_RETURN_IF_ERROR(readers_.CheckAuditReader(caller, scope.firm_id, whole_firm));
  }
  return scope;
}

grpc::ServerUnaryReactor* ChangeService::ListAuditEntries(
    grpc::CallbackServerContext* ctx, const v1::ListAuditEntriesRequest* req,
    v1::ListAuditEntriesResponse* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const size_t page_size,
                            PageSize(req->page_size(), kDefaultAuditPageSize));
        CB_ASSIGN_OR_RETURN(AuditFilter filter,
                            AuditFilter::Parse("filter", req->filter()));
        CB_ASSIGN_OR_RETURN(AuditScope scope,
                            OpenAuditScope(caller, req->parent(), filter));
        if (!log_.audit_on()) {
          return errors::WithReason(absl::StatusCode::kFailedPrecondition, "AUDIT_OFF",
                                    "this service keeps no audit (--audit_retention=0)");
        }
        const std::string query = absl::StrCat(req->parent(), "\n", req->filter());
        CB_ASSIGN_OR_RETURN(std::string cursor,
                            storage::DecodePageToken(query, req->page_token()));
        // Entries come newest first and commit times never go back: the
        // first one older than the range ends the walk.
        bool older_than_range = false;
        storage::PageBytes bytes;
        absl::StatusOr<std::string> next = log_.ReadAudit(
            scope.prefix, cursor, page_size, kMaxExamined,
            [&](const ChangeRecord& record) -> absl::StatusOr<bool> {
              if (absl::FromUnixMicros(record.commit_time_us()) < filter.since) {
                older_than_range = true;
                return absl::OutOfRangeError("older than the range");
              }
              if (record.firm_id() != scope.firm_id || !filter.Matches(record) ||
                  !readers_.MayRead(caller, record)) {
                return false;
              }
              // Made in place, on the response's arena.
              v1::AuditEntry& entry = *resp->add_audit_entries();
              CB_RETURN_IF_ERROR(ToAuditEntry(record, readers_, entry));
              if (!filter.field.empty() &&
                  std::none_of(entry.field_changes().begin(), entry.field_changes().end(),
                               [&](const v1::FieldChange& change) {
                                 return change.path() == filter.field;
                               })) {
                resp->mutable_audit_entries()->RemoveLast();
                return false;
              }
              if (!bytes.Take(entry.ByteSizeLong())) {
                resp->mutable_audit_entries()->RemoveLast();
                return storage::PageFull();
              }
              return true;
            });
        if (!next.ok() && !older_than_range) return next.status();
        while (static_cast<size_t>(resp->audit_entries_size()) > page_size) {
          resp->mutable_audit_entries()->RemoveLast();
        }
        if (next.ok()) resp->set_next_page_token(storage::EncodePageToken(query, *next));
        return absl::OkStatus();
      });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* ChangeService::WatchChanges(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req) {
  return frame_.StreamBytes<v1::WatchChangesRequest>(
      ctx, req,
      [this, ctx](const v1::WatchChangesRequest& req, const auth::Caller& caller,
                  const std::function<bool(const grpc::ByteBuffer&)>& write) {
        CB_RETURN_IF_ERROR(TakeWatcherSlot(caller.user_id));
        absl::Status status = Watch(caller, req, *ctx, write);
        ReleaseWatcherSlot(caller.user_id);
        return status;
      });
}

absl::Status ChangeService::Watch(
    const auth::Caller& caller, const v1::WatchChangesRequest& req,
    grpc::CallbackServerContext& ctx,
    const std::function<bool(const grpc::ByteBuffer&)>& write) {
  CB_ASSIGN_OR_RETURN(Scope scope, OpenScope(caller, req.parent(), req.filter()));
  if (!req.resume_token().empty() &&
      req.start() != v1::WatchChangesRequest::START_UNSPECIFIED) {
    return errors::InvalidField("start",
                                "give either a resume_token or a start, not both");
  }
  uint64_t next = log_.next_sequence();
  if (!req.resume_token().empty()) {
    CB_ASSIGN_OR_RETURN(next, Resume(scope, req.resume_token()));
  }
  const bool snapshot = req.start() == v1::WatchChangesRequest::SNAPSHOT;
  if (snapshot) {
    CB_ASSIGN_OR_RETURN(next, SendSnapshot(caller, req, scope, ctx, write));
  }
  WatchPosition position;
  position.next = next;
  {
    absl::MutexLock lock(&mu_);
    positions_.insert(&position);
  }
  absl::Cleanup forget = [this, &position] {
    absl::MutexLock lock(&mu_);
    positions_.erase(&position);
  };
  const absl::Time begin = steady_.Now();
  // Spread so the streams begun together do not all end together.
  const absl::Time end =
      begin + options_.max_watch_duration * absl::Uniform(absl::BitGen(), 0.9, 1.1);
  absl::Time last_sent = absl::InfinitePast();
  // When the last records were read: one read per gather window.
  absl::Time last_read = absl::InfinitePast();
  const std::string view = WatchView(caller, req.parent(), req.filter());
  auto sent = [&](const grpc::ByteBuffer& response, int events) -> absl::Status {
    if (!write(response)) return absl::CancelledError("the watcher left");
    events_sent_ += events;
    last_sent = steady_.Now();
    return absl::OkStatus();
  };
  // A message of no events: `rest` and where the watch goes on from.
  auto send_position = [&](v1::WatchChangesResponse rest = {}) -> absl::Status {
    rest.set_resume_token(MakeResumeToken(log_, next, scope.filter_hash));
    rest.set_oldest_sequence(log_.oldest_sequence());
    return sent(Encode(rest), 0);
  };
  {
    // The first message says the watch began, and where; after a snapshot,
    // that it is complete.
    v1::WatchChangesResponse started;
    started.set_snapshot_complete(snapshot);
    CB_RETURN_IF_ERROR(send_position(started));
  }
  while (true) {
    if (ctx.IsCancelled()) return absl::CancelledError("the watcher left");
    if (frame_.Closing()) return server::Draining();
    CB_RETURN_IF_ERROR(CheckReader(caller, scope));
    if (next < log_.oldest_sequence()) return FellBehind(log_);
    if (const absl::Duration gathering =
            std::min(std::max(last_sent, last_read) + kGatherWindow, end) -
            steady_.Now();
        gathering > absl::ZeroDuration() && !log_.Published(next + kMaxBatchEvents - 1)) {
      // A plain sleep: a hundred watchers in timed waits on one mutex cost
      // their service more than the changes they send.
      absl::SleepFor(gathering);
    }
    CB_ASSIGN_OR_RETURN(SharedBatches::Batch batch, BatchAt(caller, scope, view, next));
    const absl::Time now = steady_.Now();
    if (batch != nullptr) {
      if (batch->events > 0) {
        v1::WatchChangesResponse rest;
        rest.set_oldest_sequence(log_.oldest_sequence());
        CB_RETURN_IF_ERROR(sent(Encode(batch->response, rest), batch->events));
      }
      next = batch->next;
      // Handed to the watcher (or passed by its filter): a slow watcher's
      // write blocks above, and its lag shows.
      position.next = next;
      position.passed_commit_us = batch->last_commit_us;
      if (batch->full) continue;  // catching up
      last_read = now;
    }
    if (now >= end) return send_position();
    if (now - last_sent >= options_.progress_interval) {
      CB_RETURN_IF_ERROR(send_position());
    }
    // While changes come, the watch looks again after the gather window
    // (above) instead of waiting to be woken: a commit wakes every waiting
    // watcher, on the committing writer's time.
    if (batch != nullptr) continue;
    log_.AwaitSequence(
        next,
        std::min({end, last_sent + options_.progress_interval, now + kIdleCheck}) - now);
  }
}

server::CallShare ChangeService::BatchShare(const Scope& scope) {
  return {.flow = scope.flow, .cost = server::PageCost(kMaxBatchEvents)};
}

absl::StatusOr<SharedBatches::Batch> ChangeService::BatchAt(const auth::Caller& caller,
                                                            const Scope& scope,
                                                            const std::string& view,
                                                            uint64_t from) {
  return batches_.Get(view, from, [&]() -> absl::StatusOr<SharedBatches::Batch> {
    // A watch a full batch or more behind catches up as pages would be read,
    // in its firm's share (its seat not given up for its caller leaving:
    // the watches of its view wait for this batch too).
    server::FairShare::Seat seat;
    if (log_.Published(from + kMaxBatchEvents - 1)) {
      CB_ASSIGN_OR_RETURN(
          seat, frame_.fair_share().AwaitSeat(BatchShare(scope), [] { return false; }));
    }
    CB_ASSIGN_OR_RETURN(std::vector<SharedRecord> records,
                        log_.Read(from, kMaxBatchEvents));
    if (records.empty()) return nullptr;
    if (records.front()->sequence() != from) return FellBehind(log_);  // swept meanwhile
    server::UnsentResponses::Hold room =
        unsent_batches_.Reserve(caller.user_id, kMaxBatchBytes);
    WatchBatch events(std::max<size_t>(room.bytes(), 1));
    uint64_t next = from;
    CB_RETURN_IF_ERROR(ForEachEvent(caller, scope, records, next,
                                    [&events](std::shared_ptr<const EncodedEvent> event) {
                                      return events.Add(std::move(event));
                                    }));
    // The records are the log's from `from` on, one a sequence.
    const ChangeRecord& last = *records[next - 1 - from];
    v1::WatchChangesResponse rest;
    rest.set_resume_token(MakeResumeToken(log_, next, scope.filter_hash));
    return std::make_shared<const SharedBatch>(SharedBatch{
        .response = events.EncodeSlice(rest, std::move(room)),
        .events = events.size(),
        .next = next,
        .last_commit_us = last.commit_time_us(),
        .full = records.size() == kMaxBatchEvents || next <= records.back()->sequence()});
  });
}

absl::StatusOr<uint64_t> ChangeService::SendSnapshot(
    const auth::Caller& caller, const v1::WatchChangesRequest& req, const Scope& scope,
    grpc::CallbackServerContext& ctx,
    const std::function<bool(const grpc::ByteBuffer&)>& write) {
  std::unique_ptr<ResourceSnapshot> snapshot = log_.OpenSnapshot(scope.firm_id);
  // A snapshot takes data out: the audit keeps who read how much.
  CB_RETURN_IF_ERROR(AuditedRead(
      {.firm_id = scope.firm_id,
       .name = req.parent(),
       .resource_type = scope.filter.resource_type,
       .actor = caller.user_id,
       .filter = req.filter()},
      [&](ReadRows& rows) {
        return SendSnapshotBatches(caller, scope, *snapshot, ctx, write, rows);
      },
      [this](const DataRead& read, ReadStage stage) {
        return log_.RecordRead(read, stage);
      }));
  return snapshot->next_sequence();
}

absl::Status ChangeService::SendSnapshotBatches(
    const auth::Caller& caller, const Scope& scope, ResourceSnapshot& snapshot,
    grpc::CallbackServerContext& ctx,
    const std::function<bool(const grpc::ByteBuffer&)>& write, ReadRows& rows) {
  // Each batch made as a page of its size would be, in its firm's share.
  const server::CallShare batch_share = BatchShare(scope);
  while (true) {
    if (ctx.IsCancelled()) return absl::CancelledError("the watcher left");
    if (frame_.Closing()) return server::Draining();
    CB_RETURN_IF_ERROR(CheckReader(caller, scope));
    grpc::ByteBuffer message;
    int events = 0;
    {
      CB_ASSIGN_OR_RETURN(server::FairShare::Seat seat,
                          frame_.fair_share().AwaitSeat(
                              batch_share, [&ctx] { return ctx.IsCancelled(); }));
      server::UnsentResponses::Hold room =
          unsent_batches_.Reserve(caller.user_id, kMaxBatchBytes);
      CB_ASSIGN_OR_RETURN(
          std::vector<ChangeRecord> records,
          snapshot.Next(kMaxBatchEvents, std::max<size_t>(room.bytes(), 1)));
      if (records.empty()) return absl::OkStatus();
      v1::WatchChangesResponse batch;
      for (const ChangeRecord& record : records) {
        if (!scope.filter.Matches(record) || !readers_.MayRead(caller, record)) continue;
        CB_RETURN_IF_ERROR(ToChangeEvent(record, readers_, *batch.add_events()));
      }
      events = batch.events_size();
      if (events == 0) continue;
      message = Encode(batch, std::move(room));
    }
    // The records and their events go before the write waits for the
    // message before this one: a watcher that stopped reading holds the
    // two messages, not what they were made from.
    CB_RETURN_IF_ERROR(rows.BeforeHanding());
    if (!write(message)) return absl::CancelledError("the watcher left");
    events_sent_ += events;
    rows.Handed(events);
  }
}

absl::Status ChangeService::TakeWatcherSlot(const std::string& caller) {
  absl::MutexLock lock(&mu_);
  int& mine = watchers_by_caller_[caller];
  if (watchers_ >= options_.max_watchers || mine >= options_.max_watchers_per_caller) {
    if (mine == 0) watchers_by_caller_.erase(caller);
    ++watches_refused_;
    const bool all = watchers_ >= options_.max_watchers;
    return errors::QuotaExhausted(
        all ? "TOO_MANY_WATCHERS" : "TOO_MANY_WATCHERS_OF_CALLER",
        all ? "service" : absl::StrCat("users/", caller),
        all ? absl::StrCat("this server already serves ", watchers_,
                           " change watches (--max_watchers)")
            : absl::StrCat("this caller already has ", mine,
                           " change watches open (--max_watchers_per_caller)"),
        absl::Seconds(10));
  }
  ++watchers_;
  ++mine;
  return absl::OkStatus();
}

void ChangeService::ReleaseWatcherSlot(const std::string& caller) {
  absl::MutexLock lock(&mu_);
  --watchers_;
  if (--watchers_by_caller_[caller] == 0) watchers_by_caller_.erase(caller);
}

std::vector<prometheus::MetricFamily> ChangeService::Collect() const {
  int watchers;
  {
    absl::MutexLock lock(&mu_);
    watchers = watchers_;
  }
  const uint64_t next = log_.next_sequence();
  const uint64_t oldest = log_.oldest_sequence();
  // Each watch's lag: changes committed it has not handed on, and how old
  // the last one it did is when it has not caught up.
  uint64_t max_lag = 0;
  absl::Duration max_lag_time;
  int behind = 0;
  {
    const absl::Time now = real_time_.Now();
    absl::MutexLock lock(&mu_);
    for (const WatchPosition* position : positions_) {
      const uint64_t at = position->next;
      if (at >= next) continue;
      ++behind;
      max_lag = std::max(max_lag, next - at);
      const int64_t passed = position->passed_commit_us;
      if (passed > 0)
        max_lag_time = std::max(max_lag_time, now - absl::FromUnixMicros(passed));
    }
  }
  return {
      server::OneSeries(
          "clientbook_change_watches_behind",
          "WatchChanges streams with changes not yet handed to their watcher",
          prometheus::MetricType::Gauge, behind),
      server::OneSeries("clientbook_change_watch_lag_sequences_max",
                        "the most changes one stream has yet to hand on",
                        prometheus::MetricType::Gauge, static_cast<double>(max_lag)),
      server::OneSeries(
          "clientbook_change_watch_lag_seconds_max",
          "the longest a stream behind has been behind: the age of the last "
          "change it handed on",
          prometheus::MetricType::Gauge, absl::ToDoubleSeconds(max_lag_time)),
      server::OneSeries("clientbook_change_watchers", "WatchChanges streams open",
                        prometheus::MetricType::Gauge, watchers),
      server::OneSeries("clientbook_change_events_sent_total",
                        "change events sent to watchers", prometheus::MetricType::Counter,
                        static_cast<double>(events_sent_)),
      server::OneSeries("clientbook_change_watches_refused_total",
                        "WatchChanges refused for too many watchers",
                        prometheus::MetricType::Counter,
                        static_cast<double>(watches_refused_)),
      server::OneSeries("clientbook_change_log_next_sequence",
                        "the sequence the next change gets",
                        prometheus::MetricType::Gauge, static_cast<double>(next)),
      server::OneSeries("clientbook_change_log_records", "changes kept in the log",
                        prometheus::MetricType::Gauge,
                        static_cast<double>(next - oldest)),
      server::OneSeries("clientbook_change_unsent_bytes",
                        "bytes of watch batches their watchers have yet to read, or "
                        "kept for other watches of their view",
                        prometheus::MetricType::Gauge,
                        static_cast<double>(unsent_batches_.bytes())),
      server::OneSeries("clientbook_change_log_memory_bytes",
                        "bytes of the newest changes kept in memory for the live tail",
                        prometheus::MetricType::Gauge,
                        static_cast<double>(log_.recent_bytes())),
  };
}

}  // namespace clientbook::changes
