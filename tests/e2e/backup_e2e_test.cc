// The runbook, run as written: the directory binary backs itself up on its
// operator address while a caller writes, more writes follow, the volume
// is deleted, clientbook-admin restores the backup, and the directory
// starts again with every write acknowledged before the backup and none
// after; a watcher's old token hears STORE_EPOCH_CHANGED. Kill -9 in the
// middle of backups leaves every listed backup valid, in the middle of a
// restore no store or the whole one, and a damaged backup is caught before
// it writes anything.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clientbook/v1/backup.grpc.pb.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cluster.h"
#include "tests/support/service_process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using testing::As;

std::unique_ptr<grpc::ClientContext> AsOperator() { return As("ops", "operator"); }

class BackupE2eTest : public ::testing::Test {
 protected:
  BackupE2eTest()
      : target_(absl::StrCat("127.0.0.1:", testing::FreePort())),
        operator_target_(absl::StrCat("127.0.0.1:", testing::FreePort())),
        directory_(DIRECTORY_BINARY,
                   {"--listen=" + target_, "--data_dir=" + dir_.Sub("data"),
                    "--metrics_listen=", "--drain_delay=0s",
                    "--operator_listen=" + operator_target_,
                    "--backup_dir=" + dir_.Sub("backups")},
                   dir_.Sub("directory.log")) {}

  void Start() {
    ASSERT_TRUE(directory_.Start());
    ASSERT_TRUE(directory_.WaitServing(target_)) << directory_.Log();
    stub_ = v1::DirectoryService::NewStub(testing::Channel(target_));
    backups_ = v1::BackupService::NewStub(testing::Channel(operator_target_));
  }

  std::string NewClient(const std::string& firm, const std::string& name) {
    v1::CreateClientRequest req;
    req.set_parent(firm);
    req.mutable_client()->set_display_name(name);
    req.mutable_client()->set_client_type(v1::BUSINESS);
    v1::Client client;
    grpc::Status s = stub_->CreateClient(As("alice").get(), req, &client);
    EXPECT_THAT(s, IsOk()) << s.error_message();
    return client.display_name();
  }

  std::vector<std::string> ClientNames(const std::string& firm) {
    v1::ListClientsRequest req;
    req.set_parent(firm);
    req.set_page_size(1000);
    req.set_order_by("display_name");
    v1::ListClientsResponse resp;
    grpc::Status s = stub_->ListClients(As("alice").get(), req, &resp);
    EXPECT_THAT(s, IsOk()) << s.error_message();
    std::vector<std::string> names;
    for (const v1::Client& c : resp.clients()) names.push_back(c.display_name());
    return names;
  }

  // The firm's change token, as listing its clients hands it out.
  std::string ChangeToken(const std::string& firm) {
    v1::ListClientsRequest req;
    req.set_parent(firm);
    v1::ListClientsResponse resp;
    EXPECT_THAT(stub_->ListClients(As("alice").get(), req, &resp), IsOk());
    return resp.change_token();
  }

  // The firm's changes read from `token` on.
  grpc::Status ListChangesFrom(const std::string& firm, const std::string& token) {
    auto changes = v1::ChangeService::NewStub(testing::Channel(target_));
    v1::ListChangesRequest req;
    req.set_parent(firm);
    req.set_resume_token(token);
    v1::ListChangesResponse page;
    return changes->ListChanges(As("alice").get(), req, &page);
  }

  // clientbook-admin with `args`; its exit code.
  int Admin(std::vector<std::string> args) {
    return testing::RunToEnd(ADMIN_BINARY, std::move(args), dir_.Sub("admin.log"),
                             admin_log_);
  }

  testing::TempDir dir_;
  std::string target_;
  std::string operator_target_;
  testing::ServiceProcess directory_;
  std::unique_ptr<v1::DirectoryService::Stub> stub_;
  std::unique_ptr<v1::BackupService::Stub> backups_;
  std::string admin_log_;
};

TEST_F(BackupE2eTest, TheVolumeIsLostAndTheRestoreBringsBackEveryWriteBeforeTheBackup) {
  ASSERT_NO_FATAL_FAILURE(Start());
  v1::Firm firm;
  ASSERT_THAT(testing::CreateFirmAs(*stub_, "alice", &firm), IsOk());
  std::vector<std::string> before;
  for (int i = 0; i < 50; ++i)
    before.push_back(NewClient(firm.name(), absl::StrCat("B", i)));
  const std::string old_token = ChangeToken(firm.name());

  // Writers keep going while the backup is taken; only an operator may ask.
  std::atomic<bool> stop = false;
  std::atomic<int> during = 0;
  std::thread writer([&] {
    while (!stop) NewClient(firm.name(), absl::StrCat("D", during++));
  });
  v1::Backup backup;
  EXPECT_THAT(backups_->CreateBackup(As("alice").get(), {}, &backup),
              StatusIs(absl::StatusCode::kPermissionDenied));
  grpc::Status made = backups_->CreateBackup(AsOperator().get(), {}, &backup);
  stop = true;
  writer.join();
  ASSERT_THAT(made, IsOk()) << made.error_message();
  EXPECT_EQ(backup.name(), "backups/1");
  EXPECT_EQ(backup.service(), "directory");
  EXPECT_GT(backup.change_sequence(), 50u);
  for (int i = 0; i < 20; ++i) NewClient(firm.name(), absl::StrCat("A", i));
  const std::vector<std::string> at_backup_and_after = ClientNames(firm.name());

  v1::VerifyBackupRequest verify;
  verify.set_name(backup.name());
  v1::Backup verified;
  ASSERT_THAT(backups_->VerifyBackup(AsOperator().get(), verify, &verified), IsOk());
  EXPECT_EQ(verified.change_sequence(), backup.change_sequence());
  v1::ListBackupsResponse all;
  ASSERT_THAT(backups_->ListBackups(AsOperator().get(), {}, &all), IsOk());
  ASSERT_EQ(all.backups_size(), 1);
  // GetBackup: what the list says, for an operator only.
  v1::GetBackupRequest get;
  get.set_name(backup.name());
  v1::Backup got;
  ASSERT_THAT(backups_->GetBackup(AsOperator().get(), get, &got), IsOk());
  EXPECT_EQ(got.SerializeAsString(), all.backups(0).SerializeAsString());
  EXPECT_THAT(backups_->GetBackup(As("alice").get(), get, &got),
              StatusIs(absl::StatusCode::kPermissionDenied));
  get.set_name("backups/2");
  EXPECT_THAT(backups_->GetBackup(AsOperator().get(), get, &got),
              StatusIs(absl::StatusCode::kNotFound));
  get.set_name("backups/01");
  EXPECT_THAT(backups_->GetBackup(AsOperator().get(), get, &got),
              StatusIs(absl::StatusCode::kInvalidArgument, "backups/{id}"));

  // The volume is lost.
  ASSERT_EQ(directory_.Stop(SIGTERM), 0) << directory_.Log();
  std::filesystem::remove_all(dir_.Sub("data"));
  ASSERT_EQ(Admin({"verify", "--from=" + dir_.Sub("backups")}), 0) << admin_log_;
  ASSERT_EQ(Admin({"restore", "--from=" + dir_.Sub("backups"),
                   "--data_dir=" + dir_.Sub("data")}),
            0)
      << admin_log_;
  EXPECT_THAT(admin_log_, ::testing::HasSubstr("restored"));
  EXPECT_NE(Admin({"restore", "--from=" + dir_.Sub("backups"),
                   "--data_dir=" + dir_.Sub("data")}),
            0)
      << "a restore never writes over a store";
  ASSERT_NO_FATAL_FAILURE(Start());

  // Everything acknowledged before the backup is back; nothing after it.
  const std::vector<std::string> restored = ClientNames(firm.name());
  for (const std::string& name : before) {
    EXPECT_THAT(restored, ::testing::Contains(name));
  }
  for (const std::string& name : restored) {
    EXPECT_FALSE(absl::StartsWith(name, "A")) << name << " was written after the backup";
  }
  EXPECT_LT(restored.size(), at_backup_and_after.size());
  const grpc::Status stale = ListChangesFrom(firm.name(), old_token);
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(errors::ReasonOf(FromGrpcStatus(stale)), "STORE_EPOCH_CHANGED");
  auto changes = v1::ChangeService::NewStub(testing::Channel(target_));
  v1::WatchChangesRequest watch;
  watch.set_parent(firm.name());
  watch.set_resume_token(old_token);
  auto watch_context = As("alice");
  auto watcher = changes->WatchChanges(watch_context.get(), watch);
  v1::WatchChangesResponse ignored;
  EXPECT_FALSE(watcher->Read(&ignored)) << "no event from another history";
  const grpc::Status watched = watcher->Finish();
  EXPECT_THAT(watched, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(errors::ReasonOf(FromGrpcStatus(watched)), "STORE_EPOCH_CHANGED");
  EXPECT_EQ(directory_.Stop(SIGTERM), 0) << directory_.Log();
}

TEST_F(BackupE2eTest, KillNineDuringBackupsLeavesEveryListedBackupValid) {
  ASSERT_NO_FATAL_FAILURE(Start());
  v1::Firm firm;
  ASSERT_THAT(testing::CreateFirmAs(*stub_, "alice", &firm), IsOk());
  absl::BitGen random;
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    for (int i = 0; i < 200; ++i)
      NewClient(firm.name(), absl::StrCat("R", round, "-", i));
    v1::Backup completed;
    ASSERT_THAT(backups_->CreateBackup(AsOperator().get(), {}, &completed), IsOk());
    v1::CreateBackupRequest killed;
    killed.set_request_id(absl::StrCat("round-", round));
    std::thread backup([&] {
      v1::Backup made;
      backups_->CreateBackup(AsOperator().get(), killed, &made);
    });
    absl::SleepFor(absl::Milliseconds(absl::Uniform(random, 0, 40)));
    directory_.Stop(SIGKILL);
    backup.join();
    ASSERT_NO_FATAL_FAILURE(Start());
    // Retried under its id: the backup if the kill came after it was
    // complete, else one made now; once, however often it is retried.
    v1::Backup retried, again;
    ASSERT_THAT(backups_->CreateBackup(AsOperator().get(), killed, &retried), IsOk());
    ASSERT_THAT(backups_->CreateBackup(AsOperator().get(), killed, &again), IsOk());
    EXPECT_EQ(again.name(), retried.name());
    v1::ListBackupsResponse all;
    ASSERT_THAT(backups_->ListBackups(AsOperator().get(), {}, &all), IsOk());
    EXPECT_EQ(all.backups_size(), 2 * (round + 1)) << "every completed backup is kept";
    for (const v1::Backup& listed : all.backups()) {
      v1::VerifyBackupRequest verify;
      verify.set_name(listed.name());
      v1::Backup verified;
      grpc::Status s = backups_->VerifyBackup(AsOperator().get(), verify, &verified);
      EXPECT_THAT(s, IsOk()) << listed.name() << ": " << s.error_message();
    }
  }
  v1::ListBackupsResponse all;
  ASSERT_THAT(backups_->ListBackups(AsOperator().get(), {}, &all), IsOk());
  v1::ListBackupsRequest one_a_page;
  one_a_page.set_page_size(1);
  std::vector<std::string> paged;
  do {
    v1::ListBackupsResponse page;
    ASSERT_THAT(backups_->ListBackups(AsOperator().get(), one_a_page, &page), IsOk());
    ASSERT_EQ(page.backups_size(), 1);
    paged.push_back(page.backups(0).name());
    one_a_page.set_page_token(page.next_page_token());
  } while (!one_a_page.page_token().empty());
  ASSERT_EQ(paged.size(), static_cast<size_t>(all.backups_size()));
  for (int i = 0; i < all.backups_size(); ++i) EXPECT_EQ(paged[i], all.backups(i).name());
  one_a_page.set_page_size(-1);
  EXPECT_THAT(backups_->ListBackups(AsOperator().get(), one_a_page, &all),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_EQ(directory_.Stop(SIGTERM), 0) << directory_.Log();
  EXPECT_EQ(Admin({"verify", "--from=" + dir_.Sub("backups")}), 0) << admin_log_;
}

// An operator's CreateBackup retried under its request id (its answer lost,
// its deadline passed) is answered the backup made for it: 64 racing
// retries make one. The id is the caller's own and one request's.
TEST_F(BackupE2eTest, RetriesUnderOneRequestIdMakeOneBackup) {
  ASSERT_NO_FATAL_FAILURE(Start());
  v1::CreateBackupRequest request;
  request.set_request_id("before-upgrade");
  std::vector<std::string> names(64);
  std::vector<std::thread> racers;
  for (int i = 0; i < 64; ++i) {
    racers.emplace_back([&, i] {
      v1::Backup made;
      if (backups_->CreateBackup(AsOperator().get(), request, &made).ok()) {
        names[i] = made.name();
      }
    });
  }
  for (std::thread& racer : racers) racer.join();
  ASSERT_FALSE(names[0].empty());
  EXPECT_THAT(names, ::testing::Each(names[0]));
  v1::Backup other;
  ASSERT_THAT(backups_->CreateBackup(As("ops2", "operator").get(), request, &other),
              IsOk());
  EXPECT_NE(other.name(), names[0]);
  v1::ListBackupsResponse all;
  ASSERT_THAT(backups_->ListBackups(AsOperator().get(), {}, &all), IsOk());
  EXPECT_EQ(all.backups_size(), 2);
  request.set_request_id("no/slash");
  EXPECT_THAT(backups_->CreateBackup(AsOperator().get(), request, &other),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_THAT(backups_->CreateBackup(As("alice").get(), request, &other),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

// clientbook-admin's restore killed at any moment leaves no store, or the
// whole restored one with its new epoch: never half a store, nor the
// backup's store under its old epoch (a watcher's token would resume in
// another history).
TEST_F(BackupE2eTest, ARestoreKilledAtAnyMomentLeavesNoStoreOrTheWholeOne) {
  ASSERT_NO_FATAL_FAILURE(Start());
  v1::Firm firm;
  ASSERT_THAT(testing::CreateFirmAs(*stub_, "alice", &firm), IsOk());
  for (int i = 0; i < 300; ++i) NewClient(firm.name(), absl::StrCat("C", i));
  v1::Backup backup;
  ASSERT_THAT(backups_->CreateBackup(AsOperator().get(), {}, &backup), IsOk());
  const std::string token_at_backup = ChangeToken(firm.name());
  ASSERT_EQ(directory_.Stop(SIGTERM), 0) << directory_.Log();

  const std::string data = dir_.Sub("data");
  const std::vector<std::string> restore = {"restore", "--from=" + dir_.Sub("backups"),
                                            "--data_dir=" + data, "--force"};
  auto expect_the_whole_store = [&] {
    ASSERT_NO_FATAL_FAILURE(Start());
    EXPECT_EQ(ClientNames(firm.name()).size(), 300u);
    const grpc::Status stale = ListChangesFrom(firm.name(), token_at_backup);
    EXPECT_EQ(errors::ReasonOf(FromGrpcStatus(stale)), "STORE_EPOCH_CHANGED")
        << "a restored store under the backup's epoch";
    ASSERT_EQ(directory_.Stop(SIGTERM), 0) << directory_.Log();
  };
  // A whole restore's time, to kill within it.
  std::filesystem::remove_all(data);
  const absl::Time began = absl::Now();
  ASSERT_EQ(Admin(restore), 0) << admin_log_;
  const int64_t restore_ms = absl::ToInt64Milliseconds(absl::Now() - began);
  ASSERT_NO_FATAL_FAILURE(expect_the_whole_store());

  absl::BitGen random;
  int no_store = 0;
  int whole_store = 0;
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    // Into an empty data directory, or with --force over a whole store.
    std::vector<std::string> args = restore;
    if (round % 2 == 0) {
      std::filesystem::remove_all(data);
      args.pop_back();
    } else if (!std::filesystem::exists(data) || std::filesystem::is_empty(data)) {
      ASSERT_EQ(Admin(restore), 0) << admin_log_;
    }
    testing::ServiceProcess admin(ADMIN_BINARY, args, dir_.Sub("killed-admin.log"));
    ASSERT_TRUE(admin.Start());
    // Now and then after the end.
    absl::SleepFor(absl::Milliseconds(absl::Uniform(random, 0, restore_ms * 5 / 4 + 1)));
    admin.Stop(SIGKILL);
    if (!std::filesystem::exists(data) || std::filesystem::is_empty(data)) {
      ++no_store;
      continue;
    }
    ++whole_store;
    ASSERT_NO_FATAL_FAILURE(expect_the_whole_store());
  }
  std::printf("restore killed at random: %d rounds of %lld ms, no store %d, whole %d\n",
              no_store + whole_store, static_cast<long long>(restore_ms), no_store,
              whole_store);
  // The next restore finishes whatever a killed one left, and leaves
  // nothing of its own beside the data directory.
  ASSERT_EQ(Admin(restore), 0) << admin_log_;
  ASSERT_NO_FATAL_FAILURE(expect_the_whole_store());
  for (const auto& entry : std::filesystem::directory_iterator(dir_.Sub(""))) {
    EXPECT_FALSE(absl::StartsWith(entry.path().filename().string(), "data."))
        << entry.path() << " left behind";
  }
}

TEST_F(BackupE2eTest, ACorruptedBackupIsCaughtByVerifyAndByRestoreWhichWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(Start());
  v1::Firm firm;
  ASSERT_THAT(testing::CreateFirmAs(*stub_, "alice", &firm), IsOk());
  for (int i = 0; i < 100; ++i) NewClient(firm.name(), absl::StrCat("C", i));
  v1::Backup backup;
  ASSERT_THAT(backups_->CreateBackup(AsOperator().get(), {}, &backup), IsOk());

  // One byte of each of the backup's files flipped, sizes unchanged.
  int damaged = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir_.Sub("backups"))) {
    if (!entry.is_regular_file() || entry.file_size() < 100 ||
        absl::StrContains(entry.path().string(), "/meta/")) {
      continue;
    }
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(50);
    const char byte = static_cast<char>(file.get());
    file.seekp(50);
    file.put(static_cast<char>(~byte));
    ++damaged;
  }
  ASSERT_GT(damaged, 0);

  v1::VerifyBackupRequest verify;
  verify.set_name(backup.name());
  v1::Backup verified;
  EXPECT_THAT(backups_->VerifyBackup(AsOperator().get(), verify, &verified),
              StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_EQ(directory_.Stop(SIGTERM), 0) << directory_.Log();
  EXPECT_NE(Admin({"verify", "--from=" + dir_.Sub("backups")}), 0) << admin_log_;
  EXPECT_THAT(admin_log_, ::testing::HasSubstr("DAMAGED"));
  const std::string into = dir_.Sub("restored");
  EXPECT_NE(Admin({"restore", "--from=" + dir_.Sub("backups"), "--data_dir=" + into}), 0)
      << admin_log_;
  EXPECT_TRUE(!std::filesystem::exists(into) || std::filesystem::is_empty(into))
      << "a damaged backup writes nothing";
  // Nor does it touch a store it was asked to replace.
  EXPECT_NE(Admin({"restore", "--from=" + dir_.Sub("backups"),
                   "--data_dir=" + dir_.Sub("data"), "--force"}),
            0)
      << admin_log_;
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(ClientNames(firm.name()).size(), 100u);
  EXPECT_EQ(directory_.Stop(SIGTERM), 0) << directory_.Log();
}

}  // namespace
}  // namespace clientbook
