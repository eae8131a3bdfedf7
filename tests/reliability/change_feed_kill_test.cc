// kill -9 and the change feed. Writers and a watcher run while the directory
// is killed at random moments and started again: the watcher resumes from
// its last token each time and must have seen every acknowledged write
// exactly once, in order, with no gap in the log, and the firm's audit must
// hold exactly the log's records of the firm. And billing, killed while
// the directory deletes clients, catches up with every deletion. Rounds:
// $CLIENTBOOK_KILL_ROUNDS (20 in tests/run; tests/reliability/kill_loop runs
// 200).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/cluster.h"
#include "tests/support/kill_rounds.h"
#include "tests/support/list_changes.h"
#include "tests/support/seed_firm.h"
#include "tests/support/status_matchers.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using testing::As;

// Long enough to land anywhere among the writes of a round.
constexpr int kMaxKillDelayMs = 300;

// What the watcher saw, and where it is.
struct Seen {
  absl::Mutex mu;
  std::vector<v1::ChangeEvent> events ABSL_GUARDED_BY(mu);
  std::string token ABSL_GUARDED_BY(mu);
  int resumes ABSL_GUARDED_BY(mu) = 0;
};

class ChangeFeedKillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(cluster_.Start(why)) << why;
    testing::SeededFirm seeded = testing::SeedFirm(*cluster_.directory, 0);
    ASSERT_THAT(seeded.status, IsOk()) << seeded.status.error_message();
    firm_ = seeded.name;
  }

  // Watches the firm's clients from the last token until `stop`, opening the
  // stream again whenever it ends.
  void Watch(Seen& seen, const std::atomic<bool>& stop) {
    auto changes =
        v1::ChangeService::NewStub(testing::Channel(cluster_.directory_target()));
    while (!stop) {
      v1::WatchChangesRequest req;
      req.set_parent(firm_);
      req.set_filter("resource_type = \"clientbook.v1.Client\"");
      {
        absl::MutexLock lock(&seen.mu);
        req.set_resume_token(seen.token);
        ++seen.resumes;
      }
      grpc::ClientContext ctx;
      ctx.AddMetadata("x-user-id", "alice");
      ctx.set_wait_for_ready(true);  // while the directory restarts
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
      auto stream = changes->WatchChanges(&ctx, req);
      v1::WatchChangesResponse response;
      while (stream->Read(&response)) {
        absl::MutexLock lock(&seen.mu);
        for (const v1::ChangeEvent& event : response.events())
          seen.events.push_back(event);
        seen.token = response.resume_token();
      }
      const grpc::Status status = stream->Finish();
      ASSERT_TRUE(status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                  status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
                  status.error_code() == grpc::StatusCode::CANCELLED || status.ok())
          << status.error_code() << " " << status.error_message();
    }
  }

  testing::Cluster cluster_;
  std::string firm_;
};

TEST_F(ChangeFeedKillTest, AWatcherSeesEveryAcknowledgedWriteOnceInOrderAcrossKills) {
  absl::BitGen random;
  Seen seen;
  {
    // The watch begins where a list of the firm would: before any write.
    v1::ListClientsRequest list;
    list.set_parent(firm_);
    v1::ListClientsResponse listed;
    ASSERT_THAT(cluster_.directory->ListClients(As("alice").get(), list, &listed),
                IsOk());
    absl::MutexLock lock(&seen.mu);
    seen.token = listed.change_token();
  }
  std::atomic<bool> stop_watching = false;
  std::thread watcher([&] { Watch(seen, stop_watching); });
  // name -> etags the directory acknowledged, in order.
  std::map<std::string, std::vector<std::string>> acknowledged;
  size_t writes = 0;
  const int rounds = testing::KillRounds();
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    std::atomic<bool> stop_writing = false;
    std::thread writer([&] {
      for (int i = 0; !stop_writing; ++i) {
        v1::CreateClientRequest req;
        req.set_parent(firm_);
        req.mutable_client()->set_display_name(absl::StrCat("R", round, " C", i));
        req.mutable_client()->set_client_type(v1::BUSINESS);
        v1::Client client;
        if (!cluster_.directory->CreateClient(As("alice").get(), req, &client).ok())
          continue;
        acknowledged[client.name()].push_back(client.etag());
        ++writes;
        v1::UpdateClientRequest update;
        *update.mutable_client() = client;
        update.mutable_client()->set_display_name(absl::StrCat("R", round, " U", i));
        update.mutable_update_mask()->add_paths("display_name");
        v1::Client updated;
        if (cluster_.directory->UpdateClient(As("alice").get(), update, &updated).ok()) {
          acknowledged[client.name()].push_back(updated.etag());
          ++writes;
        }
      }
    });
    absl::SleepFor(absl::Milliseconds(absl::Uniform(random, 20, kMaxKillDelayMs)));
    ASSERT_TRUE(cluster_.RestartDirectory(SIGKILL));
    stop_writing = true;
    writer.join();
  }

  // The whole log as the platform reads it, to the end: gapless from 1.
  auto changes =
      v1::ChangeService::NewStub(testing::Channel(cluster_.directory_target()));
  std::vector<v1::ChangeEvent> log;
  v1::ListChangesRequest list;
  list.set_parent("firms/-");
  ASSERT_THAT(testing::ListEveryChange(
                  *changes, list, [] { return As("search", "platform"); }, log),
              IsOk());
  for (size_t i = 0; i < log.size(); ++i) {
    ASSERT_EQ(log[i].sequence(), i + 1) << "a gap in the log";
  }
  // The firm's audit holds exactly the log's records of the firm: an entry
  // is never kept without its change, nor a change without its entry.
  std::vector<uint64_t> audited;
  v1::ListAuditEntriesRequest audit;
  audit.set_parent(firm_);
  audit.set_page_size(1000);
  do {
    v1::ListAuditEntriesResponse page;
    ASSERT_THAT(changes->ListAuditEntries(As("alice").get(), audit, &page), IsOk());
    for (const v1::AuditEntry& entry : page.audit_entries()) {
      audited.push_back(entry.change().sequence());
    }
    audit.set_page_token(page.next_page_token());
  } while (!audit.page_token().empty());
  std::sort(audited.begin(), audited.end());
  std::vector<uint64_t> firms_records;
  for (const v1::ChangeEvent& event : log) {
    if (event.name() == firm_ || absl::StartsWith(event.name(), firm_ + "/")) {
      firms_records.push_back(event.sequence());
    }
  }
  EXPECT_EQ(audited, firms_records) << "the audit and the log disagree";

  std::vector<uint64_t> clients_in_log;
  for (const v1::ChangeEvent& event : log) {
    if (event.resource_type() == "clientbook.v1.Client") {
      clients_in_log.push_back(event.sequence());
    }
  }

  // The watcher catches up with the log's end, then stops.
  for (int wait = 0;; ++wait) {
    {
      absl::MutexLock lock(&seen.mu);
      if (!seen.events.empty() && seen.events.back().sequence() >= clients_in_log.back())
        break;
    }
    ASSERT_LT(wait, 3000) << "the watcher never caught up";
    absl::SleepFor(absl::Milliseconds(10));
  }
  stop_watching = true;
  watcher.join();

  absl::MutexLock lock(&seen.mu);
  std::vector<uint64_t> watched;
  size_t duplicates = 0;
  for (const v1::ChangeEvent& event : seen.events) {
    if (!watched.empty() && event.sequence() <= watched.back()) ++duplicates;
    watched.push_back(event.sequence());
  }
  EXPECT_EQ(duplicates, 0u);
  EXPECT_EQ(watched, clients_in_log)
      << "the watcher saw exactly the log's client changes";
  // Every acknowledged write is in what the watcher saw, in order.
  std::map<std::string, std::vector<std::string>> watched_etags;
  for (const v1::ChangeEvent& event : seen.events) {
    watched_etags[event.name()].push_back(event.etag());
  }
  size_t missing = 0;
  for (const auto& [name, etags] : acknowledged) {
    const std::vector<std::string>& got = watched_etags[name];
    size_t at = 0;
    for (const std::string& etag : etags) {
      while (at < got.size() && got[at] != etag) ++at;
      if (at == got.size()) ++missing;
    }
  }
  EXPECT_EQ(missing, 0u);
  std::printf(
      "change feed kill -9 rounds: %d, acknowledged writes: %zu, log records: %zu, "
      "events checked: %zu, watcher resumes: %d, duplicates: %zu, gaps: 0, missing: %zu, "
      "audit entries: %zu\n",
      rounds, writes, log.size(), seen.events.size(), seen.resumes, duplicates, missing,
      audited.size());
}

// Billing killed at random moments while the directory deletes subscribed
// clients: once it is back, every deleted client's subscription has left the
// firm's list.
TEST_F(ChangeFeedKillTest, BillingCatchesUpWithDeletionsMadeAroundItsKills) {
  absl::BitGen random;
  const int rounds = testing::KillRounds();
  std::vector<std::string> clients;
  for (int i = 0; i < rounds * 2; ++i) {
    v1::CreateClientRequest req;
    req.set_parent(firm_);
    req.mutable_client()->set_display_name(absl::StrCat("Client ", i));
    req.mutable_client()->set_client_type(v1::BUSINESS);
    v1::Client client;
    ASSERT_THAT(cluster_.directory->CreateClient(As("alice").get(), req, &client),
                IsOk());
    v1::SubscribeClientRequest subscribe;
    subscribe.set_parent(client.name());
    subscribe.mutable_subscription()->set_plan(v1::DIRECT_DISCOUNT);
    subscribe.mutable_subscription()->add_products(v1::PLUS);
    v1::Subscription subscription;
    ASSERT_THAT(
        cluster_.billing->SubscribeClient(As("alice").get(), subscribe, &subscription),
        IsOk());
    clients.push_back(client.name());
  }
  auto listed = [&] {
    v1::ListSubscriptionsRequest req;
    req.set_parent(firm_);
    req.set_page_size(1000);
    v1::ListSubscriptionsResponse resp;
    auto ctx = As("alice");
    ctx->set_wait_for_ready(true);
    grpc::Status status = cluster_.billing->ListSubscriptions(ctx.get(), req, &resp);
    return status.ok() ? resp.subscriptions_size() : -1;
  };
  ASSERT_EQ(listed(), rounds * 2);

  size_t deleted = 0;
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    std::thread killer([&] {
      absl::SleepFor(absl::Milliseconds(absl::Uniform(random, 0, 50)));
      cluster_.KillBilling();
    });
    // Deletes ask billing first: they succeed before the kill, and after the
    // restart. Around the kill, a caller waits half a second.
    for (int i = 0; i < 2; ++i) {
      google::protobuf::Empty out;
      v1::DeleteClientRequest req;
      req.set_name(clients[round * 2 + i]);
      auto ctx = As("alice");
      ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
      if (cluster_.directory->DeleteClient(ctx.get(), req, &out).ok()) {
        ++deleted;
        clients[round * 2 + i].clear();
      }
    }
    killer.join();
    ASSERT_TRUE(cluster_.StartBilling());
    for (int i = 0; i < 2; ++i) {
      std::string& name = clients[round * 2 + i];
      if (name.empty()) continue;
      google::protobuf::Empty out;
      v1::DeleteClientRequest req;
      req.set_name(name);
      // The first call runs out of time: the directory may have deleted the
      // client just after, as a caller finds asking again.
      auto ctx = As("alice");
      const grpc::Status status = cluster_.directory->DeleteClient(ctx.get(), req, &out);
      ASSERT_TRUE(status.ok() || status.error_code() == grpc::StatusCode::NOT_FOUND)
          << status.error_code() << " " << status.error_message();
      ++deleted;
    }
  }
  ASSERT_EQ(deleted, static_cast<size_t>(rounds * 2));
  int left = listed();
  for (int wait = 0; left != 0 && wait < 1000; ++wait) {
    absl::SleepFor(absl::Milliseconds(20));
    left = listed();
  }
  EXPECT_EQ(left, 0) << "subscriptions of deleted clients still listed";
  std::printf("billing kill -9 rounds: %d, clients deleted: %zu, still listed: %d\n",
              rounds, deleted, left);
}

}  // namespace
}  // namespace clientbook
