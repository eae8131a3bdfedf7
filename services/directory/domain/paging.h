#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_PAGING_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_PAGING_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "common/status/errors.h"
#include "common/storage/page_token.h"
#include "services/directory/domain/model.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {

// A validated page request: the storage cursor to resume from and the page
// size, bound to one query so its tokens fit no other.
struct ListPage {
  std::string query;
  std::string cursor;
  size_t size = kDefaultPageSize;

  std::string TokenFor(absl::string_view next_cursor) const {
    return storage::EncodePageToken(query, next_cursor);
  }
};

// page_size: negative is INVALID_ARGUMENT, 0 means the default, above the
// maximum is lowered to it (AIP-158).
inline absl::StatusOr<ListPage> OpenPage(std::string query,
                                         const PageRequest& page) {
  if (page.page_size < 0) {
    return errors::InvalidField("page_size", "must not be negative");
  }
  absl::StatusOr<std::string> cursor =
      storage::DecodePageToken(query, page.page_token);
  if (!cursor.ok()) return errors::InvalidField("page_token", cursor.status().message());
  ListPage out;
  out.query = std::move(query);
  out.cursor = std::move(*cursor);
  if (page.page_size > 0) out.size = std::min(page.page_size, kMaxPageSize);
  return out;
}

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_PAGING_H_
