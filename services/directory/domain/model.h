#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_MODEL_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "clientbook/v1/directory.pb.h"
#include "common/invitations/invitation_record.pb.h"
#include "common/paging/paging.h"
#include "services/directory/domain/records.pb.h"

// The directory's entities are the stored records (records.proto, and the
// invitation record it shares with accounts), whose enum fields use the
// public enums of clientbook.v1 directly.
namespace clientbook::directory {

using invitations::InvitationRecord;
using storage::Page;
using storage::PageRequest;

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_MODEL_H_
