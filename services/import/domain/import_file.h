#ifndef CLIENTBOOK_SERVICES_IMPORT_DOMAIN_IMPORT_FILE_H_
#define CLIENTBOOK_SERVICES_IMPORT_DOMAIN_IMPORT_FILE_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/import/domain/model.h"

// An uploaded client-number file: its limits, its headers, its rows.
namespace clientbook::importer {

// The seeds' limits: at most 1,000 data rows and 100 KB per file. 100 KB is
// read as 100 KiB (102,400 bytes); one byte more is refused.
inline constexpr size_t kMaxDataRows = 1000;
inline constexpr size_t kMaxFileBytes = 100 * 1024;

// The header names of each language, in Column order.
std::array<std::string, 3> HeaderNames(v1::HeaderLanguage language);
// The error report's extra column, which uploads ignore.
std::string ErrorColumnName(v1::HeaderLanguage language);

struct ImportFile {
  v1::HeaderLanguage language = v1::ENGLISH;
  // ',', ';' or tab (csv::DetectSeparator).
  char separator = ',';
  // Where each Column is among a row's fields, and the headers as written.
  std::array<int, 3> column_index{};
  std::array<std::string, 3> header;
  std::vector<RowRecord> rows;
};

// Fields are separated by ',', ';' or tab, whichever the header line uses
// most. RESOURCE_EXHAUSTED over a limit (saying which, the size seen and the
// maximum); INVALID_ARGUMENT for a header that is not UTF-8 (naming
// Windows-1252 when it reads as that), missing or misspelled headers (naming
// the header expected) or a file without data rows. Row problems are not
// errors here: they stay on the rows for the job to report.
absl::StatusOr<ImportFile> ReadImportFile(absl::string_view bytes);

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_DOMAIN_IMPORT_FILE_H_
