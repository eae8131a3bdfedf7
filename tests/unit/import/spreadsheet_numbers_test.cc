#include "services/import/domain/spreadsheet_numbers.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clientbook::importer {
namespace {

bool CouldBe(absl::string_view shown, uint64_t id) {
  std::optional<RoundedId> rounded = RoundedId::Parse(shown);
  return rounded.has_value() && rounded->CouldBe(id);
}

TEST(RoundedIdTest, ReadsWhatSpreadsheetsWrite) {
  for (absl::string_view shown :
       {"1E+12", "1e+12", "1E+012", "1.00000E+12", "1,00000000100E+12", "9.99E+14"}) {
    EXPECT_TRUE(RoundedId::Parse(shown).has_value()) << shown;
  }
  for (absl::string_view shown :
       {"1E12", "-1E+12", "1E-12", "1E+", "E+12", "1.E+12", ".5E+12", "1.0.0E+12",
        "1 E+12", "1E+1x", "1000000001002", "", "1234567890123456789E+1", "1E+123",
        "0E+20", "0,000E+5"}) {
    EXPECT_FALSE(RoundedId::Parse(shown).has_value()) << shown;
  }
}

// Half a unit of the last digit shown either way, both ends included (a
// tie rounds up in Excel, to even elsewhere).
TEST(RoundedIdTest, CouldBeEveryIdThatRoundsToTheDigitsShown) {
  EXPECT_TRUE(CouldBe("1E+12", 500'000'000'000));
  EXPECT_TRUE(CouldBe("1E+12", 1'000'000'001'002));
  EXPECT_TRUE(CouldBe("1E+12", 1'500'000'000'000));
  EXPECT_FALSE(CouldBe("1E+12", 499'999'999'999));
  EXPECT_FALSE(CouldBe("1E+12", 1'500'000'000'001));

  EXPECT_TRUE(CouldBe("1,00000000100E+12", 1'000'000'000'995));
  EXPECT_TRUE(CouldBe("1.00000000100E+12", 1'000'000'001'005));
  EXPECT_FALSE(CouldBe("1.00000000100E+12", 1'000'000'000'994));
  EXPECT_FALSE(CouldBe("1.00000000100E+12", 1'000'000'001'006));

  // Every digit shown, or more: that id alone.
  EXPECT_TRUE(CouldBe("1.000000001002E+12", 1'000'000'001'002));
  EXPECT_FALSE(CouldBe("1.000000001002E+12", 1'000'000'001'003));
  EXPECT_TRUE(CouldBe("1.0000000010020E+12", 1'000'000'001'002));
  EXPECT_FALSE(CouldBe("1.0000000010020E+12", 1'000'000'001'001));

  EXPECT_TRUE(CouldBe("1.8E+19", 18'000'000'000'000'000'000u));
  EXPECT_FALSE(CouldBe("9E+20", 18'446'744'073'709'551'615u));
}

TEST(SpreadsheetNumbersTest, ANumberOfDigitsComesBackWithoutItsZerosOrRounded) {
  EXPECT_TRUE(IsSpreadsheetFormOf("42", "00042"));
  EXPECT_TRUE(IsSpreadsheetFormOf("0", "000"));
  EXPECT_TRUE(IsSpreadsheetFormOf("1,23457E+11", "123456789012"));
  EXPECT_TRUE(IsSpreadsheetFormOf("1.23457E+14", "00123456789012345"));

  EXPECT_TRUE(IsSpreadsheetFormOf("3.2", "3.20"));
  EXPECT_TRUE(IsSpreadsheetFormOf("3", "03.00"));
  EXPECT_TRUE(IsSpreadsheetFormOf("0,5", "00,50"));

  EXPECT_FALSE(IsSpreadsheetFormOf("3.21", "3.20"));
  EXPECT_FALSE(IsSpreadsheetFormOf("32", "3.20"));
  EXPECT_FALSE(IsSpreadsheetFormOf("3.2.0", "3.20"));
  EXPECT_FALSE(IsSpreadsheetFormOf("00042", "00042"));  // the same: no change at all
  EXPECT_FALSE(IsSpreadsheetFormOf("43", "00042"));
  EXPECT_FALSE(IsSpreadsheetFormOf("042", "00042"));
  EXPECT_FALSE(IsSpreadsheetFormOf("42", "A-00042"));
  EXPECT_FALSE(IsSpreadsheetFormOf("42", "42000"));
  EXPECT_FALSE(IsSpreadsheetFormOf("2E+11", "123456789012"));
  EXPECT_FALSE(IsSpreadsheetFormOf("", "00042"));
}

// Excel reads "3-12" as the 12th of March, "10-2345" as October 2345, and
// shows and saves them as its locale's "mmm" format does.
TEST(SpreadsheetNumbersTest, DigitsJoinedByADashComeBackAsADate) {
  EXPECT_TRUE(IsSpreadsheetFormOf("12-Mar", "3-12"));
  EXPECT_TRUE(IsSpreadsheetFormOf("Oct-45", "10-2345"));
  EXPECT_TRUE(IsSpreadsheetFormOf("01-déc.", "12/01"));
  EXPECT_TRUE(IsSpreadsheetFormOf("3-gen-24", "1-3-2024"));

  EXPECT_FALSE(IsSpreadsheetFormOf("A-17", "3-12"));  // a number of another scheme
  EXPECT_FALSE(IsSpreadsheetFormOf("12-Mar", "C-3-12"));
  EXPECT_FALSE(IsSpreadsheetFormOf("12-Mar", "3-12345"));
  EXPECT_FALSE(IsSpreadsheetFormOf("Mar-Apr", "3-12"));
  EXPECT_FALSE(IsSpreadsheetFormOf("3-12", "3-12"));
}

TEST(SpreadsheetNumbersTest, WhatASpreadsheetMadeOfANumberTypedIsNamed) {
  EXPECT_THAT(SpreadsheetMade("12-Mar"), ::testing::HasSubstr("a date"));
  EXPECT_THAT(SpreadsheetMade("1,23457E+11"), ::testing::HasSubstr("scientific"));
  for (absl::string_view number : {"A-17", "3-12", "2024/015", "Mar-A", "E+1", ""}) {
    EXPECT_EQ(SpreadsheetMade(number), "") << number;
  }
}

}  // namespace
}  // namespace clientbook::importer
