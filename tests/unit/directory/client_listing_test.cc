#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/keys/key_codec.h"
#include "common/status/errors.h"
#include "common/text/text.h"
#include "services/directory/domain/rules.h"
#include "services/directory/store/directory_tables.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/directory/directory_fixture.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ClientListingTest : public DirectoryTest {
 protected:
  ClientListingTest() : firm_(NewFirm()) {}

  std::vector<std::string> Names(ClientListQuery query) {
    query.firm_id = firm_;
    auto page = directory_->listing.ListClients(testing::As("owner"), query);
    EXPECT_THAT(page, IsOk()) << page.status();
    std::vector<std::string> names;
    if (page.ok()) {
      for (const auto& c : page->items) names.push_back(c.display_name());
    }
    return names;
  }

  uint64_t firm_;
};

TEST_F(ClientListingTest, OrdersByNameIgnoringCaseAndAccents) {
  NewClient(firm_, "bianchi");
  NewClient(firm_, "Àlfa");
  NewClient(firm_, "Zeta");
  NewClient(firm_, "Conti");
  EXPECT_THAT(Names({}), ElementsAre("Àlfa", "bianchi", "Conti", "Zeta"));
}

TEST_F(ClientListingTest, OrdersByNumberWithUnnumberedClientsLast) {
  NewClient(firm_, "No number");
  NewClient(firm_, "Second", "b-2");
  NewClient(firm_, "First", "A-1");
  EXPECT_THAT(Names({.order_by = "client_number"}),
              ElementsAre("First", "Second", "No number"));
}

TEST_F(ClientListingTest, NameSearchIgnoresAccentsAndCase) {
  NewClient(firm_, "Società Rossi SRL");
  NewClient(firm_, "Bianchi");
  EXPECT_THAT(Names({.name_query = "societa"}), ElementsAre("Società Rossi SRL"));
  EXPECT_THAT(Names({.name_query = "SOCIETÀ"}), ElementsAre("Società Rossi SRL"));
}

// Names as they arrive: typed in full width, pasted from a PDF (a
// ligature) or a web page (a soft hyphen); found in either spelling.
TEST_F(ClientListingTest, NameSearchFoldsWidthLigaturesAndInvisibleCharacters) {
  NewClient(firm_, "\uFF32\uFF4F\uFF53\uFF53\uFF49 SRL");
  NewClient(firm_, "Con\u00ADti & \uFB01gli");
  NewClient(firm_, "Bianchi");
  EXPECT_THAT(Names({.name_query = "rossi"}),
              ElementsAre("\uFF32\uFF4F\uFF53\uFF53\uFF49 SRL"));
  EXPECT_THAT(Names({.name_query = "\uFF52\uFF4F\uFF53"}),
              ElementsAre("\uFF32\uFF4F\uFF53\uFF53\uFF49 SRL"));
  EXPECT_THAT(Names({.name_query = "conti figli"}),
              ElementsAre("Con\u00ADti & \uFB01gli"));
  EXPECT_THAT(Names({.name_query = "ont"}), ElementsAre("Con\u00ADti & \uFB01gli"));
  EXPECT_THAT(Names({}), ElementsAre("Bianchi", "Con\u00ADti & \uFB01gli",
                                     "\uFF32\uFF4F\uFF53\uFF53\uFF49 SRL"));
}

// Folding lengthens some names ("\u3316" is "キロメートル"): a name's search
// form stops at 200 characters, as long as a name may be, so its suffix
// entries (each carrying the name) stay those of a name of that length.
TEST_F(ClientListingTest, AFoldedNameIndexesNoMoreThanTheLongestName) {
  std::string squares;
  for (int i = 0; i < 200; ++i) squares += "\u3316";
  const ClientRecord km = NewClient(firm_, squares);
  size_t entries = 0;
  size_t bytes = 0;
  ASSERT_THAT(db_->Scan(std::string(1, tables::kSuffixIndex),
                        std::string(1, tables::kSuffixIndex + 1),
                        [&](absl::string_view key, absl::string_view) {
                          ++entries;
                          bytes += key.size();
                          return true;
                        }),
              IsOk());
  EXPECT_LE(entries, kMaxDisplayNameCharacters);
  EXPECT_LT(bytes, 200u * 1000u);
  EXPECT_THAT(Names({.name_query = "\u30E1\u30FC\u30C8\u30EB"}), ElementsAre(squares));
  EXPECT_THAT(Names({.name_query = "\u3316"}), ElementsAre(squares));
  // The edge: 200 characters that fold to 201 keep the first 200.
  const std::string ligature_last = std::string(198, 'b') + " \uFB01";
  NewClient(firm_, ligature_last);
  EXPECT_THAT(Names({.name_query = "f"}), ElementsAre(ligature_last));
  EXPECT_THAT(Names({.name_query = "fi"}), IsEmpty());
}

// The spec's "substring / prefix": a query word of 3 characters or more
// anywhere inside a word of the name, a shorter one at the start of a word;
// in the order of the suffix it starts, then of the name.
TEST_F(ClientListingTest, NameSearchFindsTheQueryInsideAnyWord) {
  NewClient(firm_, "Mario Rossi");
  NewClient(firm_, "Rossini & Figli");
  NewClient(firm_, "Grossi");
  NewClient(firm_, "Società Verdi");
  NewClient(firm_, "Bianchi");
  EXPECT_THAT(Names({.name_query = "ross"}),
              ElementsAre("Grossi", "Mario Rossi", "Rossini & Figli"));
  EXPECT_THAT(Names({.name_query = "OSSI"}),
              ElementsAre("Grossi", "Mario Rossi", "Rossini & Figli"));
  EXPECT_THAT(Names({.name_query = "cieta"}), ElementsAre("Società Verdi"));
  EXPECT_THAT(Names({.name_query = "ietà erd"}), ElementsAre("Società Verdi"));
  EXPECT_THAT(Names({.name_query = "ro"}), ElementsAre("Mario Rossi", "Rossini & Figli"));
  EXPECT_THAT(Names({.name_query = "si"}), IsEmpty());
  EXPECT_THAT(Names({.name_query = "ssi"}),
              ElementsAre("Grossi", "Mario Rossi", "Rossini & Figli"));
  // Inside one word, not across two.
  EXPECT_THAT(Names({.name_query = "oros"}), IsEmpty());
  EXPECT_THAT(Names({.name_query = "rio ro"}), ElementsAre("Mario Rossi"));
}

TEST_F(ClientListingTest, AllSearchWordsMustMatch) {
  NewClient(firm_, "Mario Rossi");
  NewClient(firm_, "Luca Rossi");
  EXPECT_THAT(Names({.name_query = "rossi mar"}), ElementsAre("Mario Rossi"));
}

TEST_F(ClientListingTest, ANameWithTwoMatchingWordsAppearsOnce) {
  NewClient(firm_, "Rossi & Rossini");
  EXPECT_THAT(Names({.name_query = "ross"}), ElementsAre("Rossi & Rossini"));
}

TEST_F(ClientListingTest, NumberSearchIsAPrefixIgnoringCase) {
  NewClient(firm_, "One", "AB-100");
  NewClient(firm_, "Two", "ab-200");
  NewClient(firm_, "Three", "C-1");
  EXPECT_THAT(Names({.client_number_query = " ab-"}), ElementsAre("One", "Two"));
  EXPECT_THAT(Names({.client_number_query = "ab-2"}), ElementsAre("Two"));
}

TEST_F(ClientListingTest, NumberSearchFindsEitherSpellingOfAnAccent) {
  NewClient(firm_, "One", "\u00C9-100");
  NewClient(firm_, "Two", "E-200");
  EXPECT_THAT(Names({.client_number_query = "e\u0301-1"}), ElementsAre("One"));
  EXPECT_THAT(Names({.client_number_query = "\u00E9"}), ElementsAre("One"));
  // Accents matter in numbers.
  EXPECT_THAT(Names({.client_number_query = "e"}), ElementsAre("Two"));
}

TEST_F(ClientListingTest, InactiveClientsAreHiddenUnlessAskedFor) {
  ClientRecord gone = NewClient(firm_, "Gone");
  NewClient(firm_, "Here");
  ASSERT_THAT(directory_->clients.SetClientStatus(
                  testing::As("owner"), names::ClientName{firm_, gone.company_id()},
                  v1::ClientStatus::INACTIVE),
              IsOk());
  EXPECT_THAT(Names({}), ElementsAre("Here"));
  EXPECT_THAT(Names({.name_query = "gone"}), IsEmpty());
  // Searches inside words walk every client's entries: activity is checked.
  EXPECT_THAT(Names({.name_query = "one"}), IsEmpty());
  EXPECT_THAT(Names({.name_query = "one", .show_inactive = true}), ElementsAre("Gone"));
  EXPECT_THAT(Names({.name_query = "one", .status = v1::ClientStatus::INACTIVE}),
              ElementsAre("Gone"));
  EXPECT_THAT(Names({.name_query = "ere", .status = v1::ClientStatus::ACTIVE}),
              ElementsAre("Here"));
  EXPECT_THAT(Names({.show_inactive = true}), ElementsAre("Gone", "Here"));
  EXPECT_THAT(Names({.status = v1::ClientStatus::INACTIVE}), ElementsAre("Gone"));
}

// A page of clients as large as the rules allow (21 KB each) stops at
// storage::kMaxPageBytes, with a token: 1,000 of them came to 21 MB, a page
// gRPC refused at every try. Every way of walking pages through them all.
TEST_F(ClientListingTest, PagesOfLargeClientsComeShortAndHoldEachClientOnce) {
  AddMember(firm_, "anna", v1::Role::STAFF);
  for (int i = 0; i < 150; ++i) {
    NewLargeClient(firm_, absl::StrCat("Rossi ", 1000 + i),
                   i % 2 == 0 ? "owner" : "anna");
  }
  const std::vector<ClientListQuery> queries = {
      {},
      {.order_by = "client_number"},
      {.name_query = "rossi"},
      {.name_query = "rossi 1"},
      {.client_type = v1::ClientType::BUSINESS},
      {.show_inactive = true},
  };
  for (ClientListQuery query : queries) {
    query.firm_id = firm_;
    query.page.page_size = 1000;
    std::set<uint64_t> seen;
    int pages = 0;
    do {
      auto page = directory_->listing.ListClients(testing::As("owner"), query);
      ASSERT_THAT(page, IsOk()) << page.status();
      size_t bytes = 0;
      for (const ClientRecord& c : page->items) {
        bytes += c.ByteSizeLong();
        EXPECT_TRUE(seen.insert(c.company_id()).second) << c.display_name();
      }
      EXPECT_LE(bytes, storage::kMaxPageBytes);
      ++pages;
      query.page.page_token = page->next_page_token;
    } while (!query.page.page_token.empty());
    EXPECT_EQ(seen.size(), 150u) << query.name_query << query.order_by;
    EXPECT_GE(pages, 2);
  }
}

TEST_F(ClientListingTest, FiltersByTypeAndLeadAccountant) {
  AddMember(firm_, "anna", v1::Role::STAFF);
  ClientRecord person = Draft("Person", "", v1::ClientType::INDIVIDUAL);
  ASSERT_THAT(directory_->clients.CreateClient(testing::As("owner"),
                                               names::FirmName{firm_}, person, false, ""),
              IsOk());
  NewClient(firm_, "Company");
  NewClient(firm_, "Anna's", "", "anna");
  EXPECT_THAT(Names({.client_type = v1::ClientType::INDIVIDUAL}), ElementsAre("Person"));
  EXPECT_THAT(Names({.lead_accountant = "anna"}), ElementsAre("Anna's"));
}

// A filter walks an index of its own: a lead accountant's clients fill one
// page even behind more clients than a page may examine.
TEST_F(ClientListingTest, ALeadAccountantsClientsComeInOnePageAtAnySize) {
  AddMember(firm_, "anna", v1::Role::STAFF);
  for (size_t i = 0; i <= kMaxEntriesExaminedPerPage; ++i) {
    NewClient(firm_, absl::StrCat("A ", 100000 + i));
  }
  std::vector<std::string> annas;
  for (int i = 0; i < 20; ++i) {
    annas.push_back(absl::StrCat("Z ", 10 + i));
    NewClient(firm_, annas.back(), absl::StrCat("N-", 10 + i), "anna");
  }
  auto page = directory_->listing.ListClients(
      testing::As("owner"),
      {.firm_id = firm_, .page = {.page_size = 50}, .lead_accountant = "anna"});
  ASSERT_THAT(page, IsOk()) << page.status();
  std::vector<std::string> names;
  for (const auto& c : page->items) names.push_back(c.display_name());
  EXPECT_EQ(names, annas);
  EXPECT_EQ(page->next_page_token, "");
  EXPECT_THAT(Names({.client_number_query = "n-1", .lead_accountant = "anna"}),
              ElementsAre("Z 10", "Z 11", "Z 12", "Z 13", "Z 14", "Z 15", "Z 16", "Z 17",
                          "Z 18", "Z 19"));
  ClientRecord person = Draft("Zeta Person", "", v1::ClientType::INDIVIDUAL);
  ASSERT_THAT(directory_->clients.CreateClient(testing::As("owner"),
                                               names::FirmName{firm_}, person, false, ""),
              IsOk());
  EXPECT_THAT(Names({.client_type = v1::ClientType::INDIVIDUAL}),
              ElementsAre("Zeta Person"));
}

TEST_F(ClientListingTest, AClientMovesBetweenLeadAccountantsLists) {
  AddMember(firm_, "anna", v1::Role::STAFF);
  AddMember(firm_, "bruno", v1::Role::STAFF);
  ClientRecord moved = NewClient(firm_, "Moved", "", "anna");
  NewClient(firm_, "Stays", "", "anna");
  ClientRecord patch;
  patch.set_lead_accountant_user_id("bruno");
  ASSERT_THAT(directory_->clients.UpdateClient(
                  testing::As("owner"), names::ClientName{firm_, moved.company_id()},
                  patch, {"lead_accountant"}, EtagOf(moved)),
              IsOk());
  EXPECT_THAT(Names({.lead_accountant = "anna"}), ElementsAre("Stays"));
  EXPECT_THAT(Names({.lead_accountant = "bruno"}), ElementsAre("Moved"));
}

// A database written before the facet indexes existed is reindexed at start.
TEST_F(ClientListingTest, AnOlderIndexLayoutIsRebuiltAtStart) {
  AddMember(firm_, "anna", v1::Role::STAFF);
  NewClient(firm_, "Rossi", "R-1", "anna");
  NewClient(firm_, "Bianchi");
  // As an older version left it: no layout recorded, no listing entries.
  rocksdb::WriteBatch old;
  old.DeleteRange("O", "P");
  old.DeleteRange("S", "T");
  old.DeleteRange("W", "X");
  old.Delete(storage::KeyBuilder('Z').String("index_layout").Release());
  ASSERT_THAT(db_->Write(old), IsOk());
  EXPECT_THAT(Names({}), IsEmpty());

  EXPECT_EQ(
      ::clientbook::testing::ValueOrFail(directory_->core.ReindexIfOutdated()).clients,
      2u);
  EXPECT_THAT(Names({}), ElementsAre("Bianchi", "Rossi"));
  EXPECT_THAT(Names({.name_query = "ross"}), ElementsAre("Rossi"));
  EXPECT_THAT(Names({.lead_accountant = "anna"}), ElementsAre("Rossi"));
  EXPECT_EQ(
      ::clientbook::testing::ValueOrFail(directory_->core.ReindexIfOutdated()).clients,
      0u);
}

// Two spellings of one number, written before they counted as one (an
// older version folded "É" and "E" + U+0301 apart): the rebuild leaves the
// number with the client created first, and the other, keeping its own
// spelling, never frees it for a third client.
TEST_F(ClientListingTest, ARebuildLeavesANumberHeldTwiceWithTheFirstClient) {
  const ClientRecord first = NewClient(firm_, "First", "\u00C9-1");
  ClientRecord second = NewClient(firm_, "Second", "X-1");
  second.set_client_number("E\u0301-1");
  rocksdb::WriteBatch old;
  old.Put(storage::KeyBuilder(tables::kClient)
              .Uint64(firm_)
              .Uint64(second.company_id())
              .Release(),
          second.SerializeAsString());
  old.Delete(storage::KeyBuilder(tables::kMeta).String("index_layout").Release());
  ASSERT_THAT(db_->Write(old), IsOk());

  const Reindexed reindexed =
      ::clientbook::testing::ValueOrFail(directory_->core.ReindexIfOutdated());
  EXPECT_EQ(reindexed.clients, 2u);
  EXPECT_EQ(reindexed.shared_numbers, 1u);
  const std::string first_name = names::ClientName{firm_, first.company_id()}.ToString();
  const std::string second_name =
      names::ClientName{firm_, second.company_id()}.ToString();
  EXPECT_THAT(reindexed.shared_number_examples,
              ElementsAre(AllOf(HasSubstr(first_name), HasSubstr(second_name))));
  EXPECT_THAT(Names({.client_number_query = "\u00E9-1"}), ElementsAre("First", "Second"));
  // The second's former number is free again: its owner went with the rebuild.
  NewClient(firm_, "Third", "x-1");
  // The second stays editable, its number with it.
  ClientRecord patch;
  patch.set_display_name("Second SRL");
  auto renamed = directory_->clients.UpdateClient(
      testing::As("owner"), names::ClientName{firm_, second.company_id()}, patch,
      {"display_name"},
      EtagOf(::clientbook::testing::ValueOrFail(directory_->clients.GetClient(
          testing::As("owner"), names::ClientName{firm_, second.company_id()}))));
  ASSERT_THAT(renamed, IsOk()) << renamed.status();
  EXPECT_EQ(renamed->client_number(), "E\u0301-1");
  auto kept = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_},
      {{second.company_id(), "e\u0301-1", ""}});
  ASSERT_THAT(kept, IsOk()) << kept.status();

  ASSERT_THAT(directory_->clients.DeleteClient(
                  testing::As("owner"), names::ClientName{firm_, second.company_id()}),
              IsOk());
  auto fourth =
      directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                       Draft("Fourth", "e\u0301-1"), false, "");
  EXPECT_THAT(fourth, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(errors::ResourceNameOf(fourth.status()), ::testing::Optional(first_name));
}

// A page of names and numbers only (an export's) is read from the name
// index: the same clients, names and numbers as the full records, through
// renames, number changes, deactivation and re-indexing.
TEST_F(ClientListingTest, ANamesAndNumbersPageMatchesTheRecords) {
  auto summaries = [&](ClientListQuery query) {
    query.firm_id = firm_;
    std::vector<std::string> rows;
    for (bool only : {false, true}) {
      query.names_and_numbers_only = only;
      auto page = directory_->listing.ListClients(testing::As("owner"), query);
      EXPECT_THAT(page, IsOk()) << page.status();
      std::string row;
      for (const auto& c : page->items) {
        absl::StrAppend(&row, c.company_id(), ":", c.display_name(), ":",
                        c.client_number(), ";");
      }
      rows.push_back(row);
    }
    EXPECT_EQ(rows[0], rows[1]);
    return rows[1];
  };
  const ClientRecord rossi = NewClient(firm_, "Rossi", "R-1");
  const ClientRecord verdi = NewClient(firm_, "Verdi");
  const uint64_t bianchi = NewClient(firm_, "Bianchi", "B-1").company_id();
  ClientRecord patch;
  patch.set_client_number("R-2");
  ASSERT_THAT(directory_->clients.UpdateClient(
                  testing::As("owner"), names::ClientName{firm_, rossi.company_id()},
                  patch, {"client_number"}, EtagOf(rossi)),
              IsOk());
  patch.set_display_name("Azzurri");
  ASSERT_THAT(directory_->clients.UpdateClient(
                  testing::As("owner"), names::ClientName{firm_, verdi.company_id()},
                  patch, {"display_name"}, EtagOf(verdi)),
              IsOk());
  ASSERT_THAT(directory_->clients.SetClientStatus(testing::As("owner"),
                                                  names::ClientName{firm_, bianchi},
                                                  v1::ClientStatus::INACTIVE),
              IsOk());
  const std::string active =
      absl::StrCat(verdi.company_id(), ":Azzurri:;", rossi.company_id(), ":Rossi:R-2;");
  EXPECT_EQ(summaries({}), active);
  EXPECT_EQ(summaries({.show_inactive = true}),
            absl::StrCat(verdi.company_id(), ":Azzurri:;", bianchi, ":Bianchi:B-1;",
                         rossi.company_id(), ":Rossi:R-2;"));
  // Filters and searches read the records and give the same rows.
  EXPECT_EQ(summaries({.name_query = "azz"}),
            absl::StrCat(verdi.company_id(), ":Azzurri:;"));

  rocksdb::WriteBatch old;
  old.DeleteRange("S", "T");
  old.Delete(storage::KeyBuilder('Z').String("index_layout").Release());
  ASSERT_THAT(db_->Write(old), IsOk());
  ASSERT_THAT(directory_->core.ReindexIfOutdated(), IsOk());
  EXPECT_EQ(summaries({}), active);
}

// A rare pair of common words is found by intersecting the words' index
// ranges, not by examining every client with one of them.
TEST_F(ClientListingTest, ARarePairOfCommonWordsComesInOnePage) {
  for (size_t i = 0; i <= kMaxEntriesExaminedPerPage; ++i) {
    NewClient(firm_, absl::StrCat("Rossi SRL ", 100000 + i));
    NewClient(firm_, absl::StrCat("Bianchi SpA ", 100000 + i));
  }
  NewClient(firm_, "Rossi Zeta SpA");
  auto page = directory_->listing.ListClients(
      testing::As("owner"),
      {.firm_id = firm_, .page = {.page_size = 50}, .name_query = "rossi spa"});
  ASSERT_THAT(page, IsOk()) << page.status();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].display_name(), "Rossi Zeta SpA");
  EXPECT_EQ(page->next_page_token, "");

  // A word no name has: nothing, at once, not pages of nothing.
  page = directory_->listing.ListClients(
      testing::As("owner"),
      {.firm_id = firm_, .page = {.page_size = 50}, .name_query = "rossi zz"});
  ASSERT_THAT(page, IsOk()) << page.status();
  EXPECT_THAT(page->items, ::testing::IsEmpty());
  EXPECT_EQ(page->next_page_token, "");
}

// Multi-word searches, page by page, find exactly the names every query word
// matches a word of (WordMatches), once each, in the documented order: the
// smallest suffix of a word the longest query word matches at, then the
// name.
TEST_F(ClientListingTest, MultiWordSearchesMatchABruteForceReading) {
  const std::vector<std::string> vocabulary = {"rossi", "rossini", "ross", "bianchi",
                                               "srl",   "spa",     "sarl", "società",
                                               "côté",  "cote",    "de",   "luca"};
  std::vector<std::pair<std::string, uint64_t>> clients;  // folded name, id
  for (int i = 0; i < 400; ++i) {
    std::string name;
    for (int w = 0; w < 1 + i % 4; ++w) {
      absl::StrAppend(&name, w == 0 ? "" : " ",
                      vocabulary[(i * 7 + w * 5 + i / 13) % vocabulary.size()]);
    }
    // Half the names end in a number: "1" then starts hundreds of words.
    if (i % 2 == 0) absl::StrAppend(&name, " ", 1000 + i);
    clients.emplace_back(text::FoldForSearch(name), NewClient(firm_, name).company_id());
  }
  for (const std::string query : {"ross s",
                                  "rossi srl",
                                  "s ross",
                                  "cote de",
                                  "co sa",
                                  "luca de ross",
                                  "spa spa",
                                  "bianchi rossini",
                                  "sarl ro",
                                  "rossi 10",
                                  "s 12",
                                  "ross 1",
                                  "1 de",
                                  "ross 1010",
                                  "de 102",
                                  "spa zz",
                                  "cote luca de",
                                  "oss ar",
                                  "ini",
                                  "ci 01",
                                  "ote e",
                                  "an s",
                                  "ssi 1",
                                  "ieta",
                                  "1",
                                  "ss",
                                  "i",
                                  "ni ro",
                                  "oss 10"}) {
    SCOPED_TRACE(query);
    const std::vector<std::string> words = text::Words(text::FoldForSearch(query));
    const std::string longest = *std::max_element(
        words.begin(), words.end(), [](auto& a, auto& b) { return a.size() < b.size(); });
    std::vector<std::tuple<std::string, std::string, uint64_t>> expected;
    for (const auto& [name, id] : clients) {
      const std::vector<std::string> name_words = text::Words(name);
      auto matches = [&](const std::string& q) {
        return std::any_of(name_words.begin(), name_words.end(),
                           [&](const std::string& w) { return WordMatches(w, q); });
      };
      if (!std::all_of(words.begin(), words.end(), matches)) continue;
      std::string first;
      for (const std::string& w : name_words) {
        for (size_t i = 0; i < w.size(); ++i) {
          if (!MatchesInsideWords(longest) && i > 0) break;
          const std::string suffix = w.substr(i);
          if (absl::StartsWith(suffix, longest) && (first.empty() || suffix < first)) {
            first = suffix;
          }
        }
      }
      expected.emplace_back(first, name, id);
    }
    std::sort(expected.begin(), expected.end());
    std::vector<uint64_t> expected_ids;
    for (const auto& e : expected) expected_ids.push_back(std::get<2>(e));

    std::vector<uint64_t> found;
    ClientListQuery q{.firm_id = firm_, .page = {.page_size = 7}, .name_query = query};
    do {
      auto page = directory_->listing.ListClients(testing::As("owner"), q);
      ASSERT_THAT(page, IsOk()) << page.status();
      for (const auto& c : page->items) found.push_back(c.company_id());
      q.page.page_token = page->next_page_token;
    } while (!q.page.page_token.empty());
    EXPECT_EQ(found, expected_ids);
  }
}

TEST_F(ClientListingTest, SearchTextIsAtMost200CharactersAndFiltersMustBeKnown) {
  NewClient(firm_, "Rossi");
  EXPECT_THAT(Names({.name_query = std::string(kMaxSearchCharacters, 'r')}), IsEmpty());
  EXPECT_THAT(Names({.client_number_query = std::string(kMaxSearchCharacters, 'r')}),
              IsEmpty());
  auto field_of = [&](ClientListQuery query) {
    query.firm_id = firm_;
    auto page = directory_->listing.ListClients(testing::As("owner"), query);
    EXPECT_THAT(page, StatusIs(absl::StatusCode::kInvalidArgument));
    auto violations = errors::FieldViolationsOf(page.status());
    return violations.empty() ? std::string() : violations[0].field;
  };
  EXPECT_EQ(field_of({.name_query = std::string(kMaxSearchCharacters + 1, 'r')}),
            "name_query");
  EXPECT_EQ(field_of({.client_number_query = std::string(kMaxSearchCharacters + 1, 'r')}),
            "client_number_query");
  EXPECT_EQ(field_of({.name_query = "\xC3"}), "name_query");
  EXPECT_EQ(field_of({.status = static_cast<v1::ClientStatus>(9)}), "status");
  EXPECT_EQ(field_of({.client_type = static_cast<v1::ClientType>(9)}), "client_type");
}

TEST_F(ClientListingTest, PagesVisitEveryClientExactlyOnce) {
  for (int i = 0; i < 25; ++i) NewClient(firm_, absl::StrCat("Client ", 100 + i));
  std::vector<std::string> seen;
  ClientListQuery query{.firm_id = firm_, .page = {.page_size = 7, .page_token = ""}};
  int pages = 0;
  do {
    auto page = directory_->listing.ListClients(testing::As("owner"), query);
    ASSERT_THAT(page, IsOk()) << page.status();
    for (const auto& c : page->items) seen.push_back(c.display_name());
    query.page.page_token = page->next_page_token;
    ++pages;
  } while (!query.page.page_token.empty());
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_F(ClientListingTest, ATokenFromAnotherQueryIsRejected) {
  for (int i = 0; i < 3; ++i) NewClient(firm_, absl::StrCat("C", i));
  auto first = directory_->listing.ListClients(
      testing::As("owner"),
      {.firm_id = firm_, .page = {.page_size = 1, .page_token = ""}});
  ASSERT_THAT(first, IsOk());
  ASSERT_FALSE(first->next_page_token.empty());
  auto other = directory_->listing.ListClients(
      testing::As("owner"),
      {.firm_id = firm_,
       .page = {.page_size = 1, .page_token = first->next_page_token},
       .order_by = "client_number"});
  EXPECT_THAT(other, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(directory_->listing.ListClients(
                  testing::As("owner"),
                  {.firm_id = firm_, .page = {.page_size = 1, .page_token = "garbage!"}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ClientListingTest, ATokenCannotReachAnotherFirm) {
  for (int i = 0; i < 3; ++i) NewClient(firm_, absl::StrCat("C", i));
  uint64_t other = NewFirm("other");
  AddMember(other, "owner", v1::Role::STAFF, "", "other");
  auto first = directory_->listing.ListClients(
      testing::As("owner"),
      {.firm_id = firm_, .page = {.page_size = 1, .page_token = ""}});
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(directory_->listing.ListClients(
                  testing::As("owner"),
                  {.firm_id = other,
                   .page = {.page_size = 1, .page_token = first->next_page_token}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ClientListingTest, PageSizeIsCheckedAndCapped) {
  NewClient(firm_, "A");
  EXPECT_THAT(directory_->listing.ListClients(
                  testing::As("owner"),
                  {.firm_id = firm_, .page = {.page_size = -1, .page_token = ""}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(directory_->listing.ListClients(
                  testing::As("owner"),
                  {.firm_id = firm_, .page = {.page_size = 5000, .page_token = ""}}),
              IsOk());
}

TEST_F(ClientListingTest, ConflictingQueryParametersAreInvalid) {
  for (ClientListQuery q :
       {ClientListQuery{.name_query = "a", .client_number_query = "b"},
        ClientListQuery{.order_by = "email"},
        ClientListQuery{.name_query = "a", .order_by = "client_number"},
        ClientListQuery{.client_type = static_cast<v1::ClientType>(7)}}) {
    q.firm_id = firm_;
    EXPECT_THAT(directory_->listing.ListClients(testing::As("owner"), q),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST_F(ClientListingTest, AnotherFirmsClientsNeverAppear) {
  NewClient(firm_, "Mine Rossi");
  uint64_t other = NewFirm("other");
  NewClient(other, "Their Rossi", "", "other");
  EXPECT_THAT(Names({}), ElementsAre("Mine Rossi"));
  EXPECT_THAT(Names({.name_query = "rossi"}), ElementsAre("Mine Rossi"));
  EXPECT_THAT(directory_->listing.ListClients(testing::As("owner"), {.firm_id = other}),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(ClientListingTest, RenamedClientIsFoundByItsNewNameOnly) {
  ClientRecord c = NewClient(firm_, "Old Name");
  ASSERT_THAT(directory_->clients.UpdateClient(
                  testing::As("owner"), names::ClientName{firm_, c.company_id()},
                  Draft("Fresh Name"), {"display_name"}, EtagOf(c)),
              IsOk());
  EXPECT_THAT(Names({.name_query = "old"}), IsEmpty());
  EXPECT_THAT(Names({.name_query = "fresh"}), ElementsAre("Fresh Name"));
}

}  // namespace
}  // namespace clientbook::directory
