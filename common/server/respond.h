#ifndef CLIENTBOOK_COMMON_SERVER_RESPOND_H_
#define CLIENTBOOK_COMMON_SERVER_RESPOND_H_

#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/paging/paging.h"

namespace clientbook::server {

// The last step of a handler: the domain's answer converted into the
// response, or its refusal as it is.
template <typename Value, typename Out, typename Convert>
absl::Status Respond(absl::StatusOr<Value> value, Out* out, Convert convert) {
  if (!value.ok()) return value.status();
  *out = convert(*value);
  return absl::OkStatus();
}

// The same for a List call: each item converted into a new entry `add`
// makes in the response, and the next page's token. A `convert` that takes
// the entry too, convert(item, entry), writes into it in place: on a
// response on an arena (ArenaMessages), a converted message assigned to it
// is copied whole.
template <typename Item, typename Out, typename Add, typename Convert>
absl::Status RespondPage(absl::StatusOr<storage::Page<Item>> page, Out* out, Add add,
                         Convert convert) {
  if (!page.ok()) return page.status();
  for (const Item& item : page->items) {
    auto& entry = *add(*out);
    if constexpr (std::is_invocable_v<Convert, const Item&, decltype(entry)>) {
      convert(item, entry);
    } else {
      entry = convert(item);
    }
  }
  out->set_next_page_token(std::move(page->next_page_token));
  return absl::OkStatus();
}

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_RESPOND_H_
