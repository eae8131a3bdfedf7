#include "common/csv/csv.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/text/text.h"

namespace clientbook::csv {
namespace {

// What spreadsheets take for the start of a formula.
bool StartsFormula(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

// Whether `cell` starts with the apostrophe TextCell writes.
bool HasTextMarker(absl::string_view cell) {
  return cell.size() > 1 && cell[0] == '\'' &&
         (StartsFormula(cell[1]) || cell[1] == '\'');
}

// Parses one record starting at `pos`; leaves `pos` at the start of the
// next one. `line` counts the lines consumed.
Record ParseRecord(absl::string_view data, char separator, size_t& pos, size_t& line) {
  Record record;
  record.line = line;
  std::string field;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field started with a quote
  bool any_quoted = false;  // some field of the record was quoted
  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    was_quoted = false;
  };
  auto end_line = [&](size_t width) {
    pos += width;
    ++line;
  };
  while (pos < data.size()) {
    char c = data[pos];
    if (quoted) {
      if (c == '"') {
        if (pos + 1 < data.size() && data[pos + 1] == '"') {
          field.push_back('"');
          pos += 2;
        } else {
          quoted = false;
          ++pos;
        }
        continue;
      }
      if (c == '\n' || (c == '\r' && (pos + 1 == data.size() || data[pos + 1] != '\n'))) {
        ++line;
      }
      field.push_back(c);
      ++pos;
      continue;
    }
    if (c == separator) {
      end_field();
      ++pos;
    } else if (c == '\r') {
      // CR alone ends a line too: Excel for Mac's plain "CSV" writes it so.
      end_line(pos + 1 < data.size() && data[pos + 1] == '\n' ? 2 : 1);
      break;
    } else if (c == '\n') {
      end_line(1);
      break;
    } else if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = any_quoted = true;
      ++pos;
    } else if (was_quoted) {
      // After a closing quote only a separator or the line end may follow; skip
      // to the end of the line so the next record starts cleanly.
      record.error = "text after a closing quote";
      while (pos < data.size() && data[pos] != '\n' && data[pos] != '\r') ++pos;
      if (pos < data.size()) {
        end_line(pos + 1 < data.size() && data[pos] == '\r' && data[pos + 1] == '\n' ? 2
                                                                                     : 1);
      }
      return record;
    } else {
      if (c == '"') record.error = "a quote inside an unquoted field";
      field.push_back(c);
      ++pos;
    }
  }
  if (quoted) record.error = "unterminated quoted field";
  end_field();
  record.blank = record.fields.size() == 1 && record.fields[0].empty() && !any_quoted &&
                 record.error.empty();
  return record;
}

}  // namespace

char DetectSeparator(absl::string_view data) {
  if (absl::StartsWith(data, kBom)) data.remove_prefix(kBom.size());
  size_t start = data.find_first_not_of("\r\n");
  if (start == absl::string_view::npos) return ',';
  constexpr char kCandidates[] = {',', ';', '\t'};
  size_t counts[3] = {0, 0, 0};
  bool quoted = false;
  for (size_t i = start; i < data.size(); ++i) {
    const char c = data[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n' || c == '\r') break;
    for (int k = 0; k < 3; ++k) counts[k] += c == kCandidates[k];
  }
  int best = 0;
  for (int k = 1; k < 3; ++k) {
    if (counts[k] > counts[best]) best = k;
  }
  return kCandidates[best];
}

std::vector<Record> Parse(absl::string_view data, char separator) {
  if (absl::StartsWith(data, kBom)) data.remove_prefix(kBom.size());
  std::vector<Record> records;
  size_t pos = 0;
  size_t line = 1;
  while (pos < data.size()) {
    const size_t start = pos;
    Record record = ParseRecord(data, separator, pos, line);
    if (record.error.empty() && !text::IsValidUtf8(data.substr(start, pos - start))) {
      record.error = "not valid UTF-8";
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::string Field(absl::string_view value, char separator) {
  // A leading byte-order mark is quoted too: unquoted at the start of a file
  // it would be read back as the file's BOM and dropped.
  const char specials[] = {separator, '"', '\r', '\n'};
  const bool needs_quotes =
      value.find_first_of(absl::string_view(specials, sizeof(specials))) !=
          absl::string_view::npos ||
      (!value.empty() && (value.front() == ' ' || value.back() == ' ')) ||
      absl::StartsWith(value, kBom);
  if (!needs_quotes) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string TextCell(absl::string_view value) {
  if (!value.empty() && (StartsFormula(value.front()) || HasTextMarker(value))) {
    return absl::StrCat("'", value);
  }
  return std::string(value);
}

absl::string_view CellValue(absl::string_view cell) {
  return HasTextMarker(cell) ? cell.substr(1) : cell;
}

std::string Line(const std::vector<std::string>& fields, char separator) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(separator);
    out += Field(TextCell(fields[i]), separator);
  }
  out += "\r\n";
  return out;
}

}  // namespace clientbook::csv
