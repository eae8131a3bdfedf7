#include <thread>

#include "common/status/errors.h"
#include "services/directory/domain/rules.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/directory/directory_fixture.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::clientbook::testing::ValueOrFail;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ClientTest : public DirectoryTest {
 protected:
  ClientTest() : firm_(NewFirm()) {}
  uint64_t firm_;
};

TEST_F(ClientTest, NewClientIsActiveLedByTheCallerWithAUniqueCompanyId) {
  ClientRecord a = NewClient(firm_, "Rossi SRL");
  ClientRecord b = NewClient(firm_, "Bianchi SNC");
  EXPECT_EQ(a.status(), v1::ClientStatus::ACTIVE);
  EXPECT_EQ(a.lead_accountant_user_id(), "owner");
  EXPECT_NE(a.company_id(), b.company_id());
  EXPECT_TRUE(a.primary_admin_user_id().empty());
}

TEST_F(ClientTest, MakeMePrimaryAdminMakesTheCallerTheClientsPrimaryAdmin) {
  auto c = directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                            Draft("Rossi"), true, "");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->primary_admin_user_id(), "owner");
}

TEST_F(ClientTest, LeadAccountantMustBeAMemberOfTheFirm) {
  ClientRecord draft = Draft("Rossi");
  draft.set_lead_accountant_user_id("outsider");
  auto c = directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                            draft, false, "");
  EXPECT_THAT(c, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(c.status())[0].field, "client.lead_accountant");
}

TEST_F(ClientTest, TypeAndNameAreRequired) {
  ClientRecord draft = Draft(" \t ");
  draft.set_client_type(v1::CLIENT_TYPE_UNSPECIFIED);
  auto c = directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                            draft, false, "");
  EXPECT_THAT(c, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(c.status()).size(), 2u);
}

// A name shows: invisible characters alone are none, and it is one line.
TEST_F(ClientTest, ADisplayNameIsOneLineOfSomethingVisible) {
  for (const char* name : {"\u200B", " \u200E\uFEFF ", "\u3000"}) {
    auto c = directory_->clients.CreateClient(
        testing::As("owner"), names::FirmName{firm_}, Draft(name), false, "");
    EXPECT_THAT(c, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(c.status().message(), HasSubstr("client.display_name: is required"));
  }
  for (const std::string& name :
       {std::string("Rossi\nSRL"), std::string("Ros\0si", 6), std::string("\abell"),
        std::string("Rossi\xC2\x85SRL")}) {
    auto c = directory_->clients.CreateClient(
        testing::As("owner"), names::FirmName{firm_}, Draft(name), false, "");
    EXPECT_THAT(c, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(c.status().message(), HasSubstr("control character"));
  }
  EXPECT_THAT(
      directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                       Draft("\u05DE\u05E8\u05E7\u200F"), false, ""),
      IsOk());
}

TEST_F(ClientTest, StaffMayCreateClients) {
  AddMember(firm_, "staff", v1::Role::STAFF);
  auto c = directory_->clients.CreateClient(testing::As("staff"), names::FirmName{firm_},
                                            Draft("Verdi"), false, "");
  EXPECT_THAT(c, IsOk()) << c.status();
}

TEST_F(ClientTest, NonMemberCannotCreateOrRead) {
  ClientRecord c = NewClient(firm_, "Rossi");
  EXPECT_THAT(directory_->clients.CreateClient(
                  testing::As("stranger"), names::FirmName{firm_}, Draft("X"), false, ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(directory_->clients.GetClient(testing::As("stranger"),
                                            names::ClientName{firm_, c.company_id()}),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(ClientTest, AnotherFirmsClientIsNotFoundUnderYourFirm) {
  uint64_t other = NewFirm("other");
  ClientRecord theirs = NewClient(other, "Their Client", "", "other");
  EXPECT_THAT(directory_->clients.GetClient(
                  testing::As("owner"), names::ClientName{firm_, theirs.company_id()}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(directory_->clients.GetClient(
                  testing::As("owner"), names::ClientName{other, theirs.company_id()}),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(ClientTest, RetryWithSameRequestIdCreatesOneClient) {
  auto first = directory_->clients.CreateClient(
      testing::As("owner"), names::FirmName{firm_}, Draft("Rossi"), false, "r1");
  auto retry = directory_->clients.CreateClient(
      testing::As("owner"), names::FirmName{firm_}, Draft("Rossi"), false, "r1");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(first->company_id(), retry->company_id());
  auto all = directory_->listing.ListClients(testing::As("owner"), {.firm_id = firm_});
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->items.size(), 1u);
}

TEST_F(ClientTest, ARequestIdReusedForAnotherClientIsRefused) {
  ASSERT_THAT(
      directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                       Draft("Rossi"), false, "r1"),
      IsOk());
  auto reused = directory_->clients.CreateClient(
      testing::As("owner"), names::FirmName{firm_}, Draft("Bianchi"), false, "r1");
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(reused.status().message(), HasSubstr("request_id"));
  EXPECT_EQ(directory_->listing.ListClients(testing::As("owner"), {.firm_id = firm_})
                ->items.size(),
            1u);
  // Ids belong to their caller and firm.
  AddMember(firm_, "staff", v1::Role::STAFF);
  EXPECT_THAT(
      directory_->clients.CreateClient(testing::As("staff"), names::FirmName{firm_},
                                       Draft("Bianchi"), false, "r1"),
      IsOk());
}

TEST_F(ClientTest, UpdateNeedsTheCurrentEtag) {
  ClientRecord c = NewClient(firm_, "Rossi");
  ClientRecord patch;
  patch.set_display_name("Rossi SpA");
  EXPECT_THAT(directory_->clients.UpdateClient(testing::As("owner"),
                                               names::ClientName{firm_, c.company_id()},
                                               patch, {"display_name"}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto updated = directory_->clients.UpdateClient(
      testing::As("owner"), names::ClientName{firm_, c.company_id()}, patch,
      {"display_name"}, EtagOf(c));
  ASSERT_THAT(updated, IsOk()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Rossi SpA");
  EXPECT_NE(EtagOf(*updated), EtagOf(c));

  // A second writer still holding the first etag loses, and changes nothing.
  patch.set_display_name("Overwritten");
  auto stale = directory_->clients.UpdateClient(testing::As("owner"),
                                                names::ClientName{firm_, c.company_id()},
                                                patch, {"display_name"}, EtagOf(c));
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(directory_->clients
                .GetClient(testing::As("owner"), names::ClientName{firm_, c.company_id()})
                ->display_name(),
            "Rossi SpA");
}

// An update whose answer was lost, retried under its request id, is
// answered the client as it is now rather than ABORTED by the etag its own
// first call moved; 64 racing retries move it once. The id names one
// request: another update, or a CreateClient, under it is INVALID_ARGUMENT.
TEST_F(ClientTest, AnUpdateRetriedUnderItsRequestIdIsAnsweredNotAborted) {
  const ClientRecord c = NewClient(firm_, "Rossi");
  const names::ClientName name{firm_, c.company_id()};
  ClientRecord patch;
  patch.set_display_name("Rossi SpA");
  auto update = [&](const ClientRecord& p, const std::string& request_id) {
    return directory_->clients.UpdateClient(
        testing::As("owner"), name, p, {"display_name"}, EtagOf(c), false, request_id);
  };
  std::vector<absl::StatusOr<ClientRecord>> answers(64);
  std::vector<std::thread> racers;
  for (int i = 0; i < 64; ++i) {
    racers.emplace_back([&, i] { answers[i] = update(patch, "rename-rossi"); });
  }
  for (std::thread& racer : racers) racer.join();
  for (const absl::StatusOr<ClientRecord>& answer : answers) {
    ASSERT_THAT(answer, IsOk()) << answer.status();
    EXPECT_EQ(answer->display_name(), "Rossi SpA");
    EXPECT_EQ(answer->revision(), c.revision() + 1) << "moved once";
  }
  EXPECT_THAT(update(patch, ""), StatusIs(absl::StatusCode::kAborted))
      << "without the id, the etag is stale";
  ClientRecord other = patch;
  other.set_display_name("Rossi Srl");
  EXPECT_THAT(update(other, "rename-rossi"),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_THAT(
      directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                       Draft("Verdi"), false, "rename-rossi"),
      StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_THAT(update(patch, std::string(129, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_EQ(
      ValueOrFail(directory_->clients.GetClient(testing::As("owner"), name)).revision(),
      c.revision() + 1);
}

TEST_F(ClientTest, UpdateRejectsImmutableAndUnknownPaths) {
  ClientRecord c = NewClient(firm_, "Rossi");
  for (const char* path : {"company_id", "status", "primary_admin_user_id", "nonsense"}) {
    auto r = directory_->clients.UpdateClient(testing::As("owner"),
                                              names::ClientName{firm_, c.company_id()},
                                              ClientRecord(), {path}, EtagOf(c));
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument)) << path;
  }
  // A mask whose paths were all output-only (ignored) updates nothing.
  auto nothing = directory_->clients.UpdateClient(
      testing::As("owner"), names::ClientName{firm_, c.company_id()}, ClientRecord(), {},
      EtagOf(c));
  ASSERT_THAT(nothing, IsOk());
  EXPECT_EQ(EtagOf(*nothing), EtagOf(c));
}

TEST_F(ClientTest, UpdateChangesOnlyTheMaskedFields) {
  ClientRecord c = NewClient(firm_, "Rossi", "A-1");
  ClientRecord patch = Draft("Ignored", "B-2");
  patch.set_email("books@rossi.example");
  auto updated = directory_->clients.UpdateClient(
      testing::As("owner"), names::ClientName{firm_, c.company_id()}, patch, {"email"},
      EtagOf(c));
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->email(), "books@rossi.example");
  EXPECT_EQ(updated->display_name(), "Rossi");
  EXPECT_EQ(updated->client_number(), "A-1");
}

TEST_F(ClientTest, UpdateChangesTheClientTypeToAKnownOneOnly) {
  ClientRecord c = NewClient(firm_, "Rossi");
  ClientRecord patch;
  patch.set_client_type(static_cast<v1::ClientType>(7));
  auto unknown = directory_->clients.UpdateClient(
      testing::As("owner"), names::ClientName{firm_, c.company_id()}, patch,
      {"client_type"}, EtagOf(c));
  ASSERT_THAT(unknown, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(unknown.status())[0].field, "client.client_type");
  patch.set_client_type(v1::ClientType::INDIVIDUAL);
  auto updated = directory_->clients.UpdateClient(
      testing::As("owner"), names::ClientName{firm_, c.company_id()}, patch,
      {"client_type"}, EtagOf(c));
  ASSERT_THAT(updated, IsOk()) << updated.status();
  EXPECT_EQ(updated->client_type(), v1::ClientType::INDIVIDUAL);
}

TEST_F(ClientTest, ProductsAreAtMost50EntriesOf1To100Characters) {
  auto create = [&](int entries, const std::string& product) {
    ClientRecord draft = Draft("Rossi");
    for (int i = 0; i < entries; ++i) draft.add_products(product);
    return directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                            draft, true, "");
  };
  EXPECT_THAT(create(kMaxProducts, std::string(kMaxProductCharacters, 'p')), IsOk());
  for (auto [entries, product] : {std::pair<int, std::string>{kMaxProducts + 1, "p"},
                                  {1, std::string(kMaxProductCharacters + 1, 'p')},
                                  {1, " "},
                                  {1, "\u200B"},
                                  {1, "Payroll\nTime"},
                                  {1, "\xFF"}}) {
    auto refused = create(entries, product);
    ASSERT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument)) << entries;
    EXPECT_EQ(errors::FieldViolationsOf(refused.status())[0].field, "client.products");
  }
}

TEST_F(ClientTest, AThousandClientsAreReadAtOnceAndOneMoreIsTooMany) {
  const uint64_t id = NewClient(firm_, "Rossi").company_id();
  auto read = directory_->clients.BatchGetClients(
      testing::As("owner"), names::FirmName{firm_},
      std::vector<uint64_t>(kMaxBatchUpdateEntries, id));
  ASSERT_THAT(read, IsOk()) << read.status();
  EXPECT_EQ(read->size(), kMaxBatchUpdateEntries);
  EXPECT_THAT(directory_->clients.BatchGetClients(
                  testing::As("owner"), names::FirmName{firm_},
                  std::vector<uint64_t>(kMaxBatchUpdateEntries + 1, id)),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(ClientTest, TheClientsOwnPrimaryAdminMayReadItButNoOtherOutsider) {
  auto c = directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                            Draft("Rossi"), false, "");
  ASSERT_THAT(c, IsOk());
  auto mine = directory_->clients.CreateClient(
      testing::As("owner"), names::FirmName{firm_}, Draft("Mine"), true, "");
  ASSERT_THAT(directory_->clients.ChangeClientPrimaryAdmin(
                  testing::As("owner"), names::ClientName{firm_, mine->company_id()},
                  "mine-owner"),
              IsOk());
  EXPECT_THAT(directory_->clients.GetClient(testing::As("mine-owner"),
                                            names::ClientName{firm_, mine->company_id()}),
              IsOk());
  EXPECT_THAT(directory_->clients.GetClient(testing::As("mine-owner"),
                                            names::ClientName{firm_, c->company_id()}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(directory_->clients.GetClient(testing::As("mine-owner"),
                                            names::ClientName{firm_, 424242}),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(ClientTest, DeactivateKeepsEveryDatum) {
  ClientRecord c = NewClient(firm_, "Rossi", "A-1");
  auto inactive = directory_->clients.SetClientStatus(
      testing::As("owner"), names::ClientName{firm_, c.company_id()},
      v1::ClientStatus::INACTIVE);
  ASSERT_THAT(inactive, IsOk());
  EXPECT_EQ(inactive->status(), v1::ClientStatus::INACTIVE);
  EXPECT_EQ(inactive->client_number(), "A-1");
  EXPECT_EQ(inactive->display_name(), "Rossi");
  // Its number stays taken while inactive.
  EXPECT_THAT(
      directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                       Draft("Other", "a-1"), false, ""),
      StatusIs(absl::StatusCode::kAlreadyExists));
  auto active = directory_->clients.SetClientStatus(
      testing::As("owner"), names::ClientName{firm_, c.company_id()},
      v1::ClientStatus::ACTIVE);
  ASSERT_THAT(active, IsOk());
  EXPECT_EQ(active->status(), v1::ClientStatus::ACTIVE);
}

// AIP-154: deactivating, reactivating and handing over the client's primary
// admin role take the etag read, as UpdateClient does: stale, ABORTED
// (STALE_ETAG) and nothing changes; current, it applies.
TEST_F(ClientTest, StatusAndPrimaryAdminChangesTakeTheEtagRead) {
  const ClientRecord c = ValueOrFail(directory_->clients.CreateClient(
      testing::As("owner"), names::FirmName{firm_}, Draft("Rossi"), true, ""));
  const names::ClientName name{firm_, c.company_id()};
  const std::string read = EtagOf(c);
  ASSERT_THAT(directory_->clients.UpdateClient(
                  testing::As("owner"), name, Draft("Rossi SRL"), {"display_name"}, read),
              IsOk());
  const ClientRecord renamed =
      ValueOrFail(directory_->clients.GetClient(testing::As("owner"), name));

  auto stale = directory_->clients.SetClientStatus(testing::As("owner"), name,
                                                   v1::ClientStatus::INACTIVE, read);
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted, "changed since etag"));
  EXPECT_EQ(errors::ReasonOf(stale.status()), "STALE_ETAG");
  EXPECT_THAT(directory_->clients.ChangeClientPrimaryAdmin(testing::As("owner"), name,
                                                           "rossi-owner", read),
              StatusIs(absl::StatusCode::kAborted));
  const ClientRecord unchanged =
      ValueOrFail(directory_->clients.GetClient(testing::As("owner"), name));
  EXPECT_EQ(unchanged.status(), v1::ClientStatus::ACTIVE);
  EXPECT_EQ(unchanged.primary_admin_user_id(), "owner");
  EXPECT_EQ(EtagOf(unchanged), EtagOf(renamed));

  const ClientRecord inactive = ValueOrFail(directory_->clients.SetClientStatus(
      testing::As("owner"), name, v1::ClientStatus::INACTIVE, EtagOf(renamed)));
  EXPECT_THAT(directory_->clients.SetClientStatus(
                  testing::As("owner"), name, v1::ClientStatus::ACTIVE, EtagOf(renamed)),
              StatusIs(absl::StatusCode::kAborted));
  const ClientRecord active = ValueOrFail(directory_->clients.SetClientStatus(
      testing::As("owner"), name, v1::ClientStatus::ACTIVE, EtagOf(inactive)));
  const ClientRecord handed = ValueOrFail(directory_->clients.ChangeClientPrimaryAdmin(
      testing::As("owner"), name, "rossi-owner", EtagOf(active)));
  EXPECT_EQ(handed.primary_admin_user_id(), "rossi-owner");
}

// A status change whose answer was lost, retried with the etag read, was
// ABORTED by the etag its own first call moved.
TEST_F(ClientTest, StatusChangesRetriedUnderTheirRequestIdAreAnsweredNotAborted) {
  const ClientRecord c = NewClient(firm_, "Rossi");
  const names::ClientName name{firm_, c.company_id()};
  auto set = [&](v1::ClientStatus status, const std::string& request_id) {
    return directory_->clients.SetClientStatus(testing::As("owner"), name, status,
                                               EtagOf(c), request_id);
  };
  std::vector<absl::StatusOr<ClientRecord>> answers(64);
  std::vector<std::thread> racers;
  for (int i = 0; i < 64; ++i) {
    racers.emplace_back(
        [&, i] { answers[i] = set(v1::ClientStatus::INACTIVE, "pause-rossi"); });
  }
  for (std::thread& racer : racers) racer.join();
  for (const absl::StatusOr<ClientRecord>& answer : answers) {
    ASSERT_THAT(answer, IsOk()) << answer.status();
    EXPECT_EQ(answer->status(), v1::ClientStatus::INACTIVE);
    EXPECT_EQ(answer->revision(), c.revision() + 1) << "moved once";
  }
  EXPECT_THAT(set(v1::ClientStatus::INACTIVE, ""), StatusIs(absl::StatusCode::kAborted))
      << "without the id, the etag is stale";
  EXPECT_THAT(set(v1::ClientStatus::ACTIVE, "pause-rossi"),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"))
      << "a reactivation is another request";
  EXPECT_THAT(set(v1::ClientStatus::INACTIVE, std::string(129, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_EQ(
      ValueOrFail(directory_->clients.GetClient(testing::As("owner"), name)).revision(),
      c.revision() + 1);
}

// The caller hands the role away, so a retry is answered what the change
// left: by then the caller may read nothing newer of the client.
TEST_F(ClientTest, APrimaryAdminHandoverRetriedUnderItsRequestIdIsAnsweredAsItLeftIt) {
  const ClientRecord c = ValueOrFail(directory_->clients.CreateClient(
      testing::As("owner"), names::FirmName{firm_}, Draft("Rossi"), true, ""));
  const names::ClientName name{firm_, c.company_id()};
  const ClientRecord handed = ValueOrFail(directory_->clients.ChangeClientPrimaryAdmin(
      testing::As("owner"), name, "rossi-owner", EtagOf(c), "hand-over"));
  ASSERT_THAT(
      directory_->clients.UpdateClient(testing::As("owner"), name, Draft("Rossi SRL"),
                                       {"display_name"}, EtagOf(handed)),
      IsOk());
  const ClientRecord again = ValueOrFail(directory_->clients.ChangeClientPrimaryAdmin(
      testing::As("owner"), name, "rossi-owner", EtagOf(c), "hand-over"));
  EXPECT_EQ(again.primary_admin_user_id(), "rossi-owner");
  EXPECT_EQ(again.display_name(), "Rossi") << "as the hand-over left it";
  EXPECT_EQ(EtagOf(again), EtagOf(handed));
  EXPECT_THAT(directory_->clients.ChangeClientPrimaryAdmin(testing::As("owner"), name,
                                                           "rossi-owner", EtagOf(c)),
              StatusIs(absl::StatusCode::kPermissionDenied))
      << "without the id: no longer its primary admin";
  EXPECT_THAT(directory_->clients.ChangeClientPrimaryAdmin(
                  testing::As("owner"), name, "someone-else", EtagOf(c), "hand-over"),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_THAT(directory_->clients.ChangeClientPrimaryAdmin(
                  testing::As("stranger"), name, "rossi-owner", EtagOf(c), "hand-over"),
              StatusIs(absl::StatusCode::kPermissionDenied))
      << "an id is the caller's own";
}

TEST_F(ClientTest, StaffCannotDeactivate) {
  AddMember(firm_, "staff", v1::Role::STAFF);
  ClientRecord c = NewClient(firm_, "Rossi");
  EXPECT_THAT(directory_->clients.SetClientStatus(
                  testing::As("staff"), names::ClientName{firm_, c.company_id()},
                  v1::ClientStatus::INACTIVE),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(ClientTest, OnlyTheClientsPrimaryAdminHandsOverThatRole) {
  auto c = directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                            Draft("Rossi"), true, "");
  ASSERT_THAT(c, IsOk());
  AddMember(firm_, "admin", v1::Role::ADMIN);
  const auto by_admin = directory_->clients.ChangeClientPrimaryAdmin(
      testing::As("admin"), names::ClientName{firm_, c->company_id()}, "admin");
  EXPECT_THAT(by_admin, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(errors::ReasonOf(by_admin.status()), "NOT_CLIENT_PRIMARY_ADMIN");
  auto moved = directory_->clients.ChangeClientPrimaryAdmin(
      testing::As("owner"), names::ClientName{firm_, c->company_id()}, "rossi-owner");
  ASSERT_THAT(moved, IsOk()) << moved.status();
  EXPECT_EQ(moved->primary_admin_user_id(), "rossi-owner");
  // The new primary admin, not a firm member, may hand it on again.
  EXPECT_THAT(directory_->clients.ChangeClientPrimaryAdmin(
                  testing::As("rossi-owner"), names::ClientName{firm_, c->company_id()},
                  "rossi-cfo"),
              IsOk());
}

// An update that keeps the name reuses its folding: the terms must be the
// ones a fresh folding makes, whatever else changed.
// Each word and its suffixes of 3 characters or more (characters, not
// bytes), each once, sorted: what a query word is found inside.
TEST(IndexTermsTest, TheNameIsIndexedByItsWordsAndTheirLongerSuffixes) {
  EXPECT_THAT(WordSuffixes({"rossi", "srl", "ab", "rossi"}),
              ElementsAre("ab", "ossi", "rossi", "srl", "ssi"));
  EXPECT_THAT(WordSuffixes({"αβγδ"}), ElementsAre("αβγδ", "βγδ"));
  EXPECT_TRUE(WordMatches("rossi", "oss"));
  EXPECT_FALSE(WordMatches("rossi", "os"));
  EXPECT_TRUE(WordMatches("rossi", "ro"));
  EXPECT_TRUE(WordMatches("αβγδ", "βγδ"));
  EXPECT_FALSE(WordMatches("αβγδ", "γδ"));
}

TEST(IndexTermsTest, TermsReusingTheNamesFoldingEqualFreshOnes) {
  ClientRecord before;
  before.set_display_name("Società Agricola Rossi & Figli");
  before.set_client_type(v1::BUSINESS);
  before.set_lead_accountant_user_id("anna");
  before.set_status(v1::ClientStatus::ACTIVE);
  ClientRecord after = before;
  after.set_lead_accountant_user_id("bruno");
  after.set_primary_admin_user_id("ceo");
  after.set_client_number(" A-17 ");
  after.set_status(v1::ClientStatus::INACTIVE);
  const ClientIndexTerms fresh = IndexTermsOf(after);
  const ClientIndexTerms reused = IndexTermsOf(after, IndexTermsOf(before));
  EXPECT_EQ(reused.folded_name, fresh.folded_name);
  EXPECT_EQ(reused.word_suffixes, fresh.word_suffixes);
  EXPECT_EQ(reused.duplicate_key, fresh.duplicate_key);
  EXPECT_EQ(reused.number_key, fresh.number_key);
  EXPECT_EQ(reused.active, fresh.active);
  EXPECT_EQ(reused.facets, fresh.facets);
}

}  // namespace
}  // namespace clientbook::directory
