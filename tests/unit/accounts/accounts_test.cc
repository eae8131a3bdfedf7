// The accounts index over the real store (RocksDB in memory): what each
// cell's feed says of firms and memberships, applied once or again, and a
// cell's feed started over without touching another cell's.
#include "services/accounts/domain/accounts.h"

#include <atomic>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/names/cell.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "services/accounts/store/rocksdb_accounts_store.h"
#include "tests/support/status_matchers.h"

namespace clientbook::accounts {
namespace {

using ::clientbook::testing::IsOk;

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::clientbook::testing::IsOk())

constexpr names::Cell kCell1{1};
constexpr names::Cell kCell2{2};

v1::ChangeEvent FirmEvent(v1::ChangeEvent::Type type, uint64_t id,
                          const std::string& title) {
  v1::ChangeEvent event;
  event.set_type(type);
  event.set_resource_type("clientbook.v1.Firm");
  event.set_name(absl::StrCat("firms/", id));
  if (type != v1::ChangeEvent::DELETED) {
    event.mutable_resource()->mutable_firm()->set_name(event.name());
    event.mutable_resource()->mutable_firm()->set_display_name(title);
  }
  return event;
}

v1::ChangeEvent MemberEvent(v1::ChangeEvent::Type type, uint64_t firm,
                            const std::string& user) {
  v1::ChangeEvent event;
  event.set_type(type);
  event.set_resource_type("clientbook.v1.FirmMember");
  event.set_name(absl::StrCat("firms/", firm, "/members/", user));
  if (type != v1::ChangeEvent::DELETED) {
    event.mutable_resource()->mutable_firm_member()->set_name(event.name());
  }
  return event;
}

google::protobuf::RepeatedPtrField<v1::ChangeEvent> Batch(
    std::initializer_list<v1::ChangeEvent> events) {
  google::protobuf::RepeatedPtrField<v1::ChangeEvent> out;
  for (const v1::ChangeEvent& event : events) *out.Add() = event;
  return out;
}

class AccountsTest : public ::testing::Test {
 protected:
  AccountsTest()
      : env_(rocksdb::NewMemEnv(rocksdb::Env::Default())),
        db_(std::move(*storage::Database::Open("/accounts", {.env = env_.get()}))),
        store_(std::move(*RocksAccountsStore::Open(db_.get(), clock_))),
        accounts_(*store_) {}

  std::vector<std::string> FirmsOf(const std::string& user) {
    absl::StatusOr<storage::Page<v1::Firm>> page = accounts_.ListMyFirms(user, {});
    EXPECT_THAT(page, IsOk()) << page.status();
    std::vector<std::string> names;
    if (page.ok()) {
      for (const v1::Firm& firm : page->items) {
        names.push_back(absl::StrCat(firm.name(), " ", firm.display_name()));
      }
    }
    return names;
  }

  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<storage::Database> db_;
  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<RocksAccountsStore> store_;
  Accounts accounts_;
};

TEST_F(AccountsTest, AUsersFirmsComeFromEveryCellInIdOrderAndAgainChangeNothing) {
  const uint64_t one = kCell1.first_id() + 5, two = kCell2.first_id() + 3;
  const auto firms = Batch({FirmEvent(v1::ChangeEvent::EXISTS, one, "Uno")});
  const auto members = Batch({MemberEvent(v1::ChangeEvent::EXISTS, one, "alice"),
                              MemberEvent(v1::ChangeEvent::CREATED, one, "bob")});
  for (int again = 0; again < 2; ++again) {
    ASSERT_OK(accounts_.Apply({kCell1, Feed::kFirms}, firms, "f1"));
    ASSERT_OK(accounts_.Apply({kCell1, Feed::kMembers}, members, "m1"));
  }
  // A membership whose firm record has not arrived yet is listed by name.
  ASSERT_OK(accounts_.Apply({kCell2, Feed::kMembers},
                            Batch({MemberEvent(v1::ChangeEvent::CREATED, two, "alice")}),
                            "m2"));
  EXPECT_EQ(FirmsOf("alice"),
            (std::vector<std::string>{absl::StrCat("firms/", one, " Uno"),
                                      absl::StrCat("firms/", two, " ")}));
  ASSERT_OK(accounts_.Apply({kCell2, Feed::kFirms},
                            Batch({FirmEvent(v1::ChangeEvent::CREATED, two, "Due")}),
                            "f2"));
  EXPECT_EQ(FirmsOf("alice").back(), absl::StrCat("firms/", two, " Due"));
  // "al" is not a prefix of alice's memberships.
  EXPECT_TRUE(FirmsOf("al").empty());
  EXPECT_EQ(FirmsOf("bob"),
            std::vector<std::string>{absl::StrCat("firms/", one, " Uno")});
  EXPECT_EQ(*accounts_.Position({kCell1, Feed::kMembers}), "m1");
  EXPECT_EQ(*accounts_.Position({kCell2, Feed::kFirms}), "f2");
}

TEST_F(AccountsTest, LeavingRenamingAndAnotherCellsFirmsAreAppliedAsTheFeedSays) {
  const uint64_t one = kCell1.first_id() + 1;
  ASSERT_OK(accounts_.Apply({kCell1, Feed::kFirms},
                            Batch({FirmEvent(v1::ChangeEvent::CREATED, one, "Uno"),
                                   FirmEvent(v1::ChangeEvent::UPDATED, one, "Uno bis")}),
                            "f"));
  ASSERT_OK(accounts_.Apply({kCell1, Feed::kMembers},
                            Batch({MemberEvent(v1::ChangeEvent::CREATED, one, "bob"),
                                   MemberEvent(v1::ChangeEvent::DELETED, one, "bob"),
                                   MemberEvent(v1::ChangeEvent::CREATED, one, "carla")}),
                            "m"));
  EXPECT_TRUE(FirmsOf("bob").empty());
  EXPECT_EQ(FirmsOf("carla"),
            std::vector<std::string>{absl::StrCat("firms/", one, " Uno bis")});
  // Cell 1's feed speaks for cell 1 alone.
  ASSERT_OK(accounts_.Apply(
      {kCell1, Feed::kMembers},
      Batch({MemberEvent(v1::ChangeEvent::CREATED, kCell2.first_id() + 1, "carla")}),
      "m"));
  EXPECT_EQ(FirmsOf("carla").size(), 1u);
  // A snapshot's batches carry no token: the position stays.
  ASSERT_OK(accounts_.Apply({kCell1, Feed::kMembers}, Batch({}), ""));
  EXPECT_EQ(*accounts_.Position({kCell1, Feed::kMembers}), "m");
}

TEST_F(AccountsTest, StartingACellsFeedOverForgetsWhatItBuiltThereAlone) {
  const uint64_t one = kCell1.first_id() + 1, two = kCell2.first_id() + 1;
  for (const auto& [cell, id] : {std::pair{kCell1, one}, std::pair{kCell2, two}}) {
    ASSERT_OK(accounts_.Apply({cell, Feed::kFirms},
                              Batch({FirmEvent(v1::ChangeEvent::EXISTS, id, "Studio")}),
                              "f"));
    ASSERT_OK(accounts_.Apply({cell, Feed::kMembers},
                              Batch({MemberEvent(v1::ChangeEvent::EXISTS, id, "alice")}),
                              "m"));
  }
  ASSERT_OK(accounts_.Forget({kCell1, Feed::kMembers}));
  EXPECT_EQ(FirmsOf("alice"),
            std::vector<std::string>{absl::StrCat("firms/", two, " Studio")});
  EXPECT_EQ(*accounts_.Position({kCell1, Feed::kMembers}), "");
  EXPECT_EQ(*accounts_.Position({kCell1, Feed::kFirms}), "f");
  ASSERT_OK(accounts_.Forget({kCell2, Feed::kFirms}));
  EXPECT_EQ(FirmsOf("alice"), std::vector<std::string>{absl::StrCat("firms/", two, " ")});
}

TEST_F(AccountsTest, PagesFollowEachOtherAndATokenFitsOneUserAlone) {
  for (uint64_t i = 1; i <= 5; ++i) {
    ASSERT_OK(accounts_.Apply(
        {kCell1, Feed::kMembers},
        Batch({MemberEvent(v1::ChangeEvent::CREATED, kCell1.first_id() + i, "alice")}),
        "m"));
  }
  std::set<std::string> seen;
  storage::PageRequest request{.page_size = 2};
  do {
    absl::StatusOr<storage::Page<v1::Firm>> page =
        accounts_.ListMyFirms("alice", request);
    ASSERT_OK(page.status());
    EXPECT_LE(page->items.size(), 2u);
    for (const v1::Firm& firm : page->items) EXPECT_TRUE(seen.insert(firm.name()).second);
    request.page_token = page->next_page_token;
    if (!request.page_token.empty()) {
      EXPECT_EQ(accounts_.ListMyFirms("bob", request).status().code(),
                absl::StatusCode::kInvalidArgument);
    }
  } while (!request.page_token.empty());
  EXPECT_EQ(seen.size(), 5u);
}

// 64 readers while a feed applies batch after batch: each write is whole,
// so a reader sees a user's firms grow one batch at a time, never a part of
// one, and never fewer than it saw before.
TEST_F(AccountsTest, SixtyFourRacingReadersSeeWholeBatchesOnly) {
  constexpr int kBatches = 100;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, shrank{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 64; ++r) {
    readers.emplace_back([&] {
      size_t last = 0;
      while (!done.load()) {
        absl::StatusOr<storage::Page<v1::Firm>> page =
            accounts_.ListMyFirms("alice", {.page_size = 1000});
        if (!page.ok()) continue;
        // Each batch adds two firms: an odd count is half a batch.
        if (page->items.size() % 2 != 0) ++torn;
        if (page->items.size() < last) ++shrank;
        last = page->items.size();
      }
    });
  }
  for (uint64_t i = 0; i < kBatches; ++i) {
    ASSERT_OK(
        accounts_.Apply({kCell1, Feed::kMembers},
                        Batch({MemberEvent(v1::ChangeEvent::CREATED,
                                           kCell1.first_id() + 2 * i + 1, "alice"),
                               MemberEvent(v1::ChangeEvent::CREATED,
                                           kCell1.first_id() + 2 * i + 2, "alice")}),
                        absl::StrCat("m", i)));
  }
  done = true;
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(shrank.load(), 0);
  absl::StatusOr<storage::Page<v1::Firm>> all =
      accounts_.ListMyFirms("alice", {.page_size = 1000});
  ASSERT_OK(all.status());
  EXPECT_EQ(all->items.size(), 2u * kBatches);
}

}  // namespace
}  // namespace clientbook::accounts
