#include "services/admin/move_invitations.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/storage/database.h"
#include "services/accounts/domain/invitations.h"
#include "services/accounts/store/rocksdb_accounts_store.h"
#include "services/directory/domain/directory_core.h"
#include "services/directory/domain/invitations.h"
#include "services/directory/store/rocksdb_directory_store.h"

namespace clientbook::admin {
namespace {

// accounts only takes invitations over here: it reaches no cell.
class NoCells final : public accounts::CellDirectories {
 public:
  absl::StatusOr<v1::Client> ConnectInvitedClient(const auth::Caller&, uint64_t,
                                                  const accounts::InvitationRecord&,
                                                  const std::string&) override {
    return absl::FailedPreconditionError("moving invitations connects none");
  }
};

}  // namespace

absl::StatusOr<size_t> MoveInvitations(const std::string& directory_data,
                                       const std::string& accounts_data,
                                       const std::string& operator_id,
                                       const Clock& clock) {
  // A mistyped path must not pass for a directory without invitations.
  if (!std::filesystem::exists(std::filesystem::path(directory_data) / "CURRENT")) {
    return absl::NotFoundError(
        absl::StrCat("no directory store in ", directory_data, " (its --data_dir)"));
  }
  absl::StatusOr<std::unique_ptr<storage::Database>> directory_db =
      storage::Database::Open(directory_data, {.sync_writes = true});
  if (!directory_db.ok()) return directory_db.status();
  absl::StatusOr<std::unique_ptr<storage::Database>> accounts_db =
      storage::Database::Open(accounts_data, {.sync_writes = true});
  if (!accounts_db.ok()) return accounts_db.status();
  absl::StatusOr<std::unique_ptr<directory::RocksDirectoryStore>> directory_store =
      directory::RocksDirectoryStore::Create(directory_db->get(), clock);
  if (!directory_store.ok()) return directory_store.status();
  absl::StatusOr<std::unique_ptr<accounts::RocksAccountsStore>> accounts_store =
      accounts::RocksAccountsStore::Open(accounts_db->get(), clock);
  if (!accounts_store.ok()) return accounts_store.status();

  directory::DirectoryCore core(**directory_store, clock);
  directory::Invitations lone_cell(core);
  NoCells no_cells;
  accounts::Invitations accounts(**accounts_store, no_cells, clock);
  return lone_cell.HandOverPending(operator_id,
                                   [&](const accounts::InvitationRecord& moved) {
                                     return accounts.Adopt(operator_id, moved);
                                   });
}

}  // namespace clientbook::admin
