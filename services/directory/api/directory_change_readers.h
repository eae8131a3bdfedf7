#ifndef CLIENTBOOK_SERVICES_DIRECTORY_API_DIRECTORY_CHANGE_READERS_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_API_DIRECTORY_CHANGE_READERS_H_

#include "common/changes/change_service.h"
#include "services/directory/domain/directory.h"

namespace clientbook::directory {

// Who reads the directory's changes: a firm's members read its changes, but
// a member's list view only that member (and the platform); and how its
// records look in the API.
class DirectoryChangeReaders final : public changes::ChangeReaders {
 public:
  explicit DirectoryChangeReaders(Directory& directory) : directory_(directory) {}

  absl::Status CheckFirmReader(const auth::Caller& caller, uint64_t firm_id) override;
  // The firm's admins read its whole audit (members, settings, list views);
  // every member reads its clients'.
  absl::Status CheckAuditReader(const auth::Caller& caller, uint64_t firm_id,
                                bool whole_firm) override;
  bool MayRead(const auth::Caller& caller,
               const changes::ChangeRecord& record) const override;
  absl::Status ToResource(const changes::ChangeRecord& record, absl::string_view stored,
                          v1::Resource& out) const override;

 private:
  Directory& directory_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_API_DIRECTORY_CHANGE_READERS_H_
