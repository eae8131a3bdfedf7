#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_FIRM_STORE_PORT_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_FIRM_STORE_PORT_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/directory/domain/model.h"

namespace clientbook::directory {

using storage::StoredPage;

// Firms and their members, as committed.
class FirmStore {
 public:
  virtual ~FirmStore() = default;

  virtual absl::StatusOr<std::optional<FirmRecord>> GetFirm(uint64_t firm_id) const = 0;
  virtual absl::StatusOr<std::optional<MemberRecord>> GetMember(
      uint64_t firm_id, absl::string_view user_id) const = 0;
  // What is kept of `user_id` since it last left the firm, if it did.
  virtual absl::StatusOr<std::optional<RemovedMemberRecord>> GetRemovedMember(
      uint64_t firm_id, absl::string_view user_id) const = 0;
  virtual absl::StatusOr<StoredPage<MemberRecord>> ListMembers(uint64_t firm_id,
                                                               absl::string_view cursor,
                                                               size_t limit) const = 0;
  // The firms a user is a member of, in id order.
  virtual absl::StatusOr<StoredPage<uint64_t>> ListFirmIdsOfUser(
      absl::string_view user_id, absl::string_view cursor, size_t limit) const = 0;
  // Those firms themselves, read together; one removed meanwhile is left out.
  virtual absl::StatusOr<StoredPage<FirmRecord>> ListFirmsOfUser(
      absl::string_view user_id, absl::string_view cursor, size_t limit) const = 0;
  // The n-th newest of the firms `user_id` created (1 is the newest), if it
  // created that many.
  virtual absl::StatusOr<std::optional<FirmRecord>> NthNewestFirmCreatedBy(
      absl::string_view user_id, size_t n) const = 0;
};

// A write's changes to firms and members.
class FirmWrites {
 public:
  virtual ~FirmWrites() = default;

  virtual void PutFirm(const FirmRecord& firm) = 0;
  // Keeps a new firm under the user who created it (NthNewestFirmCreatedBy).
  virtual void IndexCreator(absl::string_view user_id, uint64_t firm_id) = 0;
  // Also records the firm under the member's user, for ListMyFirms.
  virtual void PutMember(const MemberRecord& member) = 0;
  // And the member's entry under its user; keeps its revision and where its
  // list view's defaults are, `list_view_revision` (RemovedMemberRecord).
  virtual void DeleteMember(const MemberRecord& member, uint64_t list_view_revision) = 0;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_FIRM_STORE_PORT_H_
