// Starts the real directory and import binaries: export, fill, import;
// then kills import with SIGKILL in the middle of a job, restarts it, and
// checks the job finished exactly once and the directory agrees with it.
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "clientbook/v1/import.grpc.pb.h"
#include "common/csv/csv.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/csv_stream.h"
#include "tests/support/import_jobs.h"
#include "tests/support/seed_firm.h"
#include "tests/support/service_process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;

constexpr int kClients = 1000;

std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("x-user-id", user);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

class ImportE2eTest : public ::testing::Test {
 protected:
  ImportE2eTest()
      : directory_target_(absl::StrCat("127.0.0.1:", testing::FreePort())),
        import_target_(absl::StrCat("127.0.0.1:", testing::FreePort())),
        directory_(
            DIRECTORY_BINARY,
            {"--listen=" + directory_target_, "--data_dir=" + dir_.Sub("directory"),
             "--metrics_listen=", "--drain_delay=0s"},
            dir_.Sub("directory.log")) {}

  std::unique_ptr<testing::ServiceProcess> StartImport() {
    auto import = std::make_unique<testing::ServiceProcess>(
        IMPORT_BINARY,
        std::vector<std::string>{"--listen=" + import_target_,
                                 "--data_dir=" + dir_.Sub("import"),
                                 "--metrics_listen=", "--drain_delay=0s",
                                 "--directory_target=" + directory_target_},
        dir_.Sub("import.log"));
    EXPECT_TRUE(import->Start());
    EXPECT_TRUE(import->WaitServing(import_target_)) << import->Log();
    import_stub_ = v1::ImportService::NewStub(
        grpc::CreateChannel(import_target_, grpc::InsecureChannelCredentials()));
    return import;
  }

  void SetUp() override {
    ASSERT_TRUE(directory_.Start());
    ASSERT_TRUE(directory_.WaitServing(directory_target_)) << directory_.Log();
    dir_stub_ = v1::DirectoryService::NewStub(
        grpc::CreateChannel(directory_target_, grpc::InsecureChannelCredentials()));
    testing::SeededFirm seeded = testing::SeedFirm(*dir_stub_, kClients);
    ASSERT_THAT(seeded.status, IsOk()) << seeded.status.error_message();
    firm_ = seeded.name;
  }

  std::string Export() {
    v1::ExportClientsRequest req;
    req.set_parent(firm_);
    auto ctx = As("alice");
    testing::CsvDownload download =
        testing::ReadCsv(*import_stub_->ExportClients(ctx.get(), req));
    EXPECT_THAT(download.status, IsOk()) << download.status.error_message();
    return download.csv;
  }

  // The export with every number filled in.
  std::string Filled() {
    std::vector<csv::Record> rows = csv::Parse(Export());
    EXPECT_EQ(rows.size(), static_cast<size_t>(kClients + 1));
    if (rows.empty()) return "";  // the failure is reported; nothing to fill
    std::string out = csv::Line(rows[0].fields);
    for (size_t i = 1; i < rows.size(); ++i) {
      out += csv::Line({rows[i].fields[0], rows[i].fields[1], absl::StrCat("N-", i)});
    }
    return out;
  }

  v1::ImportJob Start(const std::string& csv, const std::string& request_id) {
    v1::StartImportRequest req;
    req.set_parent(firm_);
    req.set_csv(csv);
    req.set_request_id(request_id);
    v1::ImportJob job;
    grpc::Status s = import_stub_->StartImport(As("alice").get(), req, &job);
    EXPECT_THAT(s, IsOk()) << s.error_message();
    return job;
  }

  v1::ImportJob Watch(const std::string& name) {
    v1::ImportJob job;
    job.set_name(name);
    auto ctx = As("alice");
    EXPECT_THAT(testing::FollowToItsEnd(*import_stub_, *ctx, job), IsOk());
    return job;
  }

  int NumberedClients() {
    int numbered = 0;
    v1::ListClientsRequest req;
    req.set_parent(firm_);
    req.set_page_size(1000);
    req.set_order_by("client_number");
    v1::ListClientsResponse resp;
    EXPECT_THAT(dir_stub_->ListClients(As("alice").get(), req, &resp), IsOk());
    for (const auto& c : resp.clients()) numbered += !c.client_number().empty();
    return numbered;
  }

  testing::TempDir dir_;
  std::string directory_target_;
  std::string import_target_;
  testing::ServiceProcess directory_;
  std::unique_ptr<v1::DirectoryService::Stub> dir_stub_;
  std::unique_ptr<v1::ImportService::Stub> import_stub_;
  std::string firm_;
};

TEST_F(ImportE2eTest, AThousandRowsImportAndAKilledJobResumesExactlyOnce) {
  auto import = StartImport();
  const std::string file = Filled();

  // SIGKILL right after the job is accepted: wherever it was, no cleanup.
  v1::ImportJob job = Start(file, "import-1");
  EXPECT_EQ(import->Stop(SIGKILL), -SIGKILL);
  const int numbered_at_kill = NumberedClients();
  EXPECT_TRUE(numbered_at_kill == 0 || numbered_at_kill == kClients)
      << "half a batch applied: " << numbered_at_kill;

  import = StartImport();
  v1::ImportJob done = Watch(job.name());
  EXPECT_EQ(done.state(), v1::ImportJob::SUCCEEDED)
      << done.failure_reason() << import->Log();
  EXPECT_EQ(done.applied_rows(), kClients);
  EXPECT_EQ(NumberedClients(), kClients);

  // The same request id again is the same job, not a second run.
  v1::ImportJob again = Start(file, "import-1");
  EXPECT_EQ(again.name(), job.name());
  EXPECT_EQ(again.state(), v1::ImportJob::SUCCEEDED);
  EXPECT_EQ(import->Stop(SIGTERM), 0) << import->Log();
}

TEST_F(ImportE2eTest, BadRowsAreLoggedAndReported) {
  auto import = StartImport();
  std::vector<csv::Record> rows = csv::Parse(Export());
  std::string file = csv::Line(rows[0].fields);
  file += csv::Line({rows[1].fields[0], rows[1].fields[1], "GOOD-1"});
  file += csv::Line({"", "No id", "X"});
  file += csv::Line({rows[2].fields[0], "Renamed", "X-2"});
  v1::ImportJob job = Watch(Start(file, "").name());
  EXPECT_EQ(job.state(), v1::ImportJob::PARTIALLY_SUCCEEDED);
  EXPECT_EQ(job.rejected_rows(), 2);
  v1::ListImportErrorsRequest list;
  list.set_parent(job.name());
  v1::ListImportErrorsResponse errors;
  ASSERT_THAT(import_stub_->ListImportErrors(As("alice").get(), list, &errors), IsOk());
  ASSERT_EQ(errors.errors_size(), 2);
  EXPECT_EQ(errors.errors(0).row(), 3);
  EXPECT_EQ(errors.errors(0).code(), v1::ImportError::MISSING_COMPANY_ID);
  EXPECT_EQ(errors.errors(1).code(), v1::ImportError::DISPLAY_NAME_CHANGED);

  v1::DownloadErrorReportRequest download;
  download.set_name(job.name());
  auto ctx = As("alice");
  testing::CsvDownload report =
      testing::ReadCsv(*import_stub_->DownloadErrorReport(ctx.get(), download));
  ASSERT_THAT(report.status, IsOk()) << report.status.error_message();
  std::vector<csv::Record> lines = csv::Parse(report.csv);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0].fields, ::testing::ElementsAre("Company ID", "Display Name",
                                                      "Client Number", "Error"));
  EXPECT_THAT(lines[2].fields,
              ::testing::ElementsAre(rows[2].fields[0], "Renamed", "X-2",
                                     ::testing::HasSubstr("display name")));
  EXPECT_EQ(import->Stop(SIGTERM), 0) << import->Log();
}

}  // namespace
}  // namespace clientbook
