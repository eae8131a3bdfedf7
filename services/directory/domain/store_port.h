#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_STORE_PORT_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_STORE_PORT_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/changes/change_origin.h"
#include "services/directory/domain/client_store_port.h"
#include "services/directory/domain/firm_store_port.h"
#include "services/directory/domain/invitation_store_port.h"
#include "services/directory/domain/list_view_store_port.h"
#include "services/directory/domain/model.h"
#include "services/directory/domain/note_store_port.h"
#include "services/directory/domain/todo_store_port.h"

namespace clientbook::directory {

using WriteOrigin = changes::ChangeOrigin;

// A set of changes to any of the directory's entities that commits itself
// atomically, with a change record of every resource it creates, updates or
// deletes (the store makes them: no write can leave the change feed behind).
class DirectoryWrite {
 public:
  virtual ~DirectoryWrite() = default;

  virtual FirmWrites& firms() = 0;
  virtual ClientWrites& clients() = 0;
  virtual NoteWrites& notes() = 0;
  virtual TodoWrites& todos() = 0;
  virtual ListViewWrites& list_views() = 0;
  virtual InvitationWrites& invitations() = 0;

  // Remembers what `request_id` of `caller` did in `scope`.
  virtual void PutRequest(uint64_t scope, absl::string_view caller,
                          absl::string_view request_id, const RequestRecord& done) = 0;

  // Every change or none.
  virtual absl::Status Commit() = 0;
};

// The directory's persistence: one store per entity, and the write frame
// over all of them. Reads see committed data; check-then-write sequences are
// serialized by the caller (DirectoryCore's locks).
class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;

  // A new id for a firm, client (company id), invitation, note or to-do:
  // unique forever, also across restarts.
  virtual absl::StatusOr<uint64_t> AllocateId() = 0;
  virtual std::unique_ptr<DirectoryWrite> NewWrite(WriteOrigin origin) = 0;
  virtual absl::StatusOr<std::optional<RequestRecord>> FindRequest(
      uint64_t scope, absl::string_view caller, absl::string_view request_id) const = 0;

  virtual FirmStore& firms() = 0;
  virtual ClientStore& clients() = 0;
  virtual NoteStore& notes() = 0;
  virtual TodoStore& todos() = 0;
  virtual ListViewStore& list_views() = 0;
  virtual InvitationStore& invitations() = 0;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_STORE_PORT_H_
