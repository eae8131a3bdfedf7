#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_NOTE_STORE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_NOTE_STORE_H_

#include "common/storage/database.h"
#include "services/directory/domain/note_store_port.h"
#include "services/directory/store/staged_write.h"

namespace clientbook::directory {

// Notes and their indexes (workspace_keys.h).
class RocksNoteStore final : public NoteStore {
 public:
  explicit RocksNoteStore(storage::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<NoteRecord>> GetNote(uint64_t firm_id,
                                                    uint64_t note_id) const override;
  absl::StatusOr<StoredPage<NoteRecord>> ScanNotes(const NoteScan& scan) const override;
  absl::StatusOr<std::vector<NoteRecord>> ClientNotes(uint64_t firm_id,
                                                      uint64_t company_id, size_t limit,
                                                      size_t max_bytes) const override;
  absl::StatusOr<std::vector<std::pair<uint64_t, uint64_t>>> NotesToPurge(
      int64_t time_us, size_t limit) const override;
  absl::StatusOr<size_t> ReindexIfOutdated(
      const std::function<std::vector<std::string>(const NoteRecord&)>& words_of)
      override;

 private:
  storage::Database& db_;
};

class RocksNoteWrites final : public NoteWrites {
 public:
  explicit RocksNoteWrites(StagedWrite& write) : write_(write) {}

  void PutNote(const IndexedNote* before, const IndexedNote& after) override;
  void PurgeNote(const IndexedNote& stored) override;

 private:
  StagedWrite& write_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_ROCKSDB_NOTE_STORE_H_
