#ifndef CLIENTBOOK_SERVICES_BILLING_STORE_ROCKSDB_BILLING_STORE_H_
#define CLIENTBOOK_SERVICES_BILLING_STORE_ROCKSDB_BILLING_STORE_H_

#include "common/changes/change_log.h"
#include "common/storage/database.h"
#include "services/billing/domain/store_port.h"

namespace clientbook::billing {

// BillingStore over one RocksDB. Key layout (common/keys/key_codec.h):
//   S firm company                  -> SubscriptionRecord
//   L trial_end firm company        -> ""   trials a sweep still has to judge
//   R caller request_id             -> RequestRecord
//   F feed                          -> resume token (directory_feed.h)
//   C ...                           -> the change log (change_log.h)
class RocksBillingStore final : public BillingStore {
 public:
  static absl::StatusOr<std::unique_ptr<RocksBillingStore>> Create(storage::Database* db,
                                                                   const Clock& clock);
  // Every committed change, in order.
  changes::ChangeLog& change_log() { return *log_; }

  absl::StatusOr<std::optional<SubscriptionRecord>> Get(
      uint64_t firm_id, uint64_t company_id) const override;
  absl::StatusOr<StoredPage<SubscriptionRecord>> List(
      uint64_t firm_id, absl::string_view cursor, size_t limit, size_t max_examined,
      const std::function<bool(const SubscriptionRecord&)>& filter) const override;
  absl::Status ForEach(
      const std::function<absl::Status(const SubscriptionRecord&)>& visit) const override;
  absl::StatusOr<std::vector<SubscriptionRecord>> TrialsEndedBy(
      int64_t now_us, size_t limit) const override;
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(
      absl::string_view caller, absl::string_view request_id) const override;
  absl::Status Commit(const SubscriptionRecord* before, const SubscriptionRecord& after,
                      const std::optional<RequestEntry>& request,
                      const changes::ChangeOrigin& origin) override;
  absl::StatusOr<std::string> GetFeedPosition(absl::string_view feed) const override;
  absl::Status PutFeedPosition(absl::string_view feed,
                               absl::string_view resume_token) override;

 private:
  RocksBillingStore(storage::Database* db, std::unique_ptr<changes::ChangeLog> log)
      : db_(db), log_(std::move(log)) {}

  storage::Database* db_;
  std::unique_ptr<changes::ChangeLog> log_;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_SERVICES_BILLING_STORE_ROCKSDB_BILLING_STORE_H_
