// The real import service against the real directory service, each on an
// ephemeral port with its own RocksDB: export, edit, import, error report.
#include "clientbook/v1/changes.grpc.pb.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "clientbook/v1/import.grpc.pb.h"
#include "common/client/outgoing_call.h"
#include "common/csv/csv.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/import/domain/import_file.h"
#include "tests/support/callers.h"
#include "tests/support/csv_stream.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/import_jobs.h"
#include "tests/support/in_process_directory.h"
#include "tests/support/in_process_import.h"
#include "tests/support/longest_products.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(10);

class ImportServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::make_unique<testing::InProcessDirectory>(dir_.Sub("directory"),
                                                               clock_, wholesale_);
    const std::string directory_target = directory_->target();

    import_ = std::make_unique<testing::InProcessImport>(dir_.Sub("import"),
                                                         directory_target, clock_);
    const std::string import_target = import_->Serve();

    dir_stub_ = v1::DirectoryService::NewStub(client::Connect(directory_target));
    import_stub_ = v1::ImportService::NewStub(client::Connect(import_target));
    import_changes_ = v1::ChangeService::NewStub(client::Connect(import_target));

    v1::CreateFirmRequest create_firm;
    create_firm.mutable_firm()->set_display_name("Studio");
    create_firm.set_creator_email("alice@studio.example");
    v1::Firm firm;
    ASSERT_THAT(dir_stub_->CreateFirm(Ctx().get(), create_firm, &firm), IsOk());
    firm_ = firm.name();
    for (const char* name : {"Rossi SRL", "Bianchi SpA", "Neri, Gialli & C."}) {
      v1::CreateClientRequest req;
      req.set_parent(firm_);
      req.mutable_client()->set_display_name(name);
      req.mutable_client()->set_client_type(v1::BUSINESS);
      v1::Client client;
      ASSERT_THAT(dir_stub_->CreateClient(Ctx().get(), req, &client), IsOk());
    }
  }

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& user = "alice") {
    return client::ContextFor(testing::As(user), kTimeout);
  }

  std::string Export(v1::CsvSeparator separator = v1::CSV_SEPARATOR_UNSPECIFIED) {
    v1::ExportClientsRequest req;
    req.set_parent(firm_);
    req.set_separator(separator);
    auto ctx = Ctx();
    testing::CsvDownload download =
        testing::ReadCsv(*import_stub_->ExportClients(ctx.get(), req));
    EXPECT_THAT(download.status, IsOk()) << download.status.error_message();
    return download.csv;
  }

  // Starts an import and watches it to its end.
  v1::ImportJob ImportAndWait(const std::string& csv,
                              const std::string& request_id = "") {
    v1::StartImportRequest req;
    req.set_parent(firm_);
    req.set_csv(csv);
    req.set_request_id(request_id);
    v1::ImportJob job;
    grpc::Status s = import_stub_->StartImport(Ctx().get(), req, &job);
    EXPECT_THAT(s, IsOk()) << s.error_message();
    auto ctx = Ctx();
    EXPECT_THAT(testing::FollowToItsEnd(*import_stub_, *ctx, job), IsOk());
    return job;
  }

  // An export's `rows` as a file again, row i numbered `prefix` i.
  static std::string Numbered(std::vector<csv::Record> rows, const std::string& prefix) {
    std::string file(csv::kBom);
    file += csv::Line(rows[0].fields);
    for (size_t i = 1; i < rows.size(); ++i) {
      rows[i].fields[2] = absl::StrCat(prefix, i);
      file += csv::Line(rows[i].fields);
    }
    return file;
  }

  std::map<std::string, std::string> NumbersByName() {
    v1::ListClientsRequest req;
    req.set_parent(firm_);
    v1::ListClientsResponse resp;
    EXPECT_THAT(dir_stub_->ListClients(Ctx().get(), req, &resp), IsOk());
    std::map<std::string, std::string> out;
    for (const auto& c : resp.clients()) out[c.display_name()] = c.client_number();
    return out;
  }

  // For an import whose jobs stay VALIDATING: a watch stays open on one.
  class NeverRuns final : public importer::JobScheduler {
   public:
    void Schedule(names::ImportJobName) override {}
    void ScheduleAfter(names::ImportJobName, absl::Duration) override {}
  } never_runs_;
  testing::TempDir dir_;
  SystemClock clock_;
  directory::FakeWholesaleCheck wholesale_;
  std::unique_ptr<testing::InProcessDirectory> directory_;
  std::unique_ptr<testing::InProcessImport> import_;
  std::unique_ptr<v1::DirectoryService::Stub> dir_stub_;
  std::unique_ptr<v1::ImportService::Stub> import_stub_;
  std::unique_ptr<v1::ChangeService::Stub> import_changes_;
  std::string firm_;
};

// Issue 21: ListImportJobs, as ListClients, returns a change_token for the
// list-then-watch recipe (it named no position).
TEST_F(ImportServiceTest, AListOfJobsReturnsTheFeedPositionItWasReadAt) {
  v1::ListImportJobsRequest list;
  list.set_parent(firm_);
  v1::ListImportJobsResponse listed;
  ASSERT_THAT(import_stub_->ListImportJobs(Ctx().get(), list, &listed), IsOk());
  ASSERT_FALSE(listed.change_token().empty());
  const v1::ImportJob job = ImportAndWait(Export(), "listed-1");
  v1::ListChangesRequest req;
  req.set_parent(firm_);
  req.set_resume_token(listed.change_token());
  v1::ListChangesResponse resp;
  ASSERT_THAT(import_changes_->ListChanges(Ctx().get(), req, &resp), IsOk());
  ASSERT_GE(resp.events_size(), 2);
  EXPECT_EQ(resp.events(0).type(), v1::ChangeEvent::CREATED);
  EXPECT_EQ(resp.events(0).name(), job.name());
  list.set_unfinished_only(true);
  ASSERT_THAT(import_stub_->ListImportJobs(Ctx().get(), list, &listed), IsOk());
  EXPECT_FALSE(listed.change_token().empty());
}

// Import's feed: a job's states and counts (never its rows), with the
// member who started it as the actor; another firm's member reads none.
TEST_F(ImportServiceTest, AJobsStatesAreInImportsFeed) {
  const v1::ImportJob job = ImportAndWait(Export(), "feed-1");
  ASSERT_EQ(job.state(), v1::ImportJob::SUCCEEDED);
  v1::ListChangesRequest req;
  req.set_parent(firm_);
  req.set_filter(absl::StrCat("name = \"", job.name(), "\""));
  v1::ListChangesResponse resp;
  ASSERT_THAT(import_changes_->ListChanges(Ctx().get(), req, &resp), IsOk());
  ASSERT_GE(resp.events_size(), 2);
  EXPECT_EQ(resp.events(0).type(), v1::ChangeEvent::CREATED);
  EXPECT_EQ(resp.events(0).actor(), "alice");
  EXPECT_EQ(resp.events(0).request_id(), "feed-1");
  const v1::ChangeEvent& last = *resp.events().rbegin();
  EXPECT_EQ(last.type(), v1::ChangeEvent::UPDATED);
  EXPECT_EQ(last.source(), "import");
  EXPECT_EQ(last.resource().import_job().state(), v1::ImportJob::SUCCEEDED);
  EXPECT_EQ(last.resource().import_job().total_rows(), job.total_rows());
  EXPECT_THAT(last.changed_fields().paths(), ::testing::Contains("state"));
  // Each change of the job gives it a new etag, the one a read answers.
  EXPECT_EQ(last.etag(), job.etag());
  for (size_t i = 1; i < static_cast<size_t>(resp.events_size()); ++i) {
    EXPECT_GT(resp.events(i).sequence(), resp.events(i - 1).sequence());
    EXPECT_NE(resp.events(i).etag(), resp.events(i - 1).etag());
  }
  EXPECT_THAT(import_changes_->ListChanges(Ctx("mallory").get(), req, &resp),
              StatusIs(absl::StatusCode::kPermissionDenied));

  // A SNAPSHOT of import holds the job as it now is.
  auto ctx = Ctx();
  v1::WatchChangesRequest watch;
  watch.set_parent(firm_);
  watch.set_start(v1::WatchChangesRequest::SNAPSHOT);
  auto stream = import_changes_->WatchChanges(ctx.get(), watch);
  std::vector<v1::ChangeEvent> found;
  v1::WatchChangesResponse response;
  while (stream->Read(&response)) {
    found.insert(found.end(), response.events().begin(), response.events().end());
    if (response.snapshot_complete()) break;
  }
  ctx->TryCancel();
  stream->Finish();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].type(), v1::ChangeEvent::EXISTS);
  EXPECT_EQ(found[0].name(), job.name());
  EXPECT_EQ(found[0].sequence(), last.sequence());
  EXPECT_EQ(found[0].resource().import_job().state(), v1::ImportJob::SUCCEEDED);

  // Import's audit, newest first: the snapshot's read (ended, begun), the
  // job's steps (its starter the actor), the export that took the list out
  // (a read, never in the feed: ended, begun).
  v1::ListAuditEntriesRequest audit;
  audit.set_parent(firm_);
  audit.set_filter("actor = \"alice\"");
  v1::ListAuditEntriesResponse entries;
  ASSERT_THAT(import_changes_->ListAuditEntries(Ctx().get(), audit, &entries), IsOk());
  ASSERT_GE(entries.audit_entries_size(), 6);
  // The newest: the SNAPSHOT above, a read too.
  EXPECT_EQ(entries.audit_entries(0).change().type(), v1::ChangeEvent::EXPORTED);
  EXPECT_EQ(entries.audit_entries(0).change().method(),
            "/clientbook.v1.ChangeService/WatchChanges");
  EXPECT_EQ(entries.audit_entries(0).rows_read(), 1);
  EXPECT_EQ(entries.audit_entries(1).change().type(), v1::ChangeEvent::EXPORT_STARTED);
  EXPECT_EQ(entries.audit_entries(1).change().name(), firm_);
  EXPECT_EQ(entries.audit_entries(2).change().sequence(), last.sequence());
  const v1::AuditEntry& begun = *entries.audit_entries().rbegin();
  EXPECT_EQ(begun.change().type(), v1::ChangeEvent::EXPORT_STARTED);
  EXPECT_EQ(begun.change().method(), "/clientbook.v1.ImportService/ExportClients");
  EXPECT_EQ(begun.rows_read(), 0);
  const v1::AuditEntry& exported = *(entries.audit_entries().rbegin() + 1);
  EXPECT_EQ(exported.change().type(), v1::ChangeEvent::EXPORTED);
  EXPECT_EQ(exported.change().name(), firm_);
  EXPECT_EQ(exported.change().method(), "/clientbook.v1.ImportService/ExportClients");
  EXPECT_EQ(exported.rows_read(), job.total_rows());
  const v1::AuditEntry& created = *(entries.audit_entries().rbegin() + 2);
  EXPECT_EQ(created.change().type(), v1::ChangeEvent::CREATED);
  EXPECT_EQ(created.change().method(), "/clientbook.v1.ImportService/StartImport");
  req.clear_filter();
  ASSERT_THAT(import_changes_->ListChanges(Ctx().get(), req, &resp), IsOk());
  ASSERT_FALSE(resp.events().empty());
  for (const v1::ChangeEvent& event : resp.events()) {
    EXPECT_NE(event.type(), v1::ChangeEvent::EXPORTED) << "a read is not a change";
    EXPECT_NE(event.type(), v1::ChangeEvent::EXPORT_STARTED) << "a read is not a change";
  }

  // The error report a member downloads is kept too.
  v1::DownloadErrorReportRequest download;
  download.set_name(job.name());
  auto ctx_report = Ctx();
  ASSERT_THAT(
      testing::ReadCsv(*import_stub_->DownloadErrorReport(ctx_report.get(), download))
          .status,
      IsOk());
  audit.set_filter("type = EXPORTED");
  ASSERT_THAT(import_changes_->ListAuditEntries(Ctx().get(), audit, &entries), IsOk());
  ASSERT_EQ(entries.audit_entries_size(), 3);  // the report, the snapshot, the export
  EXPECT_EQ(entries.audit_entries(0).change().name(), job.name());
  EXPECT_EQ(entries.audit_entries(0).rows_read(), 0);
}

TEST_F(ImportServiceTest, ExportFillImportAndTheDirectoryHasTheNumbers) {
  std::vector<csv::Record> rows = csv::Parse(Export());
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_THAT(rows[0].fields, ElementsAre("Company ID", "Display Name", "Client Number"));
  v1::ImportJob job = ImportAndWait(Numbered(rows, "C-"));
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
  EXPECT_EQ(job.applied_rows(), 3);
  EXPECT_EQ(NumbersByName().size(), 3u);
  for (const auto& [name, number] : NumbersByName()) EXPECT_FALSE(number.empty()) << name;
}

// Excel where a comma is the decimal separator reads and writes ';': the
// export asked so uploads back as it is. A separator of no kind is refused.
TEST_F(ImportServiceTest, AnExportWithSemicolonsUploadsBackUnchanged) {
  const std::string exported = Export(v1::SEMICOLON);
  EXPECT_THAT(exported, HasSubstr("Company ID;Display Name;Client Number\r\n"));
  std::vector<csv::Record> rows = csv::Parse(exported, ';');
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].fields.size(), 3u);
  v1::ImportJob job = ImportAndWait(exported);
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
  EXPECT_EQ(job.unchanged_rows(), 3);
  EXPECT_THAT(csv::Parse(Export(v1::TAB), '\t')[0].fields,
              ElementsAre("Company ID", "Display Name", "Client Number"));

  v1::ExportClientsRequest req;
  req.set_parent(firm_);
  req.set_separator(static_cast<v1::CsvSeparator>(9));
  auto ctx = Ctx();
  testing::CsvDownload download =
      testing::ReadCsv(*import_stub_->ExportClients(ctx.get(), req));
  EXPECT_EQ(download.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(download.status.error_message(), HasSubstr("separator"));
}

// A file's clients may each hold 50 products of 100 four-byte characters
// (21 KB): 250 of them came to 5 MB in the directory's answers, over the
// 4 MiB a message may be, and the job failed (its numbers written once the
// batch's answer was refused). The job asks for the fields it reads.
TEST_F(ImportServiceTest, AFileOfClientsWithManyLongProductsImportsWhole) {
  for (int i = 0; i < 250; ++i) {
    v1::Client client;
    ASSERT_THAT(
        dir_stub_->CreateClient(
            Ctx().get(), testing::CreateLargestClient(firm_, absl::StrCat("Verdi ", i)),
            &client),
        IsOk());
  }
  std::vector<csv::Record> rows = csv::Parse(Export());
  ASSERT_EQ(rows.size(), 254u);
  v1::ImportJob job = ImportAndWait(Numbered(rows, "V-"));
  EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
  EXPECT_EQ(job.applied_rows(), 253);
}

TEST_F(ImportServiceTest, MixedRowsLeaveAnErrorLogAndAReportThatUploadsAgain) {
  std::vector<csv::Record> rows = csv::Parse(Export());
  std::string file = csv::Line(rows[0].fields);
  file += csv::Line({rows[1].fields[0], rows[1].fields[1], "N-1"});
  file += csv::Line({rows[2].fields[0], "Renamed", "N-2"});
  file += csv::Line({rows[3].fields[0], rows[3].fields[1], "n-1"});
  v1::ImportJob job = ImportAndWait(file);
  EXPECT_EQ(job.state(), v1::ImportJob::FAILED);
  EXPECT_EQ(job.rejected_rows(), 3);

  v1::ListImportErrorsRequest list;
  list.set_parent(job.name());
  v1::ListImportErrorsResponse errors;
  ASSERT_THAT(import_stub_->ListImportErrors(Ctx().get(), list, &errors), IsOk());
  ASSERT_EQ(errors.errors_size(), 3);
  EXPECT_EQ(errors.errors(0).code(), v1::ImportError::DUPLICATE_IN_FILE);
  EXPECT_EQ(errors.errors(1).code(), v1::ImportError::DISPLAY_NAME_CHANGED);
  EXPECT_EQ(errors.errors(1).row(), 3);

  v1::DownloadErrorReportRequest download;
  download.set_name(job.name());
  auto ctx = Ctx();
  testing::CsvDownload report =
      testing::ReadCsv(*import_stub_->DownloadErrorReport(ctx.get(), download));
  ASSERT_THAT(report.status, IsOk()) << report.status.error_message();
  std::vector<csv::Record> fix = csv::Parse(report.csv);
  ASSERT_EQ(fix.size(), 4u);
  fix[2].fields[1] = rows[2].fields[1];  // the real name back
  fix[3].fields[2] = "N-3";              // a number of its own
  std::string fixed;
  for (const csv::Record& r : fix) fixed += csv::Line(r.fields);
  v1::ImportJob second = ImportAndWait(fixed);
  EXPECT_EQ(second.state(), v1::ImportJob::SUCCEEDED) << second.failure_reason();
  EXPECT_EQ(second.applied_rows(), 3);
}

TEST_F(ImportServiceTest, OverTheLimitsIsRefusedBeforeAnyJob) {
  std::string big = "Company ID,Display Name,Client Number\n";
  while (big.size() <= importer::kMaxFileBytes) big += "1,Name,Number\n";
  v1::StartImportRequest req;
  req.set_parent(firm_);
  req.set_csv(big);
  v1::ImportJob job;
  grpc::Status s = import_stub_->StartImport(Ctx().get(), req, &job);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(s.error_message(), HasSubstr("bytes"));

  auto ctx = Ctx();
  auto writer = import_stub_->UploadImport(ctx.get(), &job);
  v1::UploadImportRequest part;
  part.set_parent(firm_);
  for (size_t at = 0; at < big.size(); at += 10000) {
    part.set_csv(big.substr(at, 10000));
    if (!writer->Write(part)) break;
    part.clear_parent();
  }
  writer->WritesDone();
  EXPECT_THAT(writer->Finish(), StatusIs(absl::StatusCode::kResourceExhausted));

  v1::ListImportJobsRequest list;
  list.set_parent(firm_);
  v1::ListImportJobsResponse jobs;
  ASSERT_THAT(import_stub_->ListImportJobs(Ctx().get(), list, &jobs), IsOk());
  EXPECT_EQ(jobs.import_jobs_size(), 0);
}

TEST_F(ImportServiceTest, ChunkedUploadImportsLikeAUnaryOne) {
  std::vector<csv::Record> rows = csv::Parse(Export());
  std::string file = csv::Line(rows[0].fields) +
                     csv::Line({rows[1].fields[0], rows[1].fields[1], "UP-1"});
  auto ctx = Ctx();
  v1::ImportJob job;
  auto writer = import_stub_->UploadImport(ctx.get(), &job);
  v1::UploadImportRequest first;
  first.set_parent(firm_);
  first.set_file_name("upload.csv");
  first.set_csv(file.substr(0, 10));
  ASSERT_TRUE(writer->Write(first));
  v1::UploadImportRequest rest;
  rest.set_csv(file.substr(10));
  ASSERT_TRUE(writer->Write(rest));
  writer->WritesDone();
  ASSERT_THAT(writer->Finish(), IsOk());
  EXPECT_EQ(job.file_name(), "upload.csv");
}

// A caller gone mid-upload sent part of a file: nothing is imported (the
// part read so far may well parse as a smaller file).
TEST_F(ImportServiceTest, AnUploadCancelledMidStreamStartsNoJob) {
  std::vector<csv::Record> rows = csv::Parse(Export());
  auto ctx = Ctx();
  v1::ImportJob job;
  auto writer = import_stub_->UploadImport(ctx.get(), &job);
  v1::UploadImportRequest first;
  first.set_parent(firm_);
  first.set_csv(csv::Line(rows[0].fields) +
                csv::Line({rows[1].fields[0], rows[1].fields[1], "HALF-1"}));
  ASSERT_TRUE(writer->Write(first));
  ctx->TryCancel();
  EXPECT_THAT(writer->Finish(), StatusIs(absl::StatusCode::kCancelled));
  v1::ListImportJobsRequest list;
  list.set_parent(firm_);
  v1::ListImportJobsResponse jobs;
  ASSERT_THAT(import_stub_->ListImportJobs(Ctx().get(), list, &jobs), IsOk());
  EXPECT_EQ(jobs.import_jobs_size(), 0);
}

TEST_F(ImportServiceTest, AnUploadOfNoMessageIsInvalidAndStartsNoJob) {
  auto ctx = Ctx();
  v1::ImportJob job;
  auto writer = import_stub_->UploadImport(ctx.get(), &job);
  writer->WritesDone();
  EXPECT_THAT(writer->Finish(),
              StatusIs(absl::StatusCode::kInvalidArgument, "the upload sent nothing"));
  v1::ListImportJobsRequest list;
  list.set_parent(firm_);
  list.set_unfinished_only(true);
  v1::ListImportJobsResponse jobs;
  ASSERT_THAT(import_stub_->ListImportJobs(Ctx().get(), list, &jobs), IsOk());
  EXPECT_EQ(jobs.import_jobs_size(), 0);
  list.set_unfinished_only(false);
  v1::ListImportJobsResponse all;
  ASSERT_THAT(import_stub_->ListImportJobs(Ctx().get(), list, &all), IsOk());
  EXPECT_EQ(all.import_jobs_size(), 0);
}

TEST_F(ImportServiceTest, AnotherFirmsMemberSeesNothing) {
  v1::ExportClientsRequest req;
  req.set_parent(firm_);
  auto ctx = Ctx("mallory");
  testing::CsvDownload refused =
      testing::ReadCsv(*import_stub_->ExportClients(ctx.get(), req));
  EXPECT_EQ(refused.chunks, 0);
  EXPECT_THAT(refused.status, StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(ImportServiceTest, SixtyConflictingRowsAreEachInTheErrorLog) {
  std::string csv = "Company ID;Display Name;Client Number\r\n";
  for (int i = 0; i < 60; ++i) {
    v1::Client holder, taker;
    v1::CreateClientRequest req;
    req.set_parent(firm_);
    req.mutable_client()->set_client_type(v1::BUSINESS);
    req.mutable_client()->set_display_name(absl::StrCat("Holder ", i));
    req.mutable_client()->set_client_number(absl::StrCat("H-", i, std::string(80, 'x')));
    ASSERT_THAT(dir_stub_->CreateClient(Ctx().get(), req, &holder), IsOk());
    req.mutable_client()->set_display_name(absl::StrCat("Taker ", i));
    req.mutable_client()->clear_client_number();
    ASSERT_THAT(dir_stub_->CreateClient(Ctx().get(), req, &taker), IsOk());
    absl::StrAppend(&csv, taker.company_id(), ";Taker ", i, ";", holder.client_number(),
                    "\r\n");
  }
  v1::ImportJob job = ImportAndWait(csv);
  EXPECT_EQ(job.state(), v1::ImportJob::FAILED);
  EXPECT_THAT(job.failure_reason(), HasSubstr("no row could be applied"));
  EXPECT_EQ(job.rejected_rows(), 60);
  v1::ListImportErrorsRequest list;
  list.set_parent(job.name());
  list.set_page_size(1000);
  v1::ListImportErrorsResponse errors;
  ASSERT_THAT(import_stub_->ListImportErrors(Ctx().get(), list, &errors), IsOk());
  ASSERT_EQ(errors.errors_size(), 60);
  for (const v1::ImportError& e : errors.errors()) {
    EXPECT_EQ(e.code(), v1::ImportError::CLIENT_NUMBER_TAKEN);
  }
}

TEST_F(ImportServiceTest, BytesThatAreNotUtf8AreShownEscapedAndKeptAsBytes) {
  std::vector<csv::Record> rows = csv::Parse(Export());
  const std::string bad_name = "Rossi \xC0\xC1 SRL";
  std::string csv = "Company ID,Display Name,Client Number\r\n";
  absl::StrAppend(&csv, rows[1].fields[0], ",", rows[1].fields[1], ",OK-1\r\n");
  absl::StrAppend(&csv, rows[2].fields[0], ",", bad_name, ",X-1\r\n");
  v1::ImportJob job = ImportAndWait(csv);
  EXPECT_EQ(job.state(), v1::ImportJob::PARTIALLY_SUCCEEDED) << job.failure_reason();
  v1::ListImportErrorsRequest list;
  list.set_parent(job.name());
  v1::ListImportErrorsResponse errors;
  ASSERT_THAT(import_stub_->ListImportErrors(Ctx().get(), list, &errors), IsOk());
  ASSERT_EQ(errors.errors_size(), 1);
  EXPECT_EQ(errors.errors(0).code(), v1::ImportError::MALFORMED_ROW);
  EXPECT_EQ(errors.errors(0).original(1), "Rossi \\xC0\\xC1 SRL");
  EXPECT_EQ(errors.errors(0).original_bytes(1), bad_name);
}

// A job nobody runs, watched while the service stops: the watch ends
// UNAVAILABLE (its caller watches again elsewhere), not waited for through
// the grace and then cancelled.
TEST_F(ImportServiceTest, AWatchOpenAtShutdownEndsUnavailable) {
  testing::InProcessImport idle(dir_.Sub("idle-import"), directory_->target(), clock_,
                                &never_runs_);
  auto stub = v1::ImportService::NewStub(client::Connect(idle.Serve()));
  v1::StartImportRequest start;
  start.set_parent(firm_);
  start.set_csv(Export());
  v1::ImportJob job;
  grpc::Status started = stub->StartImport(Ctx().get(), start, &job);
  ASSERT_THAT(started, IsOk()) << started.error_message();
  v1::WatchImportJobRequest watch;
  watch.set_name(job.name());
  auto ctx = Ctx();
  auto reader = stub->WatchImportJob(ctx.get(), watch);
  ASSERT_TRUE(reader->Read(&job));
  idle.Shutdown();
  while (reader->Read(&job)) {
  }
  EXPECT_THAT(reader->Finish(), StatusIs(absl::StatusCode::kUnavailable));
}

// A member removed while watching a job of the firm: the open watch ends
// PERMISSION_DENIED (at its next look, within a second) and every new import
// call of theirs is denied, since import asks the directory each time.
TEST_F(ImportServiceTest, ARemovedMembersOpenWatchEndsAndTheirCallsAreDenied) {
  testing::InProcessImport idle(dir_.Sub("idle-import"), directory_->target(), clock_,
                                &never_runs_);
  auto stub = v1::ImportService::NewStub(client::Connect(idle.Serve()));
  v1::AddFirmMemberRequest add;
  add.set_parent(firm_);
  add.mutable_member()->set_user_id("bruno");
  add.mutable_member()->set_email("bruno@studio.example");
  add.mutable_member()->set_role(v1::STAFF);
  v1::FirmMember bruno;
  ASSERT_THAT(dir_stub_->AddFirmMember(Ctx().get(), add, &bruno), IsOk());
  v1::StartImportRequest start;
  start.set_parent(firm_);
  start.set_csv(Export());
  v1::ImportJob job;
  ASSERT_THAT(stub->StartImport(Ctx("bruno").get(), start, &job), IsOk());
  v1::WatchImportJobRequest watch;
  watch.set_name(job.name());
  auto watching = Ctx("bruno");
  auto reader = stub->WatchImportJob(watching.get(), watch);
  ASSERT_TRUE(reader->Read(&job));

  v1::RemoveFirmMemberRequest remove;
  remove.set_name(bruno.name());
  v1::RemoveFirmMemberResponse removed;
  ASSERT_THAT(dir_stub_->RemoveFirmMember(Ctx().get(), remove, &removed), IsOk());

  while (reader->Read(&job)) {
  }
  EXPECT_THAT(reader->Finish(), StatusIs(absl::StatusCode::kPermissionDenied));
  v1::GetImportJobRequest get;
  get.set_name(job.name());
  EXPECT_THAT(stub->GetImportJob(Ctx("bruno").get(), get, &job),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(stub->StartImport(Ctx("bruno").get(), start, &job),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(stub->GetImportJob(Ctx().get(), get, &job), IsOk());
}

TEST_F(ImportServiceTest, OversizedOrUnknownInputGetsTheRealError) {
  v1::GetImportJobRequest get;
  get.set_name(firm_ + "/importJobs/" + std::string(10 * 1024, '7'));
  v1::ImportJob job;
  EXPECT_THAT(import_stub_->GetImportJob(Ctx().get(), get, &job),
              StatusIs(absl::StatusCode::kInvalidArgument));
  v1::StartImportRequest start;
  start.set_parent(firm_);
  start.set_csv("Company ID," + std::string(6 * 1024, 'h') +
                ",Client Number\r\n1,a,b\r\n");
  EXPECT_THAT(import_stub_->StartImport(Ctx().get(), start, &job),
              StatusIs(absl::StatusCode::kInvalidArgument));

  v1::ExportClientsRequest export_request;
  export_request.set_parent(firm_);
  export_request.set_header_language(static_cast<v1::HeaderLanguage>(12));
  auto ctx = Ctx();
  testing::CsvDownload refused =
      testing::ReadCsv(*import_stub_->ExportClients(ctx.get(), export_request));
  EXPECT_EQ(refused.chunks, 0);
  EXPECT_THAT(refused.status, StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace clientbook
