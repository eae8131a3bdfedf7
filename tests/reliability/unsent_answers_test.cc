// Callers that stop reading their answers (a frozen consumer, a hostile
// one) are answered until the answers held for them reach their bound, then
// refused while everyone else is served; past the process's bound everyone
// is refused; once their connections close, everyone is served again.
// Before the bound, one such connection held 373 pages of 1,000 clients
// (308 MB) in the directory within a second, and more connections more.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "gtest/gtest.h"
#include "tests/support/await_status.h"
#include "tests/support/cluster.h"
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
  v1::AddFirmMemberRequest add;
  add.set_parent(firm.name);
  add.mutable_member()->set_user_id("bruno");
  add.mutable_member()->set_email("bruno@studio.example");
  add.mutable_member()->set_role(v1::STAFF);
  v1::FirmMember bruno;
  ASSERT_THAT(stub->AddFirmMember(As("alice").get(), add, &bruno), IsOk());

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
  EXPECT_THAT(AwaitStatus([&] { return get_firm("alice"); }, StatusOk, absl::Seconds(20)),
              IsOk());
  EXPECT_THAT(get_firm("bruno"), IsOk());
}

}  // namespace
}  // namespace clientbook::testing
