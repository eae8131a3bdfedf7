#include "common/csv/csv.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clientbook::csv {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(CsvTest, ReadsPlainRecordsWithLineNumbers) {
  auto records = Parse("a,b,c\n1,2,3\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("a", "b", "c"));
  EXPECT_THAT(records[1].fields, ElementsAre("1", "2", "3"));
  EXPECT_EQ(records[1].line, 2u);
}

TEST(CsvTest, CrlfAndLfAreTheSame) {
  EXPECT_EQ(Parse("a,b\r\n1,2\r\n")[1].fields, Parse("a,b\n1,2\n")[1].fields);
  EXPECT_THAT(Parse("a,b\r")[0].fields, ElementsAre("a", "b"));
}

// Excel for Mac's plain "CSV" ends lines with CR alone: each is a line,
// counted as one (inside quotes too), and a line with a stray quote ends
// there.
TEST(CsvTest, CrAloneEndsALine) {
  std::vector<Record> records = Parse("a,b\r1,\"x\ry\"\r2,\"z\"q\r3,4");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_THAT(records[1].fields, ElementsAre("1", "x\ry"));
  EXPECT_EQ(records[2].line, 4u);
  EXPECT_FALSE(records[2].error.empty());
  EXPECT_THAT(records[3].fields, ElementsAre("3", "4"));
  EXPECT_EQ(records[3].line, 5u);
}

TEST(CsvTest, TheByteOrderMarkIsNotPartOfTheFirstField) {
  EXPECT_THAT(Parse("\xEF\xBB\xBF"
                    "Company ID,x\n")[0]
                  .fields,
              ElementsAre("Company ID", "x"));
}

TEST(CsvTest, QuotedFieldsHoldCommasQuotesAndNewlines) {
  auto records =
      Parse("\"Neri, Gialli\",\"say \"\"hi\"\"\",\"two\nlines\"\nnext,row,here\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("Neri, Gialli", "say \"hi\"", "two\nlines"));
  EXPECT_TRUE(records[0].error.empty());
  EXPECT_EQ(records[1].line, 3u);  // the quoted newline moved the line count
}

TEST(CsvTest, EmptyFieldsAndLastLineWithoutNewline) {
  EXPECT_THAT(Parse("a,,c")[0].fields, ElementsAre("a", "", "c"));
  EXPECT_THAT(Parse("a,b,")[0].fields, ElementsAre("a", "b", ""));
}

TEST(CsvTest, BlankLinesAreMarkedBlank) {
  auto records = Parse("a\n\n\r\nb\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_TRUE(records[1].blank);
  EXPECT_TRUE(records[2].blank);
  EXPECT_FALSE(records[3].blank);
  EXPECT_FALSE(Parse("\"\"\n")[0].blank);  // an explicit empty field is data
}

TEST(CsvTest, MalformedQuotingIsReportedOnItsRowOnly) {
  auto records = Parse("ok,1\nbad\"quote,2\n\"closed\"junk,3\nok,4\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_TRUE(records[0].error.empty());
  EXPECT_EQ(records[1].error, "a quote inside an unquoted field");
  EXPECT_EQ(records[2].error, "text after a closing quote");
  EXPECT_TRUE(records[3].error.empty());
  EXPECT_EQ(records[3].line, 4u);
}

TEST(CsvTest, AnUnterminatedQuoteEndsTheFile) {
  auto records = Parse("a,b\n\"never closed,x\ny,z\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].error, "unterminated quoted field");
}

TEST(CsvTest, InvalidUtf8IsAnErrorOfThatRow) {
  auto records = Parse("ok,1\nbad\xff,2\n");
  EXPECT_TRUE(records[0].error.empty());
  EXPECT_EQ(records[1].error, "not valid UTF-8");
}

// OWASP's CSV injection: what a spreadsheet would run is written as text.
TEST(CsvTest, AValueASpreadsheetWouldTakeForAFormulaIsWrittenAsText) {
  for (const char* formula :
       {"=HYPERLINK(\"http://x\")", "+39 02 1234", "-17", "@SUM(A1)", "\t=1", "\r=1"}) {
    EXPECT_EQ(TextCell(formula), absl::StrCat("'", formula));
    EXPECT_EQ(CellValue(TextCell(formula)), formula);
  }
  for (const char* plain : {"Rossi SRL", "R-17", "", "'", "'abc", "a=b", "\uFF1D1"}) {
    EXPECT_EQ(TextCell(plain), plain);
    EXPECT_EQ(CellValue(plain), plain);
  }
  // An apostrophe CellValue would drop is kept by one more.
  for (const char* marked : {"'=1", "''x", "'-17"}) {
    EXPECT_EQ(TextCell(marked), absl::StrCat("'", marked));
    EXPECT_EQ(CellValue(TextCell(marked)), marked);
  }
  EXPECT_EQ(Line({"1002", "=1+1", "-17"}), "1002,'=1+1,'-17\r\n");
  EXPECT_EQ(Line({"=1,2"}), "\"'=1,2\"\r\n");
}

TEST(CsvTest, EmptyInputHasNoRecords) { EXPECT_THAT(Parse(""), IsEmpty()); }

TEST(CsvTest, WritingQuotesOnlyWhatMustBeAndReadsBack) {
  EXPECT_EQ(Field("plain"), "plain");
  EXPECT_EQ(Field("a,b"), "\"a,b\"");
  EXPECT_EQ(Field("say \"x\""), "\"say \"\"x\"\"\"");
  EXPECT_EQ(Field(" padded "), "\" padded \"");
  // Found by tests/fuzz: a leading BOM would be taken for the file's.
  EXPECT_EQ(Parse(Line({"\xEF\xBB\xBFx", "y"}))[0].fields[0], "\xEF\xBB\xBFx");
  const std::vector<std::string> fields = {"1002", "Neri, Gialli & C.", "line\nbreak",
                                           "\"q\""};
  EXPECT_EQ(Parse(Line(fields))[0].fields, fields);
}

// Excel where a comma is the decimal separator writes ';'; tab is the third.
TEST(CsvTest, EachSeparatorQuotesItselfAndReadsBack) {
  EXPECT_EQ(Field("a;b", ';'), "\"a;b\"");
  EXPECT_EQ(Field("a,b", ';'), "a,b");
  EXPECT_EQ(Field("a\tb", '\t'), "\"a\tb\"");
  const std::vector<std::string> fields = {"1002", "Neri; Gialli, & C.", "a\tb", "\"q\""};
  for (char separator : {',', ';', '\t'}) {
    const std::string line = Line(fields, separator);
    EXPECT_EQ(DetectSeparator(line), separator) << line;
    EXPECT_EQ(Parse(line, separator)[0].fields, fields) << line;
  }
}

}  // namespace
}  // namespace clientbook::csv
