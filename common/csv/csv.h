#ifndef CLIENTBOOK_COMMON_CSV_CSV_H_
#define CLIENTBOOK_COMMON_CSV_CSV_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

// The one parser Clientbook owns, because its error reporting is the
// product: RFC 4180 with a UTF-8 BOM allowed, CRLF, LF or CR line ends. It never
// fails as a whole: each record carries its own error, so one bad row is
// reported while the others go on.
namespace clientbook::csv {

struct Record {
  // The line the record starts on, 1-based (the header is line 1): the row
  // number a person sees in a spreadsheet.
  size_t line = 0;
  std::vector<std::string> fields;
  // Empty when well-formed; else what is wrong ("unterminated quoted
  // field", "text after a closing quote", "not valid UTF-8").
  std::string error;
  // True for an empty line, which callers skip.
  bool blank = false;
};

// `separator` is ',' for RFC 4180; Excel in Italian, French and Spanish
// locales writes ';'.
std::vector<Record> Parse(absl::string_view data, char separator = ',');

// The separator of a file from its first non-blank line: whichever of ',',
// ';' and tab appears most often outside quotes (',' when none does).
char DetectSeparator(absl::string_view data);

// A field quoted only when it must be (the separator, a quote, CR or LF
// inside, blanks at either end, a leading byte-order mark).
std::string Field(absl::string_view value, char separator = ',');

// Spreadsheets take a cell that starts with '=', '+', '-', '@', a tab or a
// carriage return for a formula and run it (CSV injection: a client's name
// "=HYPERLINK(…)" in a firm's export). Such a value is written as text, after
// an apostrophe, which spreadsheets read as "text follows" and do not show;
// so is a value that starts with an apostrophe CellValue would drop.
std::string TextCell(absl::string_view value);

// A cell's value as TextCell wrote it, or as a spreadsheet saved it back:
// an apostrophe before a formula character or another apostrophe is
// dropped. CellValue(TextCell(v)) is v.
absl::string_view CellValue(absl::string_view cell);

// One record with a CRLF line end, each field a TextCell quoted by Field:
// every file Clientbook writes is read by spreadsheets. `separator` as in
// Parse.
std::string Line(const std::vector<std::string>& fields, char separator = ',');

// The UTF-8 byte-order mark, written at the start of exports so spreadsheet
// programs read the accents right.
inline constexpr absl::string_view kBom = "\xEF\xBB\xBF";

}  // namespace clientbook::csv

#endif  // CLIENTBOOK_COMMON_CSV_CSV_H_
