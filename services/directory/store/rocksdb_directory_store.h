#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_DIRECTORY_STORE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_DIRECTORY_STORE_H_

#include <memory>

#include "common/changes/change_log.h"
#include "common/names/cell.h"
#include "common/storage/database.h"
#include "common/storage/id_allocator.h"
#include "services/directory/domain/store_port.h"
#include "services/directory/store/rocksdb_client_store.h"
#include "services/directory/store/rocksdb_firm_store.h"
#include "services/directory/store/rocksdb_invitation_store.h"
#include "services/directory/store/rocksdb_list_view_store.h"
#include "services/directory/store/rocksdb_note_store.h"
#include "services/directory/store/rocksdb_todo_store.h"

namespace clientbook::directory {

// DirectoryStore over one RocksDB (its tables: directory_tables.h): each
// entity's store, the ids, the request ids and the change log that every
// write commits with.
class RocksDirectoryStore final : public DirectoryStore {
 public:
  // Ids in `cell`'s range (cell.h).
  static absl::StatusOr<std::unique_ptr<RocksDirectoryStore>> Create(
      storage::Database* db, const Clock& clock, names::Cell cell = {});

  absl::StatusOr<uint64_t> AllocateId() override;
  std::unique_ptr<DirectoryWrite> NewWrite(WriteOrigin origin) override;
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(
      uint64_t scope, absl::string_view caller,
      absl::string_view request_id) const override;

  RocksFirmStore& firms() override { return firms_; }
  RocksClientStore& clients() override { return clients_; }
  RocksNoteStore& notes() override { return notes_; }
  RocksTodoStore& todos() override { return todos_; }
  RocksListViewStore& list_views() override { return list_views_; }
  RocksInvitationStore& invitations() override { return invitations_; }

  // Every committed change, in order.
  changes::ChangeLog& change_log() { return *log_; }

 private:
  RocksDirectoryStore(storage::Database* db, std::unique_ptr<storage::IdAllocator> ids,
                      std::unique_ptr<changes::ChangeLog> log)
      : db_(*db),
        ids_(std::move(ids)),
        log_(std::move(log)),
        firms_(*db),
        clients_(*db),
        notes_(*db),
        todos_(*db),
        list_views_(*db),
        invitations_(*db) {}

  storage::Database& db_;
  std::unique_ptr<storage::IdAllocator> ids_;
  std::unique_ptr<changes::ChangeLog> log_;
  RocksFirmStore firms_;
  RocksClientStore clients_;
  RocksNoteStore notes_;
  RocksTodoStore todos_;
  RocksListViewStore list_views_;
  RocksInvitationStore invitations_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_DIRECTORY_STORE_H_
