#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_FIRMS_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_FIRMS_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/directory/domain/directory_core.h"

namespace clientbook::directory {

// Firms and their members: creating a firm (its creator is the primary
// admin), adding and updating members, handing over the primary admin role.
class Firms {
 public:
  explicit Firms(DirectoryCore& core) : core_(core), firm_store_(core.store().firms()) {}

  // `time_zone`: IANA name, "" for UTC.
  absl::StatusOr<FirmRecord> CreateFirm(const auth::Caller& caller,
                                        absl::string_view display_name,
                                        absl::string_view creator_email,
                                        absl::string_view creator_display_name,
                                        absl::string_view request_id,
                                        absl::string_view time_zone = "");
  absl::StatusOr<FirmRecord> GetFirm(const auth::Caller& caller,
                                     names::FirmName firm_name);
  // Admins. Paths: display_name, time_zone. `etag`, when given, must be the
  // firm's current one (AIP-154: optional here, as callers updated firms
  // before firms had one). A retry under `request_id` (the caller's ids in
  // the firm) is answered the firm as it is now; so are UpdateMember's.
  absl::StatusOr<FirmRecord> UpdateFirm(const auth::Caller& caller,
                                        names::FirmName firm_name,
                                        const FirmRecord& patch,
                                        const std::vector<std::string>& paths,
                                        absl::string_view etag = "",
                                        absl::string_view request_id = "");
  absl::StatusOr<Page<FirmRecord>> ListMyFirms(const auth::Caller& caller,
                                               const PageRequest& page);
  // Admins. A retry under `request_id` is answered the member as it is now
  // (without one, ALREADY_EXISTS).
  absl::StatusOr<MemberRecord> AddMember(const auth::Caller& caller,
                                         names::FirmName firm_name,
                                         const MemberRecord& member,
                                         absl::string_view request_id = "");
  // Paths: role (admins; ADMIN or STAFF, never the primary admin's),
  // display_name and email (admins, or the member); `etag` must be current.
  absl::StatusOr<MemberRecord> UpdateMember(const auth::Caller& caller,
                                            const names::MemberName& member_name,
                                            const MemberRecord& patch,
                                            const std::vector<std::string>& paths,
                                            absl::string_view etag,
                                            absl::string_view request_id = "");
  // Any member of the firm.
  absl::StatusOr<MemberRecord> GetMember(const auth::Caller& caller,
                                         const names::MemberName& member_name);
  absl::StatusOr<Page<MemberRecord>> ListMembers(const auth::Caller& caller,
                                                 names::FirmName firm_name,
                                                 const PageRequest& page);
  // Returns {previous primary admin, new primary admin}. A retry under
  // `request_id` answers the first result to its caller, then an admin.
  absl::StatusOr<std::pair<MemberRecord, MemberRecord>> TransferPrimaryAdmin(
      const auth::Caller& caller, names::FirmName firm_name, absl::string_view new_admin,
      absl::string_view request_id = "");

 private:
  // UpdateMember's change, under the firm's lock, into `write`; `as_admin`
  // tells, checked again now, whether the caller acts as an admin.
  absl::StatusOr<MemberRecord> WriteMemberUpdate(
      DirectoryWrite& write, const names::MemberName& member_name,
      const MemberRecord& patch, const std::vector<std::string>& paths,
      absl::string_view etag, const std::function<absl::StatusOr<bool>()>& as_admin);

  DirectoryCore& core_;
  const FirmStore& firm_store_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_FIRMS_H_
