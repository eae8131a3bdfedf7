#ifndef CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_CHANGE_READERS_H_
#define CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_CHANGE_READERS_H_

#include "common/changes/change_service.h"
#include "services/import/domain/directory_port.h"

namespace clientbook::importer {

// Who reads import's changes: the members of the job's firm, as the
// directory says (asked at every batch), who read all of it and its audit,
// as every member lists jobs; and how a stored job looks in the API.
class ImportChangeReaders final : public changes::ChangeReaders {
 public:
  explicit ImportChangeReaders(DirectoryPort& directory) : directory_(directory) {}

  absl::Status CheckFirmReader(const auth::Caller& caller, uint64_t firm_id) override {
    return directory_.CheckMember(caller, firm_id);
  }
  absl::Status ToResource(const changes::ChangeRecord& record, absl::string_view stored,
                          v1::Resource& out) const override;

 private:
  DirectoryPort& directory_;
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_API_IMPORT_CHANGE_READERS_H_
