#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_MODEL_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/storage/paging.h"
#include "services/directory/domain/records.pb.h"

// The directory's entities are the stored records (records.proto); these
// enums give their int fields names. Values equal the public API's enums.
namespace clientbook::directory {

enum class Role : int32_t { kPrimaryAdmin = 1, kAdmin = 2, kStaff = 3 };
enum class ClientType : int32_t { kBusiness = 1, kIndividual = 2 };
enum class ClientStatus : int32_t { kActive = 1, kInactive = 2 };
enum class InvitationState : int32_t {
  kPending = 1,
  kAccepted = 2,
  kDeclined = 3,
  kExpired = 4,
};

inline Role RoleOf(const MemberRecord& m) { return static_cast<Role>(m.role()); }
inline ClientStatus StatusOf(const ClientRecord& c) {
  return static_cast<ClientStatus>(c.status());
}

using storage::Page;
using storage::PageRequest;

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_MODEL_H_
