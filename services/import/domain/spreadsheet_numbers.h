#ifndef CLIENTBOOK_SERVICES_IMPORT_DOMAIN_SPREADSHEET_NUMBERS_H_
#define CLIENTBOOK_SERVICES_IMPORT_DOMAIN_SPREADSHEET_NUMBERS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace clientbook::importer {

// What a spreadsheet does to a number it opens in a CSV.

// A company ID a spreadsheet rounded into scientific notation, as Excel's
// General format shows and saves a number of 12 digits or more: every ID of
// the cells past the first (1000000001002 becomes "1E+12"; a wider column
// or another locale gives "1,00000000100E+12"). The digits left say which
// IDs it could have been.
class RoundedId {
 public:
  // "1E+12", "1.00000E+12", "1,0000000010E+012" (a comma in the locales
  // that write one): digits, an optional point or comma and digits, E or e,
  // "+" and digits. "1E12" and "-1E+12" are no spreadsheet's.
  static std::optional<RoundedId> Parse(absl::string_view text);

  // Whether rounding `id` to the digits shown gives them: "1E+12" could be
  // any ID from 500000000000 to 1500000000000, "1,00000000100E+12" one from
  // 1000000001000 less 5 to 1000000001000 plus 5 (a tie rounds either way).
  bool CouldBe(uint64_t id) const { return lowest_ <= id && id <= highest_; }

 private:
  RoundedId(uint64_t lowest, uint64_t highest) : lowest_(lowest), highest_(highest) {}

  // The IDs it could be (none when lowest_ > highest_).
  uint64_t lowest_;
  uint64_t highest_;
};

// Whether `shown` is what a spreadsheet makes of `number` when it reads it
// as a number or a date, as Excel does opening a CSV: a number without
// its leading zeros or a fraction's trailing ones ("00042" saved as "42",
// "3.20" as "3.2"), or rounded into scientific notation ("123456789012" as
// "1,23457E+11"); digits joined by
// '-' or '/' as a date ("3-12" as "12-Mar", "10-2345" as "Oct-45"). An
// export's client number comes back so without anyone having touched it.
bool IsSpreadsheetFormOf(absl::string_view shown, absl::string_view number);

// What a spreadsheet made `shown` of, when it reads as a number it rounded
// or a date it read from a number ("1,23457E+11", "12-Mar"): no firm's new
// client number, but one typed into a column not formatted as text. Empty
// when neither.
std::string SpreadsheetMade(absl::string_view shown);

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_DOMAIN_SPREADSHEET_NUMBERS_H_
