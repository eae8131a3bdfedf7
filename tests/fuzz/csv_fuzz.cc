// libFuzzer target for the CSV reader/writer: no input may crash it, and
// every well-formed record must survive writing and reading back (each
// field's value as CellValue reads it).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/csv/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  size_t last_line = 0;
  for (const clientbook::csv::Record& record : clientbook::csv::Parse(input)) {
    if (record.line <= last_line) std::abort();  // lines only move forward
    last_line = record.line;
    if (!record.error.empty() || record.blank) continue;
    const std::string written = clientbook::csv::Line(record.fields);
    const auto reread = clientbook::csv::Parse(written);
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
