// libFuzzer target for the CSV reader/writer: no input may crash it, and
// every well-formed record must survive writing and reading back with the
// same separator (each field's value as CellValue reads it); each cell is
// also read as import reads a spreadsheet's numbers.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/csv/csv.h"
#include "services/import/domain/spreadsheet_numbers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  // Every separator a spreadsheet writes, chosen by the input's first byte.
  const char separator = size == 0 ? ',' : ",;\t"[data[0] % 3];
  size_t last_line = 0;
  for (const clientbook::csv::Record& record : clientbook::csv::Parse(input, separator)) {
    if (record.line <= last_line) std::abort();  // lines only move forward
    last_line = record.line;
    if (!record.error.empty() || record.blank) continue;
    const std::string written = clientbook::csv::Line(record.fields, separator);
    const auto reread = clientbook::csv::Parse(written, separator);
    if (reread.size() != 1 || reread[0].fields.size() != record.fields.size()) {
      std::abort();
    }
    for (size_t i = 0; i < record.fields.size(); ++i) {
      if (clientbook::csv::CellValue(reread[0].fields[i]) != record.fields[i])
        std::abort();
      // Each cell as a company ID or a number a spreadsheet may have made
      // (the sanitizers watch its arithmetic), against its neighbour.
      const std::string& cell = record.fields[i];
      if (auto rounded = clientbook::importer::RoundedId::Parse(cell);
          rounded.has_value() && rounded->CouldBe(0) && rounded->CouldBe(~uint64_t{0})) {
        std::abort();  // no rounding covers every ID
      }
      const std::string& other = record.fields[(i + 1) % record.fields.size()];
      if (clientbook::importer::IsSpreadsheetFormOf(cell, cell)) std::abort();
      clientbook::importer::IsSpreadsheetFormOf(cell, other);
      clientbook::importer::SpreadsheetMade(cell);
    }
  }
  return 0;
}
