#include "services/import/domain/spreadsheet_numbers.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

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
  const absl::string_view mantissa = text.substr(0, e);
  const size_t point = mantissa.find_first_of(".,");
  const absl::string_view whole = mantissa.substr(0, point);
  const absl::string_view fraction =
      point == absl::string_view::npos ? absl::string_view() : mantissa.substr(point + 1);
  if (!AllDigits(exponent_digits) || !AllDigits(whole) ||
      (point != absl::string_view::npos && !AllDigits(fraction))) {
    return std::nullopt;
  }
  exponent_digits.remove_prefix(
      std::min(exponent_digits.find_first_not_of('0'), exponent_digits.size()));
  std::string digits = absl::StrCat(whole, fraction);
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  uint64_t significand = 0;
  int exponent = 0;
  if (fraction.size() > kMaxSignificandDigits || digits.size() > kMaxSignificandDigits ||
      exponent_digits.size() > kMaxExponentDigits ||
      (!digits.empty() && !absl::SimpleAtoi(digits, &significand)) ||
      (!exponent_digits.empty() && !absl::SimpleAtoi(exponent_digits, &exponent))) {
    return std::nullopt;
  }
  return RoundedId(significand, exponent - static_cast<int>(fraction.size()));
}

bool RoundedId::CouldBe(uint64_t id) const {
  if (exponent_ > kMaxExponent) return false;
  // Within half a unit of the last digit shown: 2·|id − shown| ≤ 10^exponent_,
  // both sides scaled to integers (a tie rounds either way).
  const unsigned __int128 scaled_id =
      static_cast<unsigned __int128>(id) * PowerOfTen(std::max(0, -exponent_));
  const unsigned __int128 shown =
      static_cast<unsigned __int128>(significand_) * PowerOfTen(std::max(0, exponent_));
  const unsigned __int128 distance =
      scaled_id > shown ? scaled_id - shown : shown - scaled_id;
  return 2 * distance <= PowerOfTen(std::abs(exponent_));
}

bool IsSpreadsheetFormOf(absl::string_view shown, absl::string_view number) {
  if (!AllDigits(number) || shown == number) return false;
  if (AllDigits(shown)) {
    number.remove_prefix(std::min(number.find_first_not_of('0'), number.size() - 1));
    return shown == number;
  }
  uint64_t value = 0;
  const std::optional<RoundedId> rounded = RoundedId::Parse(shown);
  return rounded.has_value() && absl::SimpleAtoi(number, &value) &&
         rounded->CouldBe(value);
}

}  // namespace clientbook::importer
