#ifndef CLIENTBOOK_TESTS_UNIT_BILLING_BILLING_FIXTURE_H_
#define CLIENTBOOK_TESTS_UNIT_BILLING_BILLING_FIXTURE_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "services/billing/domain/billing.h"
#include "services/billing/store/rocksdb_billing_store.h"
#include "services/directory/domain/directory.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "tests/support/callers.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/status_matchers.h"

namespace clientbook::billing {

// The directory's real rules (its domain over an in-memory RocksDB) behind
// billing's DirectoryPort port, as the gRPC adapter answers; `answer`
// set to an error plays a directory that does not answer.
// (tests/integration/billing runs the real gRPC adapter.)
class InMemoryDirectoryPort final : public DirectoryPort {
 public:
  explicit InMemoryDirectoryPort(directory::Directory& directory)
      : directory_(directory) {}

  absl::Status CheckMember(const auth::Caller& caller, uint64_t firm_id) override {
    ++asked;
    if (!answer.ok()) return answer;
    return directory_.firms.GetFirm(caller, names::FirmName{firm_id}).status();
  }
  absl::StatusOr<std::string> ClientPrimaryAdmin(const auth::Caller& caller,
                                                 uint64_t firm_id,
                                                 uint64_t company_id) override {
    ++asked;
    if (!answer.ok()) return answer;
    auto client =
        directory_.clients.GetClient(caller, names::ClientName{firm_id, company_id});
    if (!client.ok()) return client.status();
    if (caller.for_change && while_checked) std::exchange(while_checked, nullptr)();
    return client->primary_admin_user_id();
  }

  absl::Status answer = absl::OkStatus();
  // How many questions billing asked.
  int asked = 0;
  // Runs once, the next time billing checks a client for a change, once
  // the directory has answered.
  std::function<void()> while_checked;

 private:
  directory::Directory& directory_;
};

// The real Billing over the real RocksDB store in memory, on a fake clock,
// asking the real directory domain (also in memory): firm_ of "anna", whose
// client ref_ has "client-owner" as its company's primary admin, and
// other_firm_ of "other-firm-member".
class BillingTest : public ::testing::Test {
 protected:
  BillingTest()
      : env_(rocksdb::NewMemEnv(rocksdb::Env::Default())),
        clock_(absl::FromCivil(absl::CivilSecond(2026, 3, 2, 12, 0, 0),
                               absl::UTCTimeZone())),
        directory_db_(
            std::move(*storage::Database::Open("/directory", {.env = env_.get()}))),
        directory_store_(std::move(
            *directory::RocksDirectoryStore::Create(directory_db_.get(), clock_))),
        domain_(std::make_unique<directory::Directory>(*directory_store_, clock_,
                                                       wholesale_, imports_)),
        directory_(*domain_) {
    db_ = std::move(*storage::Database::Open("/billing", {.env = env_.get()}));
    store_ = std::move(*RocksBillingStore::Create(db_.get(), clock_));
    billing_ = std::make_unique<Billing>(*store_, clock_, directory_);
    firm_ = NewFirm("anna");
    other_firm_ = NewFirm("other-firm-member");
    ref_ = NewClient("client-owner");
  }

  uint64_t NewFirm(const std::string& owner) {
    return testing::ValueOrFail(domain_->firms.CreateFirm(testing::As(owner), "Studio",
                                                          owner + "@studio.example",
                                                          owner, ""))
        .id();
  }

  // A client of firm_ whose company's primary admin is `primary_admin`.
  names::SubscriptionName NewClient(const std::string& primary_admin) {
    directory::ClientRecord draft;
    draft.set_display_name(absl::StrCat("Client of ", primary_admin));
    draft.set_client_type(v1::BUSINESS);
    const uint64_t id = testing::ValueOrFail(domain_->clients.CreateClient(
                                                 testing::As("anna"),
                                                 names::FirmName{firm_}, draft, true, "",
                                                 /*allow_duplicate_name=*/true))
                            .company_id();
    EXPECT_THAT(domain_->clients.ChangeClientPrimaryAdmin(
                    testing::As("anna"), names::ClientName{firm_, id}, primary_admin),
                ::clientbook::testing::IsOk());
    return {firm_, id};
  }

  absl::StatusOr<SubscriptionView> Subscribe(
      v1::Plan plan, std::initializer_list<v1::Product> ps,
      v1::BillingPeriod period = v1::BillingPeriod::MONTHLY) {
    return billing_->Subscribe(testing::As("anna"), ref_, plan, ps, period, "");
  }

  SubscriptionView Now() {
    return testing::ValueOrFail(billing_->Get(testing::As("anna"), ref_));
  }

  // The directory's delete and merge ask this billing whether ref_ is on
  // wholesale or subscribed, as its gRPC adapter does; `after_answer` runs
  // once billing has answered.
  void DirectoryAsksBilling(std::function<void()> after_answer = nullptr) {
    wholesale_.while_asked = [this, after_answer] {
      absl::StatusOr<SubscriptionView> now = billing_->Get(testing::As("anna"), ref_);
      wholesale_.on_wholesale.clear();
      if (now.ok() && now->record.plan() == v1::WHOLESALE) {
        wholesale_.on_wholesale.insert(ref_.company_id);
      }
      if (after_answer) after_answer();
    };
  }

  static std::optional<std::string> Reason(const absl::Status& s) {
    return errors::ReasonOf(s);
  }

  std::unique_ptr<rocksdb::Env> env_;
  FakeClock clock_;
  directory::FakeWholesaleCheck wholesale_;
  directory::FakeImportActivity imports_;
  std::unique_ptr<storage::Database> directory_db_;
  std::unique_ptr<directory::RocksDirectoryStore> directory_store_;
  std::unique_ptr<directory::Directory> domain_;
  InMemoryDirectoryPort directory_;
  uint64_t firm_ = 0;
  uint64_t other_firm_ = 0;
  names::SubscriptionName ref_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<RocksBillingStore> store_;
  std::unique_ptr<Billing> billing_;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_TESTS_UNIT_BILLING_BILLING_FIXTURE_H_
