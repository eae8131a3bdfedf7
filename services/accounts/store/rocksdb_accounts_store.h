#ifndef CLIENTBOOK_SERVICES_ACCOUNTS_STORE_ROCKSDB_ACCOUNTS_STORE_H_
#define CLIENTBOOK_SERVICES_ACCOUNTS_STORE_ROCKSDB_ACCOUNTS_STORE_H_

#include "common/storage/database.h"
#include "services/accounts/domain/accounts_store.h"

namespace clientbook::accounts {

// The accounts index in RocksDB. Keys (storage/key_codec):
//   'F' firm id                 -> v1::Firm
//   'M' user, firm id           -> ""   (a user's firms, in id order)
//   'R' firm id, user           -> ""   (the same, by firm: a cell's range)
//   'P' cell, feed              -> the feed's resume token
class RocksAccountsStore final : public AccountsStore {
 public:
  explicit RocksAccountsStore(storage::Database* db) : db_(db) {}

  absl::Status Apply(FeedOf feed, const std::vector<IndexChange>& changes,
                     absl::string_view token) override;
  absl::StatusOr<std::string> Position(FeedOf feed) const override;
  absl::Status Forget(FeedOf feed) override;
  absl::StatusOr<storage::StoredPage<v1::Firm>> FirmsOf(absl::string_view user,
                                                        absl::string_view cursor,
                                                        size_t limit) const override;

 private:
  storage::Database* db_;
};

}  // namespace clientbook::accounts

#endif  // CLIENTBOOK_SERVICES_ACCOUNTS_STORE_ROCKSDB_ACCOUNTS_STORE_H_
