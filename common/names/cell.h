#ifndef CLIENTBOOK_COMMON_NAMES_CELL_H_
#define CLIENTBOOK_COMMON_NAMES_CELL_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace clientbook::names {

// A cell: one directory, billing and import with stores of their own,
// holding the firms born in it. Cell k hands out every id (firms, clients,
// notes, to-dos, import jobs) in [k·10^12, (k+1)·10^12), so a firm's id says
// which cell holds it, with no lookup and no coordination between cells.
// Cell 0 is every store made before cells (its ids start at 1,001).
struct Cell {
  static constexpr uint32_t kCells = 1000;
  static constexpr uint64_t kIdsPerCell = 1'000'000'000'000;

  uint32_t id = 0;

  // The cell that handed out `id` (a firm's, a client's, …).
  static Cell Holding(uint64_t id) {
    return Cell{static_cast<uint32_t>(id / kIdsPerCell)};
  }

  uint64_t first_id() const { return id * kIdsPerCell; }
  uint64_t end_id() const { return first_id() + kIdsPerCell; }
  bool Holds(uint64_t any_id) const { return any_id / kIdsPerCell == id; }
  std::string ToString() const { return absl::StrCat("cells/", id); }
};

// Where the ids accounts hands out begin (invitations, and the companies
// they bring into a firm): past every cell's, so no cell ever hands out the
// same.
inline constexpr uint64_t kFirstAccountsId = Cell::kCells * Cell::kIdsPerCell;

}  // namespace clientbook::names

#endif  // CLIENTBOOK_COMMON_NAMES_CELL_H_
