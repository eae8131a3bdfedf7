// Duplicate display names: refused on create and rename unless allowed,
// found in groups by FindDuplicateClients.
#include <atomic>
#include <thread>

#include "common/names/names.h"
#include "common/status/errors.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/directory/directory_fixture.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::clientbook::testing::ValueOrFail;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DuplicateNamesTest : public DirectoryTest {
 protected:
  DuplicateNamesTest() : firm_(NewFirm()) {}

  absl::StatusOr<ClientRecord> Create(const std::string& name, bool allow = false) {
    return directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                            Draft(name), false, "", allow);
  }
  absl::StatusOr<ClientRecord> Rename(const ClientRecord& c, const std::string& name,
                                      bool allow = false) {
    ClientRecord patch;
    patch.set_display_name(name);
    return directory_->clients.UpdateClient(testing::As("owner"),
                                            names::ClientName{firm_, c.company_id()},
                                            patch, {"display_name"}, EtagOf(c), allow);
  }
  std::vector<std::vector<uint64_t>> Groups(int32_t page_size = 0,
                                            std::string* token = nullptr) {
    auto page = directory_->clients.FindDuplicateClients(
        testing::As("owner"), names::FirmName{firm_},
        {.page_size = page_size, .page_token = token ? *token : ""});
    EXPECT_THAT(page, IsOk()) << page.status();
    if (!page.ok()) return {};
    if (token) *token = page->next_page_token;
    std::vector<std::vector<uint64_t>> ids;
    for (const auto& group : page->items) {
      ids.emplace_back();
      for (const ClientRecord& c : group) ids.back().push_back(c.company_id());
    }
    return ids;
  }

  uint64_t firm_;
};

TEST_F(DuplicateNamesTest, SameNameIgnoringCaseAccentsBlanksAndPunctuationIsRefused) {
  ClientRecord rossi = NewClient(firm_, "Società Rossi S.r.l.");
  for (const char* same : {"società rossi s.r.l.", "SOCIETA ROSSI SRL",
                           "  Societa   Rossi  S r l ", "Società-Rossi-Srl",
                           // full width; a soft hyphen pasted from a web page
                           "\uFF33\uFF4F\uFF43\uFF49\uFF45\uFF54\u00E0 Rossi SRL",
                           "Soci\u00ADet\u00E0 Rossi S.r.l."}) {
    SCOPED_TRACE(same);
    auto c = Create(same);
    ASSERT_THAT(c, StatusIs(absl::StatusCode::kAlreadyExists, "Rossi"));
    EXPECT_EQ(errors::ReasonOf(c.status()), "DUPLICATE_DISPLAY_NAME");
    EXPECT_EQ(errors::ResourceNameOf(c.status()),
              (names::ClientName{firm_, rossi.company_id()}.ToString()));
  }
  EXPECT_THAT(Create("Società Rossi S.r.l. Due"), IsOk());
  EXPECT_THAT(Create("Società Rosso S.r.l."), IsOk());
}

TEST_F(DuplicateNamesTest, AllowDuplicateNameCreatesTheSecondClient) {
  ClientRecord first = NewClient(firm_, "Mario Rossi");
  auto second = Create("MARIO ROSSI", /*allow=*/true);
  ASSERT_THAT(second, IsOk()) << second.status();
  EXPECT_NE(second->company_id(), first.company_id());
}

TEST_F(DuplicateNamesTest, ARefusedCreateWritesNothing) {
  NewClient(firm_, "Bianchi");
  ASSERT_FALSE(Create("bianchi").ok());
  auto listed = directory_->listing.ListClients(testing::As("owner"), {.firm_id = firm_});
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ(listed->items.size(), 1u);
}

TEST_F(DuplicateNamesTest, ClientsOfAnotherFirmDoNotCount) {
  const uint64_t other = NewFirm("other");
  ASSERT_THAT(
      directory_->clients.CreateClient(testing::As("other"), names::FirmName{other},
                                       Draft("Verdi"), false, ""),
      IsOk());
  EXPECT_THAT(Create("Verdi"), IsOk());
}

TEST_F(DuplicateNamesTest, RenamingOntoAnotherClientsNameIsRefusedUnlessAllowed) {
  ClientRecord keep = NewClient(firm_, "Verdi SpA");
  ClientRecord dup = NewClient(firm_, "Verdi S.p.A. (old)");
  auto renamed = Rename(dup, "verdi s.p.a.");
  ASSERT_THAT(renamed, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(errors::ReasonOf(renamed.status()), "DUPLICATE_DISPLAY_NAME");
  EXPECT_EQ(errors::ResourceNameOf(renamed.status()),
            (names::ClientName{firm_, keep.company_id()}.ToString()));
  EXPECT_EQ(
      ValueOrFail(directory_->clients.GetClient(
                      testing::As("owner"), names::ClientName{firm_, dup.company_id()}))
          .display_name(),
      "Verdi S.p.A. (old)");
  EXPECT_THAT(Rename(dup, "verdi s.p.a.", /*allow=*/true), IsOk());
}

TEST_F(DuplicateNamesTest, ARenameThatKeepsTheSameNameKeyIsAllowed) {
  ClientRecord a = NewClient(firm_, "Neri");
  ClientRecord b = ValueOrFail(Create("NERI", /*allow=*/true));
  // Both were already duplicates: fixing the case of one is no new duplicate.
  EXPECT_THAT(Rename(b, "Neri"), IsOk());
  EXPECT_THAT(Rename(a, "neri"), IsOk());
}

TEST_F(DuplicateNamesTest, FindDuplicateClientsGroupsThemInNameOrder) {
  ClientRecord b1 = NewClient(firm_, "Bruni");
  NewClient(firm_, "Alfa");
  ClientRecord b2 = ValueOrFail(Create("BRUNI", true));
  ClientRecord a1 = NewClient(firm_, "Aldo");
  ClientRecord a2 = ValueOrFail(Create("al-do", true));
  ClientRecord b3 = ValueOrFail(Create("Brùni", true));
  NewClient(firm_, "Zeta");
  EXPECT_THAT(Groups(), ElementsAre(ElementsAre(a1.company_id(), a2.company_id()),
                                    ElementsAre(b1.company_id(), b2.company_id(),
                                                b3.company_id())));
}

TEST_F(DuplicateNamesTest, FindDuplicateClientsPagesBetweenGroups) {
  for (const char* name : {"Uno", "Due", "Tre"}) {
    NewClient(firm_, name);
    ValueOrFail(Create(name, true));
  }
  std::string token;
  EXPECT_EQ(Groups(2, &token).size(), 2u);  // Due, Tre
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(Groups(2, &token).size(), 1u);  // Uno
  EXPECT_TRUE(token.empty());
}

// Groups of clients as large as the rules allow: a page's groups stop at
// storage::kMaxPageBytes (its first whatever its size), each group whole,
// and the next page starts with the group that did not fit.
TEST_F(DuplicateNamesTest, PagesOfLargeGroupsComeShortWithEachGroupWhole) {
  for (const char* name : {"Uno", "Due", "Tre"}) {
    for (int i = 0; i < 60; ++i) NewLargeClient(firm_, name);  // 1.3 MB a group
  }
  std::string token;
  std::vector<std::vector<uint64_t>> groups;
  int pages = 0;
  do {
    for (auto& group : Groups(1000, &token)) {
      EXPECT_EQ(group.size(), 60u);
      groups.push_back(std::move(group));
    }
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(groups.size(), 3u);
  EXPECT_EQ(pages, 3);
}

// A group shows its first 100 clients, and the rest of its name is skipped,
// not read: a page examines only what it shows.
TEST_F(DuplicateNamesTest, AGroupShowsItsFirst100ClientsAndReadsNoMore) {
  std::vector<uint64_t> rossi;
  for (int i = 0; i < 120; ++i)
    rossi.push_back(ValueOrFail(Create("Rossi", true)).company_id());
  ClientRecord verdi = NewClient(firm_, "Verdi");
  ClientRecord verdi_again = ValueOrFail(Create("VERDI", true));
  const std::vector<std::vector<uint64_t>> groups = Groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0], std::vector<uint64_t>(rossi.begin(), rossi.begin() + 100));
  EXPECT_THAT(groups[1], ElementsAre(verdi.company_id(), verdi_again.company_id()));

  // 110 entries may be examined: Rossi's 100 and Verdi's 2 fit in one page.
  const auto page =
      ValueOrFail(store_->clients().ListDuplicateGroups(firm_, "", 50, 110));
  EXPECT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.cursor, "");
}

TEST_F(DuplicateNamesTest, DeletingADuplicateEndsTheGroup) {
  ClientRecord a = NewClient(firm_, "Gialli");
  ValueOrFail(Create("gialli", true));
  ASSERT_EQ(Groups().size(), 1u);
  ASSERT_THAT(directory_->clients.DeleteClient({.user_id = "owner"},
                                               names::ClientName{firm_, a.company_id()}),
              IsOk());
  EXPECT_TRUE(Groups().empty());
  // The other one still has the name.
  EXPECT_FALSE(Create("GIALLI").ok());
}

TEST_F(DuplicateNamesTest, Of64RacingCreatesOfOneNameOneWins) {
  std::atomic<int> created = 0;
  std::atomic<int> refused = 0;
  std::vector<std::thread> callers;
  for (int i = 0; i < 64; ++i) {
    callers.emplace_back([&, i] {
      auto c = Create(i % 2 == 0 ? "Racing SRL" : "RACING s.r.l.");
      if (c.ok()) ++created;
      if (c.status().code() == absl::StatusCode::kAlreadyExists) ++refused;
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(refused, 63);
}

TEST_F(DuplicateNamesTest, FindDuplicateClientsIsForMembersOnly) {
  EXPECT_THAT(directory_->clients.FindDuplicateClients(testing::As("stranger"),
                                                       names::FirmName{firm_}, {}),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

}  // namespace
}  // namespace clientbook::directory
