#ifndef CLIENTBOOK_COMMON_SERVER_CALL_SHARE_H_
#define CLIENTBOOK_COMMON_SERVER_CALL_SHARE_H_

#include <cstddef>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/names/cell.h"
#include "common/server/fair_share.h"
#include "google/protobuf/message.h"

namespace clientbook::server {

// Whose a call is and what it weighs, read from its request:
// - the flow is the firm its resource names are in ("firms/1001", from
//   `name`, `parent`, `firm` or the `name` of the resource it carries), or
//   the caller ("users/alice") for a call that names no firm;
// - the cost is 1 work unit, plus one for every 6 resources a page or a
//   batch may hold (`page_size`, or the entries of a repeated field, up to
//   the 1,000 a page or batch may hold), so a page of 1,000 weighs 167
//   reads and a page of 50 nine: what they cost the server's cores,
//   measured.
// A caller naming firms it is not in makes a flow of each name for as long
// as the fair share's linger; each such call is refused by its handler at
// the cost of one membership read.
CallShare ShareOf(const google::protobuf::Message& request, absl::string_view user_id);

// FAILED_PRECONDITION WRONG_CELL when `flow` (ShareOf's: the firm a call
// names) is a firm born in another cell than `cell`: naming the cell that
// holds it, so a wrong route is loud, never a silent NOT_FOUND or a write in
// the wrong place. No `cell` (a service in front of every cell): OK.
absl::Status CheckFirmInCell(absl::string_view flow, std::optional<names::Cell> cell);

// The cost of a page or batch of up to `resources`.
int64_t PageCost(int64_t resources);

// The cost of an upload of `bytes`: 1 work unit plus one per 600 bytes, so
// a file of 100 KB weighs as a page of 1,000.
int64_t UploadCost(size_t bytes);

}  // namespace clientbook::server

#endif  // CLIENTBOOK_COMMON_SERVER_CALL_SHARE_H_
