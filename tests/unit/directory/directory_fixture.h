#ifndef CLIENTBOOK_TESTS_UNIT_DIRECTORY_DIRECTORY_FIXTURE_H_
#define CLIENTBOOK_TESTS_UNIT_DIRECTORY_DIRECTORY_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "services/directory/domain/directory.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "tests/support/callers.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/longest_products.h"
#include "tests/support/status_matchers.h"

namespace clientbook::directory {

// The real Directory over the real RocksDB store, in memory (no disk), on a
// fake clock. Firm 1's primary admin is "owner".
class DirectoryTest : public ::testing::Test {
 protected:
  DirectoryTest()
      : env_(rocksdb::NewMemEnv(rocksdb::Env::Default())),
        clock_(absl::FromCivil(absl::CivilSecond(2026, 1, 15, 9, 0, 0),
                               absl::UTCTimeZone())) {
    db_ = std::move(*storage::Database::Open("/directory", {.env = env_.get()}));
    store_ = std::move(*RocksDirectoryStore::Create(db_.get(), clock_));
    directory_ = std::make_unique<Directory>(*store_, clock_, wholesale_, imports_);
  }

  uint64_t NewFirm(const std::string& owner = "owner") {
    return testing::ValueOrFail(directory_->firms.CreateFirm(
                                    testing::As(owner), absl::StrCat("Firm of ", owner),
                                    absl::StrCat(owner, "@firm.example"), owner, ""))
        .id();
  }

  void AddMember(uint64_t firm, const std::string& user, v1::Role role,
                 const std::string& email = "", const std::string& by = "owner") {
    MemberRecord m;
    m.set_user_id(user);
    m.set_email(email.empty() ? user + "@firm.example" : email);
    m.set_role(role);
    auto added = directory_->firms.AddMember(testing::As(by), names::FirmName{firm}, m);
    ASSERT_THAT(added, ::clientbook::testing::IsOk()) << added.status();
  }

  static ClientRecord Draft(const std::string& name, const std::string& number = "",
                            v1::ClientType type = v1::ClientType::BUSINESS) {
    ClientRecord c;
    c.set_display_name(name);
    c.set_client_number(number);
    c.set_client_type(type);
    return c;
  }

  // Seeds a client; names may repeat (duplicate_names_test.cc covers refusal).
  ClientRecord NewClient(uint64_t firm, const std::string& name,
                         const std::string& number = "",
                         const std::string& caller = "owner") {
    return testing::ValueOrFail(directory_->clients.CreateClient(
        testing::As(caller), names::FirmName{firm}, Draft(name, number), false, "",
        /*allow_duplicate_name=*/true));
  }

  // Seeds a client as large as the rules allow: 50 products of 100
  // four-byte characters, about 21 KB (names may repeat).
  ClientRecord NewLargeClient(uint64_t firm, const std::string& name,
                              const std::string& caller = "owner") {
    ClientRecord draft = Draft(name);
    for (std::string& product : testing::LongestProducts()) {
      draft.add_products(std::move(product));
    }
    return testing::ValueOrFail(directory_->clients.CreateClient(
        testing::As(caller), names::FirmName{firm}, draft, false, "",
        /*allow_duplicate_name=*/true));
  }

  std::unique_ptr<rocksdb::Env> env_;
  FakeClock clock_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<RocksDirectoryStore> store_;
  FakeWholesaleCheck wholesale_;
  FakeImportActivity imports_;
  std::unique_ptr<Directory> directory_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_TESTS_UNIT_DIRECTORY_DIRECTORY_FIXTURE_H_
