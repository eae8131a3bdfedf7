#include "services/import/domain/spreadsheet_numbers.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/text/text.h"

namespace clientbook::importer {
namespace {

// No spreadsheet shows more than 15 significant digits; past these a
// significand or an exponent is nobody's company ID.
constexpr size_t kMaxSignificandDigits = 18;
constexpr size_t kMaxExponentDigits = 2;
// 10^20 is past every uint64_t.
constexpr int kMaxExponent = 20;

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

// Digits, then optionally a decimal point or comma and digits ("42",
// "3.20", "1,00000"): the number a spreadsheet shows, or the significand of
// one in scientific notation.
struct Decimal {
  absl::string_view whole;
  absl::string_view fraction;
  absl::string_view point;  // "", "." or ","
};

std::optional<Decimal> ReadDecimal(absl::string_view text) {
  const size_t point = text.find_first_of(".,");
  if (point == absl::string_view::npos) {
    if (!AllDigits(text)) return std::nullopt;
    return Decimal{.whole = text};
  }
  Decimal d{.whole = text.substr(0, point),
            .fraction = text.substr(point + 1),
            .point = text.substr(point, 1)};
  if (!AllDigits(d.whole) || !AllDigits(d.fraction)) return std::nullopt;
  return d;
}

unsigned __int128 PowerOfTen(int n) {
  unsigned __int128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

}  // namespace

std::optional<RoundedId> RoundedId::Parse(absl::string_view text) {
  const size_t e = text.find_first_of("eE");
  if (e == absl::string_view::npos || e + 1 >= text.size() || text[e + 1] != '+') {
    return std::nullopt;
  }
  absl::string_view exponent_digits = text.substr(e + 2);
  const std::optional<Decimal> mantissa = ReadDecimal(text.substr(0, e));
  if (!AllDigits(exponent_digits) || !mantissa.has_value()) return std::nullopt;
  const absl::string_view fraction = mantissa->fraction;
  exponent_digits.remove_prefix(
      std::min(exponent_digits.find_first_not_of('0'), exponent_digits.size()));
  std::string digits = absl::StrCat(mantissa->whole, fraction);
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  uint64_t significand = 0;
  int exponent = 0;
  if (fraction.size() > kMaxSignificandDigits || digits.size() > kMaxSignificandDigits ||
      exponent_digits.size() > kMaxExponentDigits ||
      (!digits.empty() && !absl::SimpleAtoi(digits, &significand)) ||
      (!exponent_digits.empty() && !absl::SimpleAtoi(exponent_digits, &exponent)) ||
      significand == 0) {
    return std::nullopt;  // nor is 0 shown so, or an ID
  }
  // The value shown is significand × 10^last, `last` being the exponent of
  // the last digit shown (negative when more digits are shown than an
  // integer has). An ID x could be it when it lies within half a unit of
  // that digit, |x − value| ≤ 10^last / 2: scaled to integers by
  // 2 × 10^max(0, −last), |2·x·scale − 2·value·scale| ≤ 10^|last|.
  const int last = exponent - static_cast<int>(fraction.size());
  if (last > kMaxExponent) return RoundedId(1, 0);
  const unsigned __int128 scale = PowerOfTen(std::max(0, -last));
  const unsigned __int128 twice_value =
      2 * static_cast<unsigned __int128>(significand) * PowerOfTen(std::max(0, last));
  const unsigned __int128 unit = PowerOfTen(std::abs(last));
  const unsigned __int128 lowest =
      twice_value <= unit ? 0 : (twice_value - unit + 2 * scale - 1) / (2 * scale);
  const unsigned __int128 highest = (twice_value + unit) / (2 * scale);
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  if (lowest > kMax) return RoundedId(1, 0);
  return RoundedId(static_cast<uint64_t>(lowest),
                   static_cast<uint64_t>(std::min<unsigned __int128>(highest, kMax)));
}

namespace {

// Parts of at most 4 digits joined by one '-' or '/' throughout, two or
// three of them: what a spreadsheet reads as a date ("3-12", "10-2345").
bool LooksLikeADate(absl::string_view number) {
  const size_t separator = number.find_first_of("-/");
  if (separator == absl::string_view::npos) return false;
  const std::vector<absl::string_view> parts = absl::StrSplit(number, number[separator]);
  return (parts.size() == 2 || parts.size() == 3) &&
         std::all_of(parts.begin(), parts.end(),
                     [](absl::string_view p) { return AllDigits(p) && p.size() <= 4; });
}

// A month as a spreadsheet's "mmm" shows it, in the languages of the
// headers (and German): folded, without a closing period ("janv.", "Déc").
bool IsMonth(absl::string_view word) {
  static const auto* const kMonths = new absl::flat_hash_set<std::string>{
      "jan", "feb",  "mar",  "apr",  "may",  "jun",  "jul",  "aug",  "sep",
      "oct", "nov",  "dec",  "gen",  "mag",  "giu",  "lug",  "ago",  "set",
      "ott", "dic",  "ene",  "abr",  "sept", "janv", "févr", "mars", "avr",
      "mai", "juin", "juil", "août", "déc",  "mrz",  "okt",  "dez"};
  return kMonths->contains(text::FoldCase(absl::StripSuffix(word, ".")));
}

// A date as a spreadsheet shows one it read from such a number: a month's
// name and one or two numbers, joined by '-', '/' or blanks ("12-Jan",
// "Oct-45", "01-déc.", "3-mar-24").
bool ShowsADate(absl::string_view shown) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(shown, absl::ByAnyChar("-/ "), absl::SkipEmpty());
  if (parts.size() != 2 && parts.size() != 3) return false;
  int months = 0;
  for (absl::string_view part : parts) {
    if (IsMonth(part)) {
      ++months;
    } else if (!AllDigits(part) || part.size() > 4) {
      return false;
    }
  }
  return months == 1;
}

// Digits with at most one decimal point or comma, as a spreadsheet shows
// the number they read as: without leading zeros or a fraction's trailing
// ones ("00042" as "42", "3.20" as "3.2", "03,00" as "3"). None for other
// text.
std::optional<std::string> DecimalValue(absl::string_view text) {
  std::optional<Decimal> d = ReadDecimal(text);
  if (!d.has_value()) return std::nullopt;
  d->whole.remove_prefix(std::min(d->whole.find_first_not_of('0'), d->whole.size() - 1));
  while (!d->fraction.empty() && d->fraction.back() == '0') d->fraction.remove_suffix(1);
  return d->fraction.empty() ? std::string(d->whole)
                             : absl::StrCat(d->whole, d->point, d->fraction);
}

}  // namespace

bool IsSpreadsheetFormOf(absl::string_view shown, absl::string_view number) {
  if (shown == number) return false;
  if (LooksLikeADate(number) && ShowsADate(shown)) return true;
  if (DecimalValue(number) == shown) return true;
  if (!AllDigits(number)) return false;
  uint64_t value = 0;
  const std::optional<RoundedId> rounded = RoundedId::Parse(shown);
  return rounded.has_value() && absl::SimpleAtoi(number, &value) &&
         rounded->CouldBe(value);
}

std::string SpreadsheetMade(absl::string_view shown) {
  if (ShowsADate(shown)) return "a date a spreadsheet made of a number such as 3-12";
  if (RoundedId::Parse(shown).has_value()) {
    return "a number a spreadsheet rounded into scientific notation";
  }
  return "";
}

}  // namespace clientbook::importer
