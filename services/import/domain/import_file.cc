#include "services/import/domain/import_file.h"

#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/csv/csv.h"
#include "common/status/errors.h"
#include "common/text/text.h"

namespace clientbook::importer {
namespace {

constexpr v1::HeaderLanguage kLanguages[] = {v1::ENGLISH, v1::ITALIAN, v1::SPANISH,
                                             v1::FRENCH};

std::string HeaderKey(absl::string_view name) { return text::FoldCase(text::Trim(name)); }

// Windows-1252 leaves five bytes undefined; any other byte string reads as
// it, which is what Excel's plain "CSV" writes in Western locales.
bool ReadsAsWindows1252(absl::string_view bytes) {
  return bytes.find_first_of("\x81\x8D\x8F\x90\x9D") == absl::string_view::npos;
}

// What a file that is no text at all, or text in UTF-16, was saved as:
// each is a choice next to "CSV UTF-8" in Excel's Save As. Empty when none.
absl::string_view SavedAsInstead(absl::string_view bytes) {
  if (absl::StartsWith(bytes, "\xFF\xFE") || absl::StartsWith(bytes, "\xFE\xFF")) {
    return "UTF-16 text (what Excel saves as \"Unicode Text\")";
  }
  if (absl::StartsWith(bytes, "PK\x03\x04")) {
    return "a zip archive, such as an Excel workbook (.xlsx), not CSV";
  }
  if (absl::StartsWith(bytes, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) {
    return "an Excel 97-2003 workbook (.xls), not CSV";
  }
  return "";
}

// INVALID_ARGUMENT unless every header is UTF-8: the file's encoding is
// decided by its header, and a file in another one is refused whole.
absl::Status CheckHeaderEncoding(const csv::Record& header) {
  for (const std::string& field : header.fields) {
    if (text::IsValidUtf8(field)) continue;
    return errors::InvalidField(
        "csv", absl::StrCat("the file is not UTF-8 text",
                            ReadsAsWindows1252(field)
                                ? ": its header row reads as Windows-1252, which Excel "
                                  "writes for plain \"CSV\""
                                : "",
                            "; save it as \"CSV UTF-8\" and upload it again"));
  }
  return absl::OkStatus();
}

// What to do about a row that is not UTF-8 when it reads as Windows-1252:
// an ASCII header (the English one) tells no encoding, and Excel's plain
// "CSV" writes only the rows with accents so.
std::string Windows1252Hint(const RowRecord& row) {
  const bool utf8 =
      std::all_of(row.fields().begin(), row.fields().end(),
                  [](const std::string& f) { return text::IsValidUtf8(f); });
  const bool reads_as_1252 =
      std::all_of(row.fields().begin(), row.fields().end(),
                  [](const std::string& f) { return ReadsAsWindows1252(f); });
  if (utf8 || !reads_as_1252) return "";
  return ": the row reads as Windows-1252, which Excel writes for plain \"CSV\"; save "
         "the file as \"CSV UTF-8\" and upload it again";
}

// Spreadsheets save every row of the range a sheet has used, and a row
// with nothing in it as separators alone (",,"): formatting the Client
// Number column as text down to row 2,000 wrote as many. Nobody sees such a
// row; it is skipped as a blank line is, and counts as none.
bool IsRowOfEmptyCells(const csv::Record& record) {
  return record.error.empty() &&
         std::all_of(record.fields.begin(), record.fields.end(),
                     [](const std::string& f) { return text::Trim(f).empty(); });
}

// Excel's "sep=;" line: a first line naming the separator, written by
// tools so that Excel in any locale splits the file, and not a row Excel
// shows. Takes it, and a BOM before it, off `bytes` and returns the
// separator.
std::optional<char> TakeSeparatorLine(absl::string_view& bytes) {
  const bool bom = absl::StartsWith(bytes, csv::kBom);
  absl::string_view rest = bytes.substr(bom ? csv::kBom.size() : 0);
  if (!absl::StartsWith(rest, "sep=") || rest.size() < 5 ||
      absl::string_view(",;\t").find(rest[4]) == absl::string_view::npos) {
    return std::nullopt;
  }
  const char separator = rest[4];
  rest.remove_prefix(5);
  if (absl::StartsWith(rest, "\r\n")) {
    rest.remove_prefix(2);
  } else if (absl::StartsWith(rest, "\n") || absl::StartsWith(rest, "\r")) {
    rest.remove_prefix(1);
  } else if (!rest.empty()) {
    return std::nullopt;
  }
  bytes = rest;
  return separator;
}

}  // namespace

std::array<std::string, 3> HeaderNames(v1::HeaderLanguage language) {
  switch (language) {
    case v1::ITALIAN:
      return {"ID società", "Nome visualizzato", "Numero cliente"};
    case v1::SPANISH:
      return {"Id. de la empresa", "Nombre para mostrar", "Número de cliente"};
    case v1::FRENCH:
      return {"ID de l'entreprise", "Nom d'affichage", "Numéro de client"};
    default:
      return {"Company ID", "Display Name", "Client Number"};
  }
}

std::string ErrorColumnName(v1::HeaderLanguage language) {
  switch (language) {
    case v1::ITALIAN:
      return "Errore";
    case v1::FRENCH:
      return "Erreur";
    default:
      return "Error";
  }
}

absl::StatusOr<ImportFile> ReadImportFile(absl::string_view bytes) {
  if (bytes.size() > kMaxFileBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the file has ", bytes.size(), " bytes; at most ", kMaxFileBytes,
                     " bytes (100 KB) are accepted: split it into smaller files"));
  }
  if (absl::string_view other = SavedAsInstead(bytes); !other.empty()) {
    return errors::InvalidField("csv", absl::StrCat("the file is ", other,
                                                    "; save it as \"CSV UTF-8\" and "
                                                    "upload it again"));
  }
  const std::optional<char> named = TakeSeparatorLine(bytes);
  const char separator = named.has_value() ? *named : csv::DetectSeparator(bytes);
  std::vector<csv::Record> records = csv::Parse(bytes, separator);
  size_t first = 0;
  while (first < records.size() && records[first].blank) ++first;
  if (first == records.size()) {
    return errors::InvalidField("csv", "the file is empty: expected a header row");
  }
  const csv::Record& header = records[first];
  if (absl::Status s = CheckHeaderEncoding(header); !s.ok()) return s;
  if (!header.error.empty()) {
    return errors::InvalidField(
        "csv", absl::StrCat("the header row cannot be read: ", header.error));
  }

  // The language whose headers the file has most of; all three are needed.
  ImportFile file;
  file.separator = separator;
  int best_found = -1;
  std::vector<std::string> best_missing;
  for (v1::HeaderLanguage language : kLanguages) {
    std::array<std::string, 3> names = HeaderNames(language);
    std::array<int, 3> index{-1, -1, -1};
    std::vector<std::string> missing;
    int found = 0;
    for (int column = 0; column < 3; ++column) {
      for (size_t i = 0; i < header.fields.size(); ++i) {
        if (HeaderKey(header.fields[i]) == HeaderKey(names[column])) {
          index[column] = static_cast<int>(i);
        }
      }
      if (index[column] < 0) {
        missing.push_back(absl::StrCat("'", names[column], "'"));
      } else {
        ++found;
      }
    }
    if (found > best_found) {
      best_found = found;
      best_missing = missing;
      file.language = language;
      file.column_index = index;
      for (int column = 0; column < 3; ++column) {
        file.header[column] =
            index[column] < 0 ? names[column] : header.fields[index[column]];
      }
    }
  }
  if (!best_missing.empty()) {
    return errors::InvalidField(
        "csv",
        absl::StrCat("missing or misspelled header ", absl::StrJoin(best_missing, ", "),
                     "; the file must have the headers ",
                     absl::StrJoin(HeaderNames(v1::ENGLISH), ", "),
                     " (or their Italian, Spanish or French names); found: ",
                     absl::StrJoin(header.fields, ", ")));
  }

  for (size_t r = first + 1; r < records.size(); ++r) {
    csv::Record& record = records[r];
    if (record.blank || IsRowOfEmptyCells(record)) continue;
    RowRecord& row = file.rows.emplace_back();
    row.set_line(static_cast<int32_t>(record.line));
    for (std::string& field : record.fields) row.add_fields(std::move(field));
    if (!record.error.empty()) {
      row.set_parse_error_code(v1::ImportError::MALFORMED_ROW);
      row.set_parse_error(absl::StrCat(record.error, Windows1252Hint(row)));
    } else if (record.fields.size() != header.fields.size()) {
      row.set_parse_error_code(v1::ImportError::WRONG_COLUMN_COUNT);
      row.set_parse_error(absl::StrCat("the row has ", record.fields.size(),
                                       " columns; the header has ",
                                       header.fields.size()));
    }
  }
  if (file.rows.size() > kMaxDataRows) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the file has ", file.rows.size(), " data rows; at most ",
                     kMaxDataRows, " are accepted: split it into smaller files"));
  }
  if (file.rows.empty()) {
    return errors::InvalidField("csv", "the file has a header but no data rows");
  }
  return file;
}

}  // namespace clientbook::importer
