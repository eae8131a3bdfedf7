#include "services/billing/store/rocksdb_billing_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "clientbook/v1/billing.pb.h"
#include "common/keys/key_codec.h"
#include "common/names/names.h"
#include "common/status/macros.h"
#include "common/storage/records.h"
#include "services/billing/domain/model.h"
#include "services/billing/domain/rules.h"

namespace clientbook::billing {
namespace {

using storage::KeyBuilder;
using storage::KeyReader;

constexpr char kSubscription = 'S';
constexpr char kTrialIndex = 'L';
constexpr char kRequest = 'R';
constexpr char kFeedPosition = 'F';
constexpr char kChangeLog = 'C';

std::string SubscriptionKey(uint64_t firm, uint64_t company) {
  return KeyBuilder(kSubscription).Uint64(firm).Uint64(company).Release();
}

std::string TrialKey(const SubscriptionRecord& s) {
  return KeyBuilder(kTrialIndex)
      .Uint64(static_cast<uint64_t>(s.trial_end_us()))
      .Uint64(s.firm_id())
      .Uint64(s.company_id())
      .Release();
}

// The change's type: what a billing reader wants to know of it first.
const char* ChangeTypeOf(const SubscriptionRecord* before,
                         const SubscriptionRecord& after) {
  if (before == nullptr) return HasTrial(after) ? "TRIAL_STARTED" : "CREATED";
  if (before->client_gone_us() == 0 && after.client_gone_us() != 0) return "DELETED";
  if (before->client_gone_us() != 0 && after.client_gone_us() == 0) return "CREATED";
  if (!before->lapse_recorded() && after.lapse_recorded()) return "TRIAL_LAPSED";
  if (before->transfer().state() != after.transfer().state() ||
      before->transfer().authorize_time_us() != after.transfer().authorize_time_us()) {
    switch (after.transfer().state()) {
      case v1::BillingTransfer::AUTHORIZED:
        return "TRANSFER_AUTHORIZED";
      case v1::BillingTransfer::COMPLETED:
        return "TRANSFER_COMPLETED";
      case v1::BillingTransfer::REVOKED:
        return "TRANSFER_REVOKED";
      default:
        break;
    }
  }
  if (!HasTrial(*before) && HasTrial(after)) return "TRIAL_STARTED";
  return "UPDATED";
}

changes::ChangeRecord SubscriptionChange(const SubscriptionRecord& subscription) {
  changes::ChangeRecord change;
  change.set_resource_type(v1::Subscription::descriptor()->full_name());
  change.set_name(
      names::SubscriptionName{subscription.firm_id(), subscription.company_id()}
          .ToString());
  change.set_firm_id(subscription.firm_id());
  change.set_client(
      names::ClientName{subscription.firm_id(), subscription.company_id()}.ToString());
  return change;
}

// Where a SNAPSHOT watch finds billing's subscriptions: those of clients
// the directory still has.
std::vector<changes::ResourceTable> ResourceTables() {
  return {changes::FirmTable<SubscriptionRecord>(
      kSubscription,
      [](absl::string_view,
         const SubscriptionRecord& subscription) -> std::optional<changes::ChangeRecord> {
        if (subscription.client_gone_us() != 0) return std::nullopt;
        return SubscriptionChange(subscription);
      })};
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksBillingStore>> RocksBillingStore::Create(
    storage::Database* db, const Clock& clock) {
  absl::StatusOr<std::unique_ptr<changes::ChangeLog>> log =
      changes::ChangeLog::Open(*db, kChangeLog, clock);
  if (!log.ok()) return log.status();
  (*log)->SetResourceTables(ResourceTables());
  return std::unique_ptr<RocksBillingStore>(new RocksBillingStore(db, std::move(*log)));
}

absl::StatusOr<std::optional<SubscriptionRecord>> RocksBillingStore::Get(
    uint64_t firm_id, uint64_t company_id) const {
  return storage::ReadRecord<SubscriptionRecord>(*db_,
                                                 SubscriptionKey(firm_id, company_id));
}

absl::StatusOr<StoredPage<SubscriptionRecord>> RocksBillingStore::List(
    uint64_t firm_id, absl::string_view cursor, size_t limit, size_t max_examined,
    const std::function<bool(const SubscriptionRecord&)>& filter) const {
  StoredPage<SubscriptionRecord> page;
  absl::StatusOr<std::string> next = db_->ScanMatches(
      KeyBuilder(kSubscription).Uint64(firm_id).Release(), cursor, limit, max_examined,
      [&](absl::string_view, absl::string_view value) -> absl::StatusOr<bool> {
        absl::StatusOr<SubscriptionRecord> record =
            storage::DecodeRecord<SubscriptionRecord>(value);
        if (!record.ok()) return record.status();
        if (!filter(*record)) return false;
        page.items.push_back(std::move(*record));
        return true;
      });
  if (!next.ok()) return next.status();
  if (page.items.size() > limit) page.items.resize(limit);
  page.cursor = std::move(*next);
  return page;
}

absl::Status RocksBillingStore::ForEach(
    const std::function<absl::Status(const SubscriptionRecord&)>& visit) const {
  return storage::ScanRecords<SubscriptionRecord>(
      *db_, std::string(1, kSubscription), std::string(1, kSubscription + 1),
      [&](const SubscriptionRecord& record, absl::string_view) -> absl::StatusOr<bool> {
        CB_RETURN_IF_ERROR(visit(record));
        return true;
      });
}

absl::StatusOr<std::vector<SubscriptionRecord>> RocksBillingStore::TrialsEndedBy(
    int64_t now_us, size_t limit) const {
  const std::string begin(1, kTrialIndex);
  const std::string end =
      KeyBuilder(kTrialIndex).Uint64(static_cast<uint64_t>(now_us) + 1).Release();
  std::vector<std::pair<uint64_t, uint64_t>> due;
  absl::Status s = db_->Scan(begin, end, [&](absl::string_view key, absl::string_view) {
    KeyReader reader(key);
    reader.Table();
    reader.Uint64();
    std::optional<uint64_t> firm = reader.Uint64();
    std::optional<uint64_t> company = reader.Uint64();
    if (firm && company) due.emplace_back(*firm, *company);
    return due.size() < limit;
  });
  if (!s.ok()) return s;
  std::vector<SubscriptionRecord> out;
  for (auto [firm, company] : due) {
    absl::StatusOr<std::optional<SubscriptionRecord>> record = Get(firm, company);
    if (!record.ok()) return record.status();
    if (record->has_value()) out.push_back(std::move(**record));
  }
  return out;
}

absl::StatusOr<std::optional<RequestRecord>> RocksBillingStore::FindRequest(
    absl::string_view caller, absl::string_view request_id) const {
  return storage::ReadRecord<RequestRecord>(
      *db_, KeyBuilder(kRequest).String(caller).String(request_id).Release());
}

absl::Status RocksBillingStore::Commit(const SubscriptionRecord* before,
                                       const SubscriptionRecord& after,
                                       const std::optional<RequestEntry>& request,
                                       const changes::ChangeOrigin& origin) {
  rocksdb::WriteBatch batch;
  if (before != nullptr && AwaitsLapseCheck(*before)) batch.Delete(TrialKey(*before));
  if (AwaitsLapseCheck(after)) batch.Put(TrialKey(after), "");
  batch.Put(SubscriptionKey(after.firm_id(), after.company_id()),
            after.SerializeAsString());
  if (request.has_value()) {
    batch.Put(KeyBuilder(kRequest)
                  .String(request->caller)
                  .String(request->request_id)
                  .Release(),
              request->record.SerializeAsString());
  }
  changes::ChangeRecord change = SubscriptionChange(after);
  const absl::string_view type = ChangeTypeOf(before, after);
  change.set_type(std::string(type));
  // Kept as history, a subscription whose client went is gone from the
  // lists: as in the directory's and import's feeds, its deletion has no
  // resource after it (the prior is its last state), and its return none
  // before it. A copy kept from the feed drops it at DELETED.
  if (before != nullptr && type != "CREATED")
    change.set_before(before->SerializeAsString());
  if (type != "DELETED") change.set_after(after.SerializeAsString());
  change.set_actor(origin.actor);
  change.set_request_id(origin.request_id);
  change.set_source(origin.source);
  return log_->Commit(batch, {std::move(change)});
}

absl::StatusOr<std::string> RocksBillingStore::GetFeedPosition(
    absl::string_view feed) const {
  absl::StatusOr<std::optional<std::string>> token =
      db_->Get(KeyBuilder(kFeedPosition).String(feed).Release());
  if (!token.ok()) return token.status();
  return token->value_or("");
}

absl::Status RocksBillingStore::PutFeedPosition(absl::string_view feed,
                                                absl::string_view resume_token) {
  rocksdb::WriteBatch batch;
  batch.Put(KeyBuilder(kFeedPosition).String(feed).Release(),
            rocksdb::Slice(resume_token.data(), resume_token.size()));
  return db_->Write(batch);
}

}  // namespace clientbook::billing
