#ifndef CLIENTBOOK_COMMON_PAGING_PAGING_H_
#define CLIENTBOOK_COMMON_PAGING_PAGING_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/paging/page_token.h"
#include "common/status/errors.h"

namespace clientbook::storage {

// One page read from storage, and where the next one starts ("" when the
// range is exhausted).
template <typename T>
struct StoredPage {
  std::vector<T> items;
  std::string cursor;
};

// One page of a List response and the token for the next ("" at the end).
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;
};

// What a List call asks for (AIP-158).
struct PageRequest {
  int32_t page_size = 0;
  std::string page_token;
};

// A validated page request: the storage cursor to resume from and the page
// size, bound to one query so its tokens fit no other.
struct ListPage {
  std::string query;
  std::string cursor;
  size_t size = 0;

  std::string TokenFor(absl::string_view next_cursor) const {
    return EncodePageToken(query, next_cursor);
  }
};

// Every List call's page_size: 0 means 50; more than 1000 means 1000.
inline constexpr int32_t kDefaultPageSize = 50;
inline constexpr int32_t kMaxPageSize = 1000;

// A page's items come to at most this many bytes, however many page_size
// asks for (AIP-158 lets a page come short, with a token): a message is at
// most --max_message_bytes (4 MiB), and 100 change events of big notes came
// to 15 MB, a page refused at every try. A page's first item is in it
// whatever its size (a note is at most about 80 KB, a change event about
// twice that).
inline constexpr size_t kMaxPageBytes = size_t{2} << 20;

// The bytes of `records` as stored.
template <typename Record>
size_t BytesOf(const std::vector<Record>& records) {
  size_t bytes = 0;
  for (const Record& record : records) bytes += record.ByteSizeLong();
  return bytes;
}

// A page's bytes: its items up to `max_bytes` (kMaxPageBytes for a List
// call's response), its first whatever its size.
class PageBytes {
 public:
  explicit PageBytes(size_t max_bytes = kMaxPageBytes) : max_bytes_(max_bytes) {}

  // Counts an item of `size` bytes if it fits; once one does not, the page
  // is full and takes nothing more. Whether it was counted.
  bool Take(size_t size) {
    if (full_ || (taken_ > 0 && bytes_ + size > max_bytes_)) {
      full_ = true;
      return false;
    }
    bytes_ += size;
    ++taken_;
    return true;
  }
  // Adds `item` to a response's repeated field `items` if it fits.
  template <typename Repeated, typename Item>
  bool Add(Repeated& items, Item&& item) {
    if (full_) return false;
    auto* added = items.Add();
    *added = std::forward<Item>(item);
    if (!Take(added->ByteSizeLong())) {
      items.RemoveLast();
      return false;
    }
    return true;
  }
  bool full() const { return full_; }

 private:
  const size_t max_bytes_;
  size_t bytes_ = 0;
  size_t taken_ = 0;
  bool full_ = false;
};

// page_size: negative is INVALID_ARGUMENT, 0 means kDefaultPageSize, above
// kMaxPageSize is lowered to it (AIP-158).
inline absl::StatusOr<ListPage> OpenPage(std::string query, const PageRequest& page) {
  if (page.page_size < 0) {
    return errors::InvalidField("page_size", "must not be negative");
  }
  absl::StatusOr<std::string> cursor = DecodePageToken(query, page.page_token);
  if (!cursor.ok()) return errors::InvalidField("page_token", cursor.status().message());
  ListPage out;
  out.query = std::move(query);
  out.cursor = std::move(*cursor);
  out.size =
      page.page_size > 0 ? std::min(page.page_size, kMaxPageSize) : kDefaultPageSize;
  return out;
}

}  // namespace clientbook::storage

#endif  // CLIENTBOOK_COMMON_PAGING_PAGING_H_
