// Cells, as the binaries run them: a directory, billing and import started as cell
// 2 hand out ids in [2·10^12, 3·10^12), and a call naming a firm of another
// cell is refused WRONG_CELL naming the cell that holds it — loud, never a
// NOT_FOUND or a write in the wrong place; and its 13-digit ids survive
// a spreadsheet's rounding on the way back in.
#include <signal.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clientbook/v1/billing.grpc.pb.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "clientbook/v1/import.grpc.pb.h"
#include "common/csv/csv.h"
#include "common/names/cell.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cells.h"
#include "tests/support/cluster.h"
#include "tests/support/csv_stream.h"
#include "tests/support/import_jobs.h"
#include "tests/support/service_process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using testing::As;

constexpr names::Cell kCell{2};

void ExpectWrongCell(const grpc::Status& status, const std::string& holder) {
  testing::ExpectWrongCell(status, holder);
  EXPECT_EQ(errors::ReasonMetadataOf(FromGrpcStatus(status))["this_cell"],
            kCell.ToString());
}

TEST(CellE2eTest, ACellHandsOutItsOwnIdsAndRefusesAnotherCellsFirms) {
  testing::TempDir dir;
  testing::CellProcesses cell(dir, kCell);
  std::string why;
  ASSERT_TRUE(cell.Start() && cell.WaitServing(why)) << why;
  auto directory_stub =
      v1::DirectoryService::NewStub(testing::Channel(cell.directory_target()));
  auto billing_stub =
      v1::BillingService::NewStub(testing::Channel(cell.billing_target()));

  v1::Firm firm;
  ASSERT_THAT(testing::CreateFirmAs(*directory_stub, "alice", &firm), IsOk());
  uint64_t firm_id = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::string_view(firm.name()).substr(6), &firm_id))
      << firm.name();
  EXPECT_TRUE(kCell.Holds(firm_id)) << firm.name() << " is not in " << kCell.ToString();
  v1::Client client;
  ASSERT_THAT(testing::CreateClientAs(*directory_stub, "alice", firm.name(), "Rossi SRL",
                                      &client),
              IsOk());
  EXPECT_THAT(client.name(), ::testing::StartsWith(firm.name() + "/clients/2"));

  // A firm of cell 0, and one of cell 7, asked of cell 2.
  v1::GetFirmRequest get;
  get.set_name("firms/1001");
  v1::Firm other;
  ExpectWrongCell(directory_stub->GetFirm(As("alice").get(), get, &other), "cells/0");
  v1::ListSubscriptionsRequest list;
  list.set_parent(absl::StrCat("firms/", names::Cell{7}.first_id() + 5));
  v1::ListSubscriptionsResponse listed;
  ExpectWrongCell(billing_stub->ListSubscriptions(As("alice").get(), list, &listed),
                  "cells/7");
  // An upload (a client stream) names its firm in its first message. (Its
  // context goes before the stop: a call's stream lives as long as its
  // context, and holds the connection the server's shutdown waits for.)
  {
    auto import_stub = v1::ImportService::NewStub(testing::Channel(cell.import_target()));
    v1::ImportJob job;
    auto upload_context = As("alice");
    auto upload = import_stub->UploadImport(upload_context.get(), &job);
    v1::UploadImportRequest first;
    first.set_parent("firms/1001");
    first.set_csv("Company ID,Display Name,Client Number\r\n");
    upload->Write(first);
    upload->WritesDone();
    ExpectWrongCell(upload->Finish(), "cells/0");
  }
  // Its own firm is served.
  list.set_parent(firm.name());
  const grpc::Status own =
      billing_stub->ListSubscriptions(As("alice").get(), list, &listed);
  EXPECT_THAT(own, IsOk()) << own.error_message();

  // The export through Excel and back: its General format saves the
  // cell's 13-digit ids as "2E+12", and the row's display name finds the
  // client again.
  {
    auto import_stub = v1::ImportService::NewStub(testing::Channel(cell.import_target()));
    v1::ExportClientsRequest export_request;
    export_request.set_parent(firm.name());
    auto export_context = As("alice");
    testing::CsvDownload exported = testing::ReadCsv(
        *import_stub->ExportClients(export_context.get(), export_request));
    ASSERT_THAT(exported.status, IsOk()) << exported.status.error_message();
    std::vector<csv::Record> rows = csv::Parse(exported.csv);
    ASSERT_EQ(rows.size(), 2u) << exported.csv;
    EXPECT_EQ(client.name(), absl::StrCat(firm.name(), "/clients/", rows[1].fields[0]));
    v1::StartImportRequest upload;
    upload.set_parent(firm.name());
    upload.set_csv(csv::Line(rows[0].fields) +
                   csv::Line({"2E+12", rows[1].fields[1], "R-1"}));
    v1::ImportJob job;
    ASSERT_THAT(import_stub->StartImport(As("alice").get(), upload, &job), IsOk());
    auto watch_context = As("alice");
    EXPECT_THAT(testing::FollowToItsEnd(*import_stub, *watch_context, job), IsOk());
    EXPECT_EQ(job.state(), v1::ImportJob::SUCCEEDED) << job.failure_reason();
    v1::GetClientRequest get_client;
    get_client.set_name(client.name());
    ASSERT_THAT(directory_stub->GetClient(As("alice").get(), get_client, &client),
                IsOk());
    EXPECT_EQ(client.client_number(), "R-1");
  }

  EXPECT_EQ(cell.import().Stop(SIGTERM), 0) << cell.import().Log();
  EXPECT_EQ(cell.billing().Stop(SIGTERM), 0) << cell.billing().Log();
  EXPECT_EQ(cell.directory().Stop(SIGTERM), 0) << cell.directory().Log();

  // A cell past the last is refused at start.
  testing::ServiceProcess beyond(
      DIRECTORY_BINARY,
      {"--listen=" + cell.directory_target(), "--data_dir=" + dir.Sub("beyond"),
       "--metrics_listen=", absl::StrCat("--cell_id=", names::Cell::kCells)},
      dir.Sub("beyond.log"));
  ASSERT_TRUE(beyond.Start());
  EXPECT_NE(beyond.Wait(), 0);
  EXPECT_THAT(beyond.Log(), ::testing::HasSubstr("a cell is 0 to 999"));
}

}  // namespace
}  // namespace clientbook
