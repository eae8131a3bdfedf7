// Callers that stop reading their answers (a frozen consumer, a hostile
// one) are answered until the answers held for them reach their bound, then
// refused while everyone else is served; past the process's bound everyone
// is refused; once their connections close, everyone is served again.
// Before the bound, one such connection held 373 pages of 1,000 clients
// (308 MB) in the directory within a second, and more connections more.
// Their change watches make smaller batches instead, never refused.
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "clientbook/v1/workspace.grpc.pb.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "gtest/gtest.h"
#include "tests/support/await_status.h"
#include "tests/support/cluster.h"
#include "tests/support/loopback.h"
#include "tests/support/raw_http2.h"
#include "tests/support/seed_firm.h"
#include "tests/support/status_matchers.h"

namespace clientbook::testing {
namespace {

using ::clientbook::testing::IsOk;

bool Refused(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

TEST(UnsentAnswersTest, CallersThatStopReadingAreBoundedAndServedAgainOnceGone) {
  TempDir dir;
  const int port = FreePort();
  const std::string target = absl::StrCat("127.0.0.1:", port);
  ServiceProcess directory(
      DIRECTORY_BINARY,
      {"--listen=" + target, "--data_dir=" + dir.Sub("data"),
       "--metrics_listen=", "--drain_delay=0s", "--max_unsent_response_mib_per_caller=1",
       "--max_unsent_response_mib=2"},
      dir.Sub("directory.log"));
  ASSERT_TRUE(directory.Start());
  ASSERT_TRUE(directory.WaitServing(target)) << directory.Log();
  auto stub = v1::DirectoryService::NewStub(Channel(target));
  // alice's firm of 300 clients (a page of them is about 30 KB), bruno on
  // its staff; carol a member of no firm.
  const SeededFirm firm = SeedFirm(*stub, 300);
  ASSERT_THAT(firm.status, IsOk());
  v1::FirmMember bruno;
  ASSERT_THAT(AddStaffAs(*stub, "alice", firm.name, "bruno", &bruno), IsOk());

  v1::ListClientsRequest page;
  page.set_parent(firm.name);
  page.set_page_size(300);
  const std::string page_bytes = page.SerializeAsString();
  auto get_firm = [&](const std::string& caller) {
    v1::GetFirmRequest get;
    get.set_name(firm.name);
    v1::Firm out;
    return stub->GetFirm(As(caller).get(), get, &out);
  };
  auto list_my_firms = [&](const std::string& caller) {
    v1::ListMyFirmsResponse out;
    return stub->ListMyFirms(As(caller).get(), v1::ListMyFirmsRequest(), &out);
  };
  constexpr char kListClients[] = "/clientbook.v1.DirectoryService/ListClients";

  // alice's pages pile up, 60 of them (about 1.8 MB), past her 1 MiB.
  auto alices = std::make_unique<StalledReader>(port);
  ASSERT_TRUE(alices->Call(kListClients, page_bytes, {{"x-user-id", "alice"}}, 60));
  const grpc::Status refused =
      AwaitStatus([&] { return get_firm("alice"); }, Refused, absl::Seconds(20));
  ASSERT_TRUE(Refused(refused)) << refused.error_code() << " " << refused.error_message();
  const absl::Status mapped = FromGrpcStatus(refused);
  EXPECT_EQ(errors::ReasonOf(mapped), "UNSENT_RESPONSES_OF_CALLER") << mapped;
  EXPECT_EQ(errors::QuotaSubjectsOf(mapped), std::vector<std::string>{"users/alice"});
  EXPECT_EQ(errors::RetryDelayOf(mapped), absl::Seconds(1));
  // Everyone else is served: bruno reads the same firm, carol her firms.
  EXPECT_THAT(get_firm("bruno"), IsOk());
  EXPECT_THAT(list_my_firms("carol"), IsOk());

  // bruno's pile up too: the process holds 2 MiB, and refuses everyone.
  auto brunos = std::make_unique<StalledReader>(port);
  ASSERT_TRUE(brunos->Call(kListClients, page_bytes, {{"x-user-id", "bruno"}}, 60));
  const grpc::Status everyone =
      AwaitStatus([&] { return list_my_firms("carol"); }, Refused, absl::Seconds(20));
  ASSERT_TRUE(Refused(everyone))
      << everyone.error_code() << " " << everyone.error_message();
  const absl::Status service = FromGrpcStatus(everyone);
  EXPECT_EQ(errors::ReasonOf(service), "UNSENT_RESPONSES") << service;
  EXPECT_EQ(errors::QuotaSubjectsOf(service), std::vector<std::string>{"service"});

  // Their connections close: what they held is let go, and all are served.
  alices.reset();
  brunos.reset();
  EXPECT_THAT(
      AwaitStatus([&] { return list_my_firms("carol"); }, StatusOk, absl::Seconds(20)),
      IsOk());
  // Each connection's answers are let go as gRPC closes it, in its own time.
  for (const char* caller : {"alice", "bruno"}) {
    EXPECT_THAT(
        AwaitStatus([&] { return get_firm(caller); }, StatusOk, absl::Seconds(20)),
        IsOk())
        << caller;
  }
}

// A gauge's value on a metrics page; -1 when it is not there.
double Gauge(const std::string& page, const std::string& name) {
  const std::string line = absl::StrCat("\n", name, " ");
  const size_t at = page.find(line);
  double value = -1;
  if (at == std::string::npos) return value;
  const size_t from = at + line.size();
  if (!absl::SimpleAtod(page.substr(from, page.find('\n', from) - from), &value))
    return -1;
  return value;
}

// The resident memory of process `pid`, in bytes.
int64_t ResidentBytes(int pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return int64_t{std::stoll(line.substr(6))} << 10;
  }
  return -1;
}

// A caller whose change watches stop reading holds the bytes its bound
// allows, each watch's batches made to fit what is left: 100 such watches
// (SNAPSHOT, a firm of big notes) took the directory from 109 to 550 MB,
// batches of 1 MiB four times over, and two such callers were past its
// pod's 1 GiB. Another caller's watch is served meanwhile, and what they
// held is let go when their connection closes.
TEST(UnsentAnswersTest, WatchesWhoseCallerStopsReadingHoldWhatItsBoundAllows) {
  TempDir dir;
  const int port = FreePort();
  const int metrics_port = FreePort();
  const std::string target = absl::StrCat("127.0.0.1:", port);
  ServiceProcess directory(
      DIRECTORY_BINARY,
      {"--listen=" + target, "--data_dir=" + dir.Sub("data"),
       absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port), "--drain_delay=0s",
       "--max_unsent_response_mib_per_caller=4", "--max_unsent_response_mib=8"},
      dir.Sub("directory.log"));
  ASSERT_TRUE(directory.Start());
  ASSERT_TRUE(directory.WaitServing(target)) << directory.Log();
  auto channel = Channel(target);
  auto stub = v1::DirectoryService::NewStub(channel);
  auto workspace = v1::WorkspaceService::NewStub(channel);
  auto feed = v1::ChangeService::NewStub(channel);
  const SeededFirm firm = SeedFirm(*stub, 1);
  ASSERT_THAT(firm.status, IsOk());
  v1::FirmMember bruno;
  ASSERT_THAT(AddStaffAs(*stub, "alice", firm.name, "bruno", &bruno), IsOk());
  v1::CreateNoteRequest note;
  note.set_parent(firm.name);
  note.mutable_note()->set_client(firm.name + "/clients/" + firm.company_ids[0]);
  note.mutable_note()->set_kind(v1::Note::GENERAL);
  note.mutable_note()->set_text(std::string(20'000, 'n'));
  for (int i = 0; i < 300; ++i) {  // 6 MB to snapshot
    v1::Note out;
    ASSERT_THAT(workspace->CreateNote(As("alice").get(), note, &out), IsOk());
  }
  auto held = [&] {
    return Gauge(HttpGet(metrics_port, "/metrics"), "clientbook_change_unsent_bytes");
  };
  auto held_at_least = [&](double bytes) {
    return [&held, bytes] {
      return held() >= bytes ? grpc::Status::OK
                             : grpc::Status(grpc::StatusCode::UNAVAILABLE, "not yet");
    };
  };
  const int64_t resident_before = ResidentBytes(directory.pid());

  v1::WatchChangesRequest watch;
  watch.set_parent(firm.name);
  watch.set_start(v1::WatchChangesRequest::SNAPSHOT);
  auto alices = std::make_unique<StalledReader>(port);
  ASSERT_TRUE(alices->Call("/clientbook.v1.ChangeService/WatchChanges",
                           watch.SerializeAsString(), {{"x-user-id", "alice"}}, 100));
  EXPECT_THAT(AwaitStatus(held_at_least(4 << 20), StatusOk, absl::Seconds(20),
                          absl::Milliseconds(50)),
              IsOk());

  // Another caller's watch hears of a new note.
  std::unique_ptr<grpc::ClientContext> brunos = As("bruno");
  v1::WatchChangesRequest live;
  live.set_parent(firm.name);
  live.set_start(v1::WatchChangesRequest::NOW);
  auto reader = feed->WatchChanges(brunos.get(), live);
  v1::WatchChangesResponse started;
  ASSERT_TRUE(reader->Read(&started));
  v1::Note late;
  ASSERT_THAT(workspace->CreateNote(As("alice").get(), note, &late), IsOk());
  v1::WatchChangesResponse heard;
  while (heard.events_size() == 0) ASSERT_TRUE(reader->Read(&heard));
  EXPECT_EQ(heard.events(0).name(), late.name());
  brunos->TryCancel();
  reader->Finish();

  // Alice's 4 MiB, and past it one event (a note, 20 KB) a batch of each of
  // her watches: two batches a watch at most, the one stalled and the next.
  EXPECT_LE(held(), (4 << 20) + 2 * 100 * 25'000);
  EXPECT_LT(ResidentBytes(directory.pid()) - resident_before, int64_t{100} << 20);

  // Hers are let go; what stays is the batch kept for bruno's view (a note).
  alices.reset();
  EXPECT_THAT(AwaitStatus(
                  [&] {
                    const double now = held();
                    return now >= 0 && now < 100'000
                               ? grpc::Status::OK
                               : grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                              absl::StrCat(now, " bytes held"));
                  },
                  StatusOk, absl::Seconds(20), absl::Milliseconds(50)),
              IsOk());
}

}  // namespace
}  // namespace clientbook::testing
