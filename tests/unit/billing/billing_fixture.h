#ifndef CLIENTBOOK_TESTS_UNIT_BILLING_BILLING_FIXTURE_H_
#define CLIENTBOOK_TESTS_UNIT_BILLING_BILLING_FIXTURE_H_

#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "services/billing/domain/billing.h"
#include "services/billing/store/rocksdb_billing_store.h"
#include "tests/support/status_matchers.h"

namespace clientbook::billing {

// Stands in for the directory service (tests/integration/billing and
// tests/e2e use the real one): members per firm, each client's primary
// admin, or an error for every call.
class FakeDirectory final : public DirectoryClient {
 public:
  absl::Status CheckMember(absl::string_view caller, uint64_t firm_id) override {
    if (!answer.ok()) return answer;
    if (members[firm_id].contains(std::string(caller))) return absl::OkStatus();
    return absl::PermissionDeniedError("not a member");
  }
  absl::StatusOr<ClientAccess> AccessToClient(absl::string_view caller, uint64_t firm_id,
                                              uint64_t company_id) override {
    if (!answer.ok()) return answer;
    ClientAccess access;
    access.firm_member = members[firm_id].contains(std::string(caller));
    auto client = primary_admins.find({firm_id, company_id});
    if (client == primary_admins.end()) {
      if (!access.firm_member) return absl::PermissionDeniedError("not a member");
      return absl::NotFoundError("no such client");
    }
    access.client_primary_admin = client->second == caller;
    if (!access.firm_member && !access.client_primary_admin) {
      return absl::PermissionDeniedError("neither member nor primary admin");
    }
    return access;
  }

  std::map<uint64_t, std::set<std::string>> members;
  std::map<std::pair<uint64_t, uint64_t>, std::string> primary_admins;
  absl::Status answer = absl::OkStatus();
};

// The real Billing over the real RocksDB store in memory, on a fake clock.
// Firm 1 has member "anna"; its client 100 has primary admin "client-owner"
// and is subscribed on a monthly direct discount with PLUS.
class BillingTest : public ::testing::Test {
 protected:
  static constexpr names::SubscriptionName kRef{1, 100};

  BillingTest()
      : env_(rocksdb::NewMemEnv(rocksdb::Env::Default())),
        clock_(absl::FromCivil(absl::CivilSecond(2026, 3, 2, 12, 0, 0),
                               absl::UTCTimeZone())) {
    db_ = std::move(*storage::Database::Open("/billing", {.env = env_.get()}));
    store_ = std::make_unique<RocksBillingStore>(db_.get());
    billing_ = std::make_unique<Billing>(*store_, clock_, directory_);
    directory_.members[1] = {"anna"};
    directory_.members[2] = {"other-firm-member"};
    directory_.primary_admins[{1, 100}] = "client-owner";
  }

  absl::StatusOr<SubscriptionView> Subscribe(
      v1::Plan plan, std::initializer_list<v1::Product> ps,
      v1::BillingPeriod period = v1::BillingPeriod::MONTHLY) {
    return billing_->Subscribe("anna", kRef, plan, ps, period, "");
  }

  SubscriptionView Now() { return testing::ValueOrFail(billing_->Get("anna", kRef)); }

  static std::optional<std::string> Reason(const absl::Status& s) {
    return errors::ReasonOf(s);
  }

  std::unique_ptr<rocksdb::Env> env_;
  FakeClock clock_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<RocksBillingStore> store_;
  FakeDirectory directory_;
  std::unique_ptr<Billing> billing_;
};

}  // namespace clientbook::billing

#endif  // CLIENTBOOK_TESTS_UNIT_BILLING_BILLING_FIXTURE_H_
