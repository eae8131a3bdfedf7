#ifndef CLIENTBOOK_COMMON_CHANGES_CHANGE_SERVICE_H_
#define CLIENTBOOK_COMMON_CHANGES_CHANGE_SERVICE_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "common/auth/caller.h"
#include "common/changes/change_filter.h"
#include "common/changes/change_log.h"
#include "common/changes/change_token.h"
#include "common/changes/shared_batches.h"
#include "common/changes/watch_batch.h"
#include "common/server/arena_messages.h"
#include "common/server/frame.h"
#include "common/server/periodic_task.h"
#include "common/time/clock.h"
#include "prometheus/collectable.h"

ABSL_DECLARE_FLAG(int, max_watchers);

namespace clientbook::changes {

// The role that reads every firm's changes (firms/-), besides the operator's.
inline constexpr char kPlatformRole[] = "platform";

// What a service tells its change feed: who may read which changes, and how
// its stored records look in the API.
class ChangeReaders {
 public:
  virtual ~ChangeReaders() = default;
  // OK when `caller` may read firm `firm_id`'s changes; the refusal the
  // service gives a stranger otherwise. Asked at every batch, so a member
  // who leaves stops receiving at once.
  virtual absl::Status CheckFirmReader(const auth::Caller& caller, uint64_t firm_id) = 0;
  // Whether a reader of the record's firm may see this one (a member's own
  // list view is its alone); by default, every one.
  virtual bool MayRead(const auth::Caller& caller, const ChangeRecord& record) const {
    return true;
  }
  // OK when `caller` may read firm `firm_id`'s audit: the whole firm's
  // (`whole_firm`) or its clients'. The refusal otherwise; a stranger learns
  // nothing of the firm. Operators are let in before this is asked. By
  // default every reader of the firm's changes reads its whole audit (a
  // service whose resources every member lists).
  virtual absl::Status CheckAuditReader(const auth::Caller& caller, uint64_t firm_id,
                                        bool whole_firm) {
    return CheckFirmReader(caller, firm_id);
  }
  // The API's resource from a stored record of `record`'s resource type.
  virtual absl::Status ToResource(const ChangeRecord& record, absl::string_view stored,
                                  v1::Resource& out) const = 0;
};

// DATA_LOSS for a record of a resource type its service does not know.
absl::Status UnknownResourceType(const ChangeRecord& record);

struct ChangeServiceOptions {
  absl::Duration progress_interval = absl::Seconds(10);
  int max_watchers = 10000;
  int max_watchers_per_caller = 100;
  // Each stream ends after this, ±10%, with a final token.
  absl::Duration max_watch_duration = absl::Minutes(30);

  // From --change_progress_interval, --max_watchers, --max_watchers_per_caller
  // and --max_watch_duration.
  static ChangeServiceOptions FromFlags();
};

// How long changes are served to the feed, and kept for the audit (zero:
// the audit is off).
struct ChangeRetention {
  absl::Duration feed;
  absl::Duration audit;
};
// --change_retention and --audit_retention, checked by CheckRetention.
absl::StatusOr<ChangeRetention> ChangeRetentionFromFlags();
// The feed's retention is 1 hour to 400 days; the audit's 1 day to 100
// years and never shorter than the feed's, or 0 (the audit off).
absl::StatusOr<ChangeRetention> CheckRetention(ChangeRetention retention);

// Closes the feed's window on the changes older than `retention.feed`, and
// deletes those older than `retention.audit` (the feed's, with the audit
// off) in batches; returns how many were deleted.
absl::StatusOr<size_t> SweepExpiredChanges(ChangeLog& log, const Clock& clock,
                                           ChangeRetention retention);

// Applies `retention` to `log`: turns the audit off when it is zero, then
// runs SweepExpiredChanges at once and every minute while the task lives;
// failures are logged.
std::unique_ptr<server::PeriodicTask> ApplyRetention(ChangeLog& log, const Clock& clock,
                                                     ChangeRetention retention);

// clientbook.v1.ChangeService over one service's change log. Each watch is a
// cursor into the log, holding one batch at a time: the live tail is read
// from the log's memory, a watcher behind it from RocksDB, so a slow watcher
// costs a writer nothing. WatchChanges is a raw method: its events go out
// as bytes made once for all watchers (EncodedEvent). Its metrics are read
// at each scrape.
class ChangeService final : public v1::ChangeService::WithRawCallbackMethod_WatchChanges<
                                v1::ChangeService::CallbackService>,
                            public prometheus::Collectable {
 public:
  ChangeService(ChangeLog& log, ChangeReaders& readers, server::Frame& frame,
                const Clock& real_time, ChangeServiceOptions options = {})
      : log_(log),
        readers_(readers),
        frame_(frame),
        real_time_(real_time),
        options_(options),
        unsent_batches_(frame.unsent_responses().limits()) {
    SetMessageAllocatorFor_ListChanges(&list_changes_messages_);
    SetMessageAllocatorFor_ListAuditEntries(&list_audit_messages_);
  }

  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchChanges(
      grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req) override;
  grpc::ServerUnaryReactor* ListChanges(grpc::CallbackServerContext* ctx,
                                        const v1::ListChangesRequest* req,
                                        v1::ListChangesResponse* resp) override;
  grpc::ServerUnaryReactor* ListAuditEntries(grpc::CallbackServerContext* ctx,
                                             const v1::ListAuditEntriesRequest* req,
                                             v1::ListAuditEntriesResponse* resp) override;

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  // A watch's or list's parent, filter and the caller's right to read them.
  struct Scope {
    uint64_t firm_id = 0;  // 0: every firm
    // Whose share of the server its bulk reads take: the parent, the watches
    // of every firm (firms/-) in a flow of their own.
    std::string flow;
    ChangeFilter filter;
    uint64_t filter_hash = 0;
    uint64_t any_filter_hash = 0;
  };
  absl::StatusOr<Scope> OpenScope(const auth::Caller& caller, absl::string_view parent,
                                  absl::string_view filter);
  absl::Status CheckReader(const auth::Caller& caller, const Scope& scope);
  // The audit index a ListAuditEntries walks for `parent` and the firm its
  // entries must be of, once the caller may read them.
  struct AuditScope {
    std::string prefix;
    uint64_t firm_id = 0;
  };
  absl::StatusOr<AuditScope> OpenAuditScope(const auth::Caller& caller,
                                            absl::string_view parent,
                                            const AuditFilter& filter);
  // The sequence `token` resumes from, for `scope`.
  absl::StatusOr<uint64_t> Resume(const Scope& scope, absl::string_view token) const;
  // Hands `add` each event among `records` the caller may see, in order,
  // until it returns false (its batch is full); `next` follows the records
  // passed.
  absl::Status ForEachEvent(
      const auth::Caller& caller, const Scope& scope,
      const std::vector<SharedRecord>& records, uint64_t& next,
      const std::function<bool(std::shared_ptr<const EncodedEvent>)>& add) const;
  // SNAPSHOT: every resource of the scope the caller may read, as EXISTS
  // events, the read kept for the audit however it ends; returns the
  // sequence the watch goes on from.
  absl::StatusOr<uint64_t> SendSnapshot(
      const auth::Caller& caller, const v1::WatchChangesRequest& req, const Scope& scope,
      grpc::CallbackServerContext& ctx,
      const std::function<bool(const grpc::ByteBuffer&)>& write);
  // The snapshot's batches, each event sent counted in `rows`.
  absl::Status SendSnapshotBatches(
      const auth::Caller& caller, const Scope& scope, ResourceSnapshot& snapshot,
      grpc::CallbackServerContext& ctx,
      const std::function<bool(const grpc::ByteBuffer&)>& write, ReadRows& rows);
  // What a batch of a snapshot or of a watch catching up weighs in the fair
  // share: a page of its size, in the scope's flow.
  static server::CallShare BatchShare(const Scope& scope);
  // The batch a watch of `view` sends from `from`: the one another watch
  // of the view made there, or read, filtered and encoded now; nullptr when
  // the log holds nothing from there yet.
  absl::StatusOr<SharedBatches::Batch> BatchAt(const auth::Caller& caller,
                                               const Scope& scope,
                                               const std::string& view, uint64_t from);
  absl::Status Watch(const auth::Caller& caller, const v1::WatchChangesRequest& req,
                     grpc::CallbackServerContext& ctx,
                     const std::function<bool(const grpc::ByteBuffer&)>& write);
  // A watcher slot for `caller`, or RESOURCE_EXHAUSTED.
  absl::Status TakeWatcherSlot(const std::string& caller);
  void ReleaseWatcherSlot(const std::string& caller);
  // The API's events of `records`, converted and encoded once for every
  // watcher at the live tail: the recent ones are kept by sequence, looked
  // up under one lock per batch.
  absl::StatusOr<std::vector<std::shared_ptr<const EncodedEvent>>> EventsOf(
      const std::vector<const ChangeRecord*>& records) const;

  ChangeLog& log_;
  ChangeReaders& readers_;
  server::Frame& frame_;
  const Clock& real_time_;  // the age of a change a watcher was handed
  // A watch's intervals (its duration, progress messages, gather window): a
  // wall clock stepped back would pause them for as long as the step.
  SteadyClock steady_;
  const ChangeServiceOptions options_;

  mutable absl::Mutex mu_;
  int watchers_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, int> watchers_by_caller_ ABSL_GUARDED_BY(mu_);
  static constexpr size_t kConvertedEvents = 4096;
  // Larger events are converted again by each view that sends them: kept,
  // a busy firm's big notes held 4,096 of 160 KB, twice (event and bytes).
  static constexpr size_t kConvertedEventBytes = 4096;
  mutable absl::Mutex converted_mu_;
  mutable std::vector<std::shared_ptr<const EncodedEvent>> converted_ ABSL_GUARDED_BY(
      converted_mu_) = std::vector<std::shared_ptr<const EncodedEvent>>(kConvertedEvents);
  // The bytes of the watches' batches their watchers have yet to read (or
  // that are kept for other watches of their view), for each caller and in
  // all, under the bounds of unary answers (--max_unsent_response_mib*):
  // a batch is made to fit what its caller and the process have left, one
  // event at least. Without them, one caller's 100 watches of a firm of big
  // notes that stopped reading held 440 MB of the directory (1 MiB batches,
  // four times over), and two such callers were past its pod's 1 GiB.
  server::UnsentResponses unsent_batches_;
  // Enough for a few recent batches of each busy view.
  static constexpr size_t kSharedBatchBytes = 4 << 20;
  SharedBatches batches_{kSharedBatchBytes};
  // A page of up to 1,000 events, copied in from the shared ones.
  server::ArenaMessages<v1::ListChangesRequest, v1::ListChangesResponse>
      list_changes_messages_;
  // A page of up to 1,000 audit entries, each with its fields' values.
  server::ArenaMessages<v1::ListAuditEntriesRequest, v1::ListAuditEntriesResponse>
      list_audit_messages_;
  std::atomic<uint64_t> events_sent_{0};
  std::atomic<uint64_t> watches_refused_{0};
  // Where each open watch is, for its lag: the next sequence it has yet to
  // hand to its watcher, and the commit time of the last change it did (0
  // before its first).
  struct WatchPosition {
    std::atomic<uint64_t> next{0};
    std::atomic<int64_t> passed_commit_us{0};
  };
  absl::flat_hash_set<const WatchPosition*> positions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_CHANGE_SERVICE_H_
