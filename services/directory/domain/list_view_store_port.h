#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_LIST_VIEW_STORE_PORT_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_LIST_VIEW_STORE_PORT_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/directory/domain/model.h"

namespace clientbook::directory {

// Each member's saved client list view, one per member of a firm.
class ListViewStore {
 public:
  virtual ~ListViewStore() = default;

  virtual absl::StatusOr<std::optional<ListViewRecord>> GetListView(
      uint64_t firm_id, absl::string_view user_id) const = 0;
};

// A write's changes to list views.
class ListViewWrites {
 public:
  virtual ~ListViewWrites() = default;

  virtual void PutListView(uint64_t firm_id, absl::string_view user_id,
                           const ListViewRecord& view) = 0;
  virtual void DeleteListView(uint64_t firm_id, absl::string_view user_id) = 0;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_LIST_VIEW_STORE_PORT_H_
