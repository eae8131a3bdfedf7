#include "services/import/domain/import_file.h"

#include "common/status/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientbook::importer {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Rows(size_t n) {
  std::string out = "Company ID,Display Name,Client Number\n";
  for (size_t i = 0; i < n; ++i) out += "1002,Rossi,N-" + std::to_string(i) + "\n";
  return out;
}

TEST(ImportFileTest, AcceptsAThousandRowsAndRefusesOneMore) {
  auto ok = ReadImportFile(Rows(1000));
  ASSERT_THAT(ok, IsOk()) << ok.status();
  EXPECT_EQ(ok->rows.size(), 1000u);
  auto over = ReadImportFile(Rows(1001));
  EXPECT_THAT(over, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(over.status().message(), HasSubstr("1001 data rows; at most 1000"));
}

TEST(ImportFileTest, BlankLinesDoNotCountAsRows) {
  std::string file = Rows(1000) + "\n\r\n\n";
  auto read = ReadImportFile(file);
  ASSERT_THAT(read, IsOk()) << read.status();
  EXPECT_EQ(read->rows.size(), 1000u);
}

TEST(ImportFileTest, AcceptsExactly100KiBAndRefusesOneByteMore) {
  std::string file = "Company ID,Display Name,Client Number\n1002,Rossi,N-1\n";
  file += std::string(kMaxFileBytes - file.size() - 1, ' ') + "\n";
  ASSERT_EQ(file.size(), kMaxFileBytes);
  EXPECT_THAT(ReadImportFile(file), IsOk());
  file += "x";
  auto over = ReadImportFile(file);
  EXPECT_THAT(over, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(over.status().message(), HasSubstr("102401 bytes; at most 102400"));
}

TEST(ImportFileTest, ReadsEveryLocalizedHeaderSetInAnyOrder) {
  struct Case {
    std::string header;
    v1::HeaderLanguage language;
  };
  for (const Case& c : {
           Case{"Client Number,Company ID,Display Name", v1::ENGLISH},
           Case{"ID società,Nome visualizzato,Numero cliente", v1::ITALIAN},
           Case{"Número de cliente,Id. de la empresa,Nombre para mostrar", v1::SPANISH},
           Case{"ID de l'entreprise,Nom d'affichage,Numéro de client", v1::FRENCH},
           // As a Mac may save it: "é" as "e" and a combining accent.
           Case{"ID de l'entreprise,Nom d'affichage,Nume\u0301ro de client", v1::FRENCH},
           Case{"Nu\u0301mero de cliente,Id. de la empresa,Nombre para mostrar",
                v1::SPANISH},
       }) {
    auto file = ReadImportFile("\xEF\xBB\xBF" + c.header + "\r\n1,2,3\r\n");
    ASSERT_THAT(file, IsOk()) << c.header << ": " << file.status();
    EXPECT_EQ(file->language, c.language);
  }
  auto reordered =
      ReadImportFile("Client Number,Company ID,Display Name\nN-1,1002,Rossi\n");
  EXPECT_EQ(reordered->column_index[kCompanyId], 1);
  EXPECT_EQ(reordered->column_index[kClientNumber], 0);
}

TEST(ImportFileTest, ExtraColumnsSuchAsTheErrorColumnAreIgnored) {
  auto file =
      ReadImportFile("Company ID,Display Name,Client Number,Error\n1002,Rossi,N-1,x\n");
  ASSERT_THAT(file, IsOk()) << file.status();
  EXPECT_EQ(file->rows[0].parse_error_code(), 0);
}

TEST(ImportFileTest, TheErrorColumnIsNamedInTheFilesLanguage) {
  EXPECT_EQ(ErrorColumnName(v1::ENGLISH), "Error");
  EXPECT_EQ(ErrorColumnName(v1::ITALIAN), "Errore");
  EXPECT_EQ(ErrorColumnName(v1::SPANISH), "Error");
  EXPECT_EQ(ErrorColumnName(v1::FRENCH), "Erreur");
}

TEST(ImportFileTest, AHeaderThatCannotBeReadIsRefusedSayingSo) {
  auto file =
      ReadImportFile("Company ID,\"Display Name\"x,Client Number\n1002,Rossi,N-1\n");
  EXPECT_THAT(file, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(file.status().message(), HasSubstr("the header row cannot be read"));
  EXPECT_EQ(errors::FieldViolationsOf(file.status())[0].field, "csv");
}

TEST(ImportFileTest, AMisspelledHeaderIsNamed) {
  auto file = ReadImportFile("Company ID,Display Name,Client Nmber\n1002,Rossi,N-1\n");
  EXPECT_THAT(file, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(file.status().message(), HasSubstr("'Client Number'"));
  EXPECT_EQ(errors::FieldViolationsOf(file.status())[0].field, "csv");
}

TEST(ImportFileTest, EmptyOrHeaderOnlyFilesAreInvalid) {
  EXPECT_THAT(ReadImportFile(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ReadImportFile("Company ID,Display Name,Client Number\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ImportFileTest, RowProblemsStayOnTheirRows) {
  auto file = ReadImportFile(
      "Company ID,Display Name,Client "
      "Number\n1002,Rossi\n1003,\"Bad\"x,N\n1004,Ok,N-4\n");
  ASSERT_THAT(file, IsOk()) << file.status();
  ASSERT_EQ(file->rows.size(), 3u);
  EXPECT_EQ(file->rows[0].parse_error_code(),
            static_cast<int>(v1::ImportError::WRONG_COLUMN_COUNT));
  EXPECT_EQ(file->rows[1].parse_error_code(),
            static_cast<int>(v1::ImportError::MALFORMED_ROW));
  EXPECT_EQ(file->rows[2].parse_error_code(), 0);
  EXPECT_EQ(file->rows[2].line(), 4);
}

TEST(ImportFileTest, SemicolonAndTabSeparatedFilesAreRead) {
  for (const std::string sep : {";", "\t"}) {
    auto file = ReadImportFile("ID società" + sep + "Nome visualizzato" + sep +
                               "Numero cliente\r\n1001" + sep + "\"Rossi; Bianchi\"" +
                               sep + "R-1,5\r\n");
    ASSERT_THAT(file, IsOk()) << file.status();
    EXPECT_EQ(file->language, v1::ITALIAN);
    ASSERT_EQ(file->rows.size(), 1u);
    EXPECT_THAT(file->rows[0].fields(), ElementsAre("1001", "Rossi; Bianchi", "R-1,5"));
    EXPECT_EQ(file->rows[0].parse_error_code(), 0);
  }
}

TEST(ImportFileTest, AWindows1252HeaderRefusesTheFileAskingForCsvUtf8) {
  auto file =
      ReadImportFile("ID soci\xE9t\xE0;Nome visualizzato;Numero cliente\r\n1;A;B\r\n");
  EXPECT_THAT(file, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(file.status().message(), HasSubstr("Windows-1252"));
  EXPECT_THAT(file.status().message(), HasSubstr("CSV UTF-8"));
}

// Tools write "sep=;" first so Excel splits the file in any locale; Excel
// shows no such row, so the header is still row 1.
TEST(ImportFileTest, ASepLineNamesTheSeparatorAndIsNoRow) {
  for (const std::string& start :
       {std::string("sep=;\r\n"), std::string("\xEF\xBB\xBFsep=;\n")}) {
    auto file = ReadImportFile(
        start + "Company ID;Display Name;Client Number\r\n1001;Rossi, Bianchi;R-1,5\r\n");
    ASSERT_THAT(file, IsOk()) << file.status();
    EXPECT_EQ(file->separator, ';');
    ASSERT_EQ(file->rows.size(), 1u);
    EXPECT_THAT(file->rows[0].fields(), ElementsAre("1001", "Rossi, Bianchi", "R-1,5"));
    EXPECT_EQ(file->rows[0].line(), 2);
  }
  EXPECT_THAT(ReadImportFile("sep=|\nCompany ID|Display Name|Client Number\n1|A|B\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A sheet formatted down to row 2,000 saves its empty rows as ",,": no one
// sees them, and they count as no rows (a row with any cell is one).
TEST(ImportFileTest, RowsOfEmptyCellsAreSkippedAsBlankLines) {
  std::string csv = "Company ID,Display Name,Client Number\r\n1001,Rossi,R-1\r\n";
  for (int i = 0; i < 1999; ++i) csv += ",,\r\n";
  csv += ",Nobody,\r\n, , \r\n";
  auto file = ReadImportFile(csv);
  ASSERT_THAT(file, IsOk()) << file.status();
  ASSERT_EQ(file->rows.size(), 2u);
  EXPECT_EQ(file->rows[1].line(), 2002);
  EXPECT_THAT(ReadImportFile("Company ID,Display Name,Client Number\r\n,,\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// The other choices of Excel's Save As, uploaded by mistake, are named.
TEST(ImportFileTest, AWorkbookOrUtf16TextIsNamedAndRefused) {
  const std::string utf16(
      "\xFF\xFE"
      "C\0o\0m\0",
      8);
  for (const auto& [bytes, named] : std::vector<std::pair<std::string, std::string>>{
           {utf16, "UTF-16"},
           {std::string("PK\x03\x04\x14\0\x06\0", 8), "(.xlsx)"},
           {std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", 10), "(.xls)"}}) {
    auto file = ReadImportFile(bytes);
    EXPECT_THAT(file, StatusIs(absl::StatusCode::kInvalidArgument)) << named;
    EXPECT_THAT(file.status().message(), AllOf(HasSubstr(named), HasSubstr("CSV UTF-8")));
  }
}

TEST(ImportFileTest, ADataRowThatIsNotUtf8IsThatRowsProblemOnly) {
  auto file =
      ReadImportFile("Company ID,Display Name,Client Number\n1,Soci\xE9t\xE9,X\n2,B,Y\n");
  ASSERT_THAT(file, IsOk()) << file.status();
  ASSERT_EQ(file->rows.size(), 2u);
  EXPECT_EQ(file->rows[0].parse_error_code(),
            static_cast<int>(v1::ImportError::MALFORMED_ROW));
  EXPECT_EQ(file->rows[1].parse_error_code(), 0);
}

// An English header is ASCII, so Excel's plain "CSV" passes it and writes
// only the rows with accents in Windows-1252: each says what to do.
TEST(ImportFileTest, ARowInWindows1252AsksForCsvUtf8) {
  auto file = ReadImportFile(
      "Company ID,Display Name,Client Number\n1,Soci\xE9t\xE9,X\n2,\x81\xE9,Y\n");
  ASSERT_THAT(file, IsOk()) << file.status();
  ASSERT_EQ(file->rows.size(), 2u);
  EXPECT_THAT(file->rows[0].parse_error(),
              AllOf(HasSubstr("not valid UTF-8"), HasSubstr("Windows-1252"),
                    HasSubstr("CSV UTF-8")));
  // A byte Windows-1252 leaves undefined: no such advice.
  EXPECT_THAT(file->rows[1].parse_error(), Not(HasSubstr("Windows-1252")));
}

}  // namespace
}  // namespace clientbook::importer
