// libFuzzer target for the CSV reader/writer: no input may crash it, and
// every well-formed record must survive writing and reading back with the
// same separator (each field's value as CellValue reads it).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/csv/csv.h"

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
    }
  }
  return 0;
}
