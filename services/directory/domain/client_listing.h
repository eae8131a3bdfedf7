#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_LISTING_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_LISTING_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/directory/domain/directory_core.h"

namespace clientbook::directory {

// Parameters of ListClients; see ListClientsRequest in directory.proto.
struct ClientListQuery {
  uint64_t firm_id = 0;
  PageRequest page;
  std::string name_query;
  std::string client_number_query;
  v1::ClientType client_type = v1::CLIENT_TYPE_UNSPECIFIED;  // unspecified: any
  std::string lead_accountant;                               // user id; "": any
  // Unspecified: active, plus inactive if show_inactive.
  v1::ClientStatus status = v1::CLIENT_STATUS_UNSPECIFIED;
  bool show_inactive = false;
  std::string order_by;  // "", "display_name" or "client_number"
  // Only the clients' ids, display names and numbers are wanted (an
  // export): the other fields of the records returned may be left empty.
  bool names_and_numbers_only = false;
};

// Reading a firm's client list: search, filters, order, pages, and each
// member's choice of columns.
class ClientListing {
 public:
  explicit ClientListing(DirectoryCore& core)
      : core_(core), client_store_(core.store().clients()) {}

  absl::StatusOr<Page<ClientRecord>> ListClients(const auth::Caller& caller,
                                                 const ClientListQuery& query);

  // Each member's client-list columns; the update takes the view's etag
  // optionally (stale: ABORTED, nothing saved), and a request id (a retry
  // under it is answered the view as it is now).
  absl::StatusOr<ListViewRecord> GetListView(const auth::Caller& caller,
                                             const names::ClientListViewName& view_name);
  absl::StatusOr<ListViewRecord> UpdateListView(
      const auth::Caller& caller, const names::ClientListViewName& view_name,
      const std::vector<std::string>& columns, absl::string_view etag = "",
      absl::string_view request_id = "");

 private:
  DirectoryCore& core_;
  const ClientStore& client_store_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_LISTING_H_
