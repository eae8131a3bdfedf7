// Notes: who may write and change them, their limits, listing and search,
// soft delete and the purge 30 days later.
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "services/directory/domain/rules.h"
#include "services/directory/store/directory_tables.h"
#include "services/directory/store/workspace_keys.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/directory/directory_fixture.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::clientbook::testing::ValueOrFail;
using ::testing::ElementsAre;

class NotesTest : public DirectoryTest {
 protected:
  NotesTest() : firm_(NewFirm()) {
    AddMember(firm_, "admin", v1::Role::ADMIN);
    AddMember(firm_, "anna", v1::Role::STAFF);
    AddMember(firm_, "bruno", v1::Role::STAFF);
    client_ = NewClient(firm_, "Rossi SRL").company_id();
  }

  static NoteRecord General(uint64_t company, const std::string& text) {
    NoteRecord n;
    n.set_company_id(company);
    n.set_kind(v1::Note::GENERAL);
    n.set_text(text);
    return n;
  }
  NoteRecord Call(const std::string& text, const std::string& contact) {
    NoteRecord n = General(client_, text);
    n.set_kind(v1::Note::CALL);
    n.set_call_time_us(absl::ToUnixMicros(clock_.Now()) - 3'600'000'000);
    n.set_call_duration_us(600'000'000);
    n.set_contact(contact);
    return n;
  }
  NoteRecord Write(const std::string& author, const NoteRecord& draft) {
    clock_.Advance(absl::Seconds(1));  // newest first needs distinct times
    return ValueOrFail(directory_->notes.CreateNote(testing::As(author),
                                                    names::FirmName{firm_}, draft, ""));
  }
  std::vector<std::string> Texts(const NoteQuery& query,
                                 const std::string& caller = "anna") {
    auto page = directory_->notes.ListNotes(testing::As(caller), query);
    EXPECT_THAT(page, IsOk()) << page.status();
    std::vector<std::string> texts;
    if (page.ok()) {
      for (const NoteRecord& n : page->items) texts.push_back(n.text());
    }
    return texts;
  }
  NoteQuery OfClient() const { return {.firm_id = firm_, .company_id = client_}; }

  uint64_t firm_;
  uint64_t client_;
};

TEST_F(NotesTest, AMemberWritesANoteAndIsItsAuthor) {
  NoteRecord note = Write("anna", General(client_, "Sent the VAT return"));
  EXPECT_EQ(note.author_user_id(), "anna");
  EXPECT_EQ(note.create_time_us(), absl::ToUnixMicros(clock_.Now()));
  EXPECT_EQ(ValueOrFail(directory_->notes.GetNote(testing::As("bruno"),
                                                  names::NoteName{firm_, note.id()}))
                .text(),
            "Sent the VAT return");
}

TEST_F(NotesTest, TextIsAtMost20000Characters) {
  const std::string at_limit(kMaxNoteCharacters - 1, 'a');
  // 20,000 characters, one of them two bytes long.
  EXPECT_THAT(directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_},
                                           General(client_, at_limit + "é"), ""),
              IsOk());
  auto over = directory_->notes.CreateNote(
      testing::As("anna"), names::FirmName{firm_},
      General(client_, std::string(kMaxNoteCharacters + 1, 'a')), "");
  ASSERT_THAT(over, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(over.status())[0].field, "note.text");
}

TEST_F(NotesTest, TextMustBeUtf8AndNotBlank) {
  EXPECT_THAT(directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_},
                                           General(client_, "Soci\xE9t\xE9"), ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_},
                                           General(client_, " \n "), ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A call's contact is one line; the note's text may run over lines.
TEST_F(NotesTest, AContactIsOneLine) {
  EXPECT_THAT(directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_},
                                           Call("x", "Mario\nRossi"), ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto note =
      directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_},
                                   Call("Called.\nCall again Monday.", "Mario"), "");
  ASSERT_THAT(note, IsOk()) << note.status();
  NoteRecord patch;
  patch.set_contact(std::string("Mario\0", 6));
  EXPECT_THAT(directory_->notes.UpdateNote(testing::As("anna"),
                                           names::NoteName{firm_, note->id()}, patch,
                                           {"contact"}, EtagOf(*note)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(NotesTest, CallFieldsBelongToCallsAndACallHasATime) {
  NoteRecord general = General(client_, "x");
  general.set_contact("Mario");
  EXPECT_THAT(directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_},
                                           general, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  NoteRecord call = Call("x", "Mario");
  call.set_call_time_us(0);
  EXPECT_THAT(
      directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_}, call, ""),
      StatusIs(absl::StatusCode::kInvalidArgument));
  call = Call("x", "Mario");
  call.set_call_duration_us(absl::ToInt64Microseconds(kMaxCallDuration) + 1);
  EXPECT_THAT(
      directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_}, call, ""),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_},
                                           Call("x", "Mario"), ""),
              IsOk());
}

TEST_F(NotesTest, ANoteIsAboutAClientOfTheFirm) {
  EXPECT_THAT(directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_},
                                           General(999999, "x"), ""),
              StatusIs(absl::StatusCode::kNotFound));
  const uint64_t other = NewFirm("other");
  const uint64_t theirs = NewClient(other, "Theirs", "", "other").company_id();
  EXPECT_THAT(directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_},
                                           General(theirs, "x"), ""),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(directory_->notes.CreateNote(testing::As("other"), names::FirmName{firm_},
                                           General(client_, "x"), ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(NotesTest, ARetryWithTheSameRequestIdReturnsTheFirstNote) {
  auto first = directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_},
                                            General(client_, "x"), "req-1");
  auto again = directory_->notes.CreateNote(testing::As("anna"), names::FirmName{firm_},
                                            General(client_, "x"), "req-1");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(first->id(), again->id());
  EXPECT_EQ(Texts(OfClient()).size(), 1u);
}

TEST_F(NotesTest, ListsAClientsNotesNewestFirstByKindAndAuthor) {
  Write("anna", General(client_, "one"));
  Write("bruno", Call("two", "Mario"));
  Write("anna", Call("three", "Lucia"));
  Write("bruno", General(NewClient(firm_, "Other").company_id(), "elsewhere"));
  EXPECT_THAT(Texts(OfClient()), ElementsAre("three", "two", "one"));
  NoteQuery calls = OfClient();
  calls.kind = v1::Note::CALL;
  EXPECT_THAT(Texts(calls), ElementsAre("three", "two"));
  NoteQuery annas = OfClient();
  annas.author = "anna";
  EXPECT_THAT(Texts(annas), ElementsAre("three", "one"));
  annas.kind = v1::Note::GENERAL;
  EXPECT_THAT(Texts(annas), ElementsAre("one"));
}

TEST_F(NotesTest, PagesOfNotes) {
  for (int i = 0; i < 5; ++i) Write("anna", General(client_, absl::StrCat("n", i)));
  NoteQuery query = OfClient();
  query.page.page_size = 2;
  auto first = ValueOrFail(directory_->notes.ListNotes(testing::As("anna"), query));
  EXPECT_EQ(first.items.size(), 2u);
  query.page.page_token = first.next_page_token;
  auto second = ValueOrFail(directory_->notes.ListNotes(testing::As("anna"), query));
  EXPECT_EQ(second.items[0].text(), "n2");
  query.author = "bruno";  // another query: the token does not fit it
  EXPECT_THAT(directory_->notes.ListNotes(testing::As("anna"), query),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(NotesTest, SearchFindsWordsIgnoringCaseAndAccentsAcrossTheFirm) {
  Write("anna", Call("Telefonata: IVA trimestrale spiegata", "Mario Rossi"));
  Write("anna", General(client_, "Città di residenza cambiata"));
  const uint64_t other = NewClient(firm_, "Bianchi").company_id();
  Write("bruno", General(other, "telefonata sul bilancio"));
  EXPECT_THAT(
      Texts({.firm_id = firm_, .query = "telefonata"}),
      ElementsAre("telefonata sul bilancio", "Telefonata: IVA trimestrale spiegata"));
  EXPECT_THAT(Texts({.firm_id = firm_, .query = "iva rossi"}),
              ElementsAre("Telefonata: IVA trimestrale spiegata"));
  EXPECT_THAT(Texts({.firm_id = firm_, .query = "CITTA"}),
              ElementsAre("Città di residenza cambiata"));
  EXPECT_THAT(Texts({.firm_id = firm_, .company_id = other, .query = "tele"}),
              ElementsAre("telefonata sul bilancio"));
  EXPECT_TRUE(Texts({.firm_id = firm_, .query = "iva bilancio"}).empty());
}

// Words as they arrive: typed in full width, pasted with a soft hyphen or
// a ligature; searched in either spelling.
TEST_F(NotesTest, SearchFoldsWidthLigaturesAndInvisibleCharacters) {
  Write("anna", Call("Telefonata sul \uFB01sco", "\uFF32\uFF4F\uFF53\uFF53\uFF49"));
  Write("anna", General(client_, "Bilan\u00ADcio approvato"));
  EXPECT_THAT(Texts({.firm_id = firm_, .query = "rossi fisco"}),
              ElementsAre("Telefonata sul \uFB01sco"));
  EXPECT_THAT(Texts({.firm_id = firm_, .query = "\uFF52\uFF4F\uFF53\uFF53\uFF49"}),
              ElementsAre("Telefonata sul \uFB01sco"));
  EXPECT_THAT(Texts({.firm_id = firm_, .query = "bilancio"}),
              ElementsAre("Bilan\u00ADcio approvato"));
}

// A database whose note words an older version folded (full width kept,
// a soft hyphen splitting a word) and whose client listings had the deleted
// notes apart: rebuilt at start, the words of live notes only.
TEST_F(NotesTest, AnOlderNoteIndexIsRebuiltAtStart) {
  const NoteRecord note =
      Write("anna", General(client_, "Fattura \uFF32\uFF4F\uFF53\uFF53\uFF49"));
  const NoteRecord gone = Write("anna", General(client_, "Rossi cancellato"));
  ValueOrFail(directory_->notes.DeleteNote(testing::As("anna"),
                                           names::NoteName{firm_, gone.id()}, ""));
  rocksdb::WriteBatch old;
  for (char table : {tables::kNoteWords, tables::kClientNotes}) {
    old.DeleteRange(std::string(1, table), std::string(1, table + 1));
  }
  for (const std::string& key : workspace_keys::NoteWordKeys(
           {note, {"fattura", "\uFF52\uFF4F\uFF53\uFF53\uFF49"}})) {
    old.Put(key, "");
  }
  const std::string every_note =
      workspace_keys::ClientNotesPrefix(firm_, client_, workspace_keys::kEveryNoteFacet);
  for (const std::string& key : workspace_keys::ClientNoteKeys(note)) {
    if (!absl::StartsWith(key, every_note)) old.Put(key, "");
  }
  ASSERT_THAT(db_->Write(old), IsOk());
  EXPECT_TRUE(Texts({.firm_id = firm_, .query = "rossi"}).empty());
  NoteQuery with_deleted = OfClient();
  with_deleted.show_deleted = true;
  EXPECT_TRUE(Texts(with_deleted, "admin").empty());

  EXPECT_EQ(ValueOrFail(directory_->core.ReindexIfOutdated()).notes, 2u);
  EXPECT_THAT(Texts({.firm_id = firm_, .query = "rossi"}),
              ElementsAre("Fattura \uFF32\uFF4F\uFF53\uFF53\uFF49"));
  EXPECT_THAT(Texts(with_deleted, "admin"),
              ElementsAre("Rossi cancellato", "Fattura \uFF32\uFF4F\uFF53\uFF53\uFF49"));
  EXPECT_THAT(Texts(OfClient()), ElementsAre("Fattura \uFF32\uFF4F\uFF53\uFF53\uFF49"));
  EXPECT_EQ(ValueOrFail(directory_->core.ReindexIfOutdated()).notes, 0u);
  // The old spelling's entry went with the rebuild: deleting the note
  // leaves no entry behind.
  ValueOrFail(directory_->notes.DeleteNote(testing::As("anna"),
                                           names::NoteName{firm_, note.id()}, ""));
  size_t entries = 0;
  ASSERT_THAT(db_->Scan(std::string(1, tables::kNoteWords),
                        std::string(1, tables::kNoteWords + 1),
                        [&](absl::string_view, absl::string_view) {
                          ++entries;
                          return true;
                        }),
              IsOk());
  EXPECT_EQ(entries, 0u);
}

TEST_F(NotesTest, ANoteWithManyWordsStartingTheQueryIsFoundOnce) {
  Write("anna", General(client_, "tel tele telefono telefonata"));
  EXPECT_EQ(Texts({.firm_id = firm_, .query = "tel"}).size(), 1u);
}

// Notes listing many numbers that start alike ("INV0001 INV0002 ..."):
// page after page, each note once, at its first such word.
TEST_F(NotesTest, PagesOfNotesWithManyWordsStartingTheQueryHoldEachNoteOnce) {
  std::set<std::string> written;
  for (int note = 0; note < 5; ++note) {
    std::string text;
    for (int n = 0; n < 300; ++n) absl::StrAppend(&text, "INV", note * 1000 + n, " ");
    written.insert(Write("anna", General(client_, text)).text());
  }
  Write("anna", General(client_, "no invoice here"));
  NoteQuery query{.firm_id = firm_, .query = "inv"};
  query.page.page_size = 2;
  std::multiset<std::string> found;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = ValueOrFail(directory_->notes.ListNotes(testing::As("anna"), query));
    for (const NoteRecord& n : page.items) found.insert(n.text());
    if (page.next_page_token.empty()) break;
    query.page.page_token = page.next_page_token;
  }
  EXPECT_EQ(found.size(), 6u);
  EXPECT_EQ(std::set<std::string>(found.begin(), found.end()).size(), 6u);
  for (const std::string& text : written) EXPECT_EQ(found.count(text), 1u);
}

TEST_F(NotesTest, NotesOfAnotherFirmAreNeverFound) {
  Write("anna", General(client_, "segreto"));
  const uint64_t other = NewFirm("other");
  auto page = directory_->notes.ListNotes(testing::As("other"),
                                          {.firm_id = other, .query = "segreto"});
  ASSERT_THAT(page, IsOk());
  EXPECT_TRUE(page->items.empty());
  EXPECT_THAT(directory_->notes.ListNotes(testing::As("other"),
                                          {.firm_id = firm_, .query = "segreto"}),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(NotesTest, OnlyTheAuthorOrAnAdminChangesANote) {
  NoteRecord note = Write("anna", General(client_, "draft"));
  NoteRecord patch;
  patch.set_text("edited");
  const auto by_another = directory_->notes.UpdateNote(testing::As("bruno"),
                                                       names::NoteName{firm_, note.id()},
                                                       patch, {"text"}, EtagOf(note));
  EXPECT_THAT(by_another, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(errors::ReasonOf(by_another.status()), "NOT_NOTE_AUTHOR");
  EXPECT_EQ(errors::ReasonMetadataOf(by_another.status())["note"],
            names::NoteName(firm_, note.id()).ToString());
  NoteRecord edited = ValueOrFail(
      directory_->notes.UpdateNote(testing::As("anna"), names::NoteName{firm_, note.id()},
                                   patch, {"text"}, EtagOf(note)));
  EXPECT_EQ(edited.text(), "edited");
  patch.set_text("by the admin");
  EXPECT_THAT(directory_->notes.UpdateNote(testing::As("admin"),
                                           names::NoteName{firm_, note.id()}, patch,
                                           {"text"}, EtagOf(edited)),
              IsOk());
  EXPECT_THAT(directory_->notes.DeleteNote(testing::As("bruno"),
                                           names::NoteName{firm_, note.id()}, ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(NotesTest, AStaleEtagIsAborted) {
  NoteRecord note = Write("anna", General(client_, "v1"));
  NoteRecord patch;
  patch.set_text("v2");
  ASSERT_THAT(
      directory_->notes.UpdateNote(testing::As("anna"), names::NoteName{firm_, note.id()},
                                   patch, {"text"}, EtagOf(note)),
      IsOk());
  patch.set_text("v3");
  EXPECT_THAT(
      directory_->notes.UpdateNote(testing::As("anna"), names::NoteName{firm_, note.id()},
                                   patch, {"text"}, EtagOf(note)),
      StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(directory_->notes.DeleteNote(
                  testing::As("anna"), names::NoteName{firm_, note.id()}, EtagOf(note)),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(
      directory_->notes.UpdateNote(testing::As("anna"), names::NoteName{firm_, note.id()},
                                   patch, {"author"}, "r2"),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

// An edit whose answer was lost, retried under its request id, is answered
// the note as it is now rather than ABORTED by the etag its first call
// moved; the id names one request.
TEST_F(NotesTest, AnUpdateRetriedUnderItsRequestIdIsAnsweredNotAborted) {
  const NoteRecord note = Write("anna", General(client_, "v1"));
  const names::NoteName name{firm_, note.id()};
  NoteRecord patch;
  patch.set_text("v2");
  const NoteRecord first = ValueOrFail(directory_->notes.UpdateNote(
      testing::As("anna"), name, patch, {"text"}, EtagOf(note), "edit-1"));
  const NoteRecord again = ValueOrFail(directory_->notes.UpdateNote(
      testing::As("anna"), name, patch, {"text"}, EtagOf(note), "edit-1"));
  EXPECT_EQ(again.text(), "v2");
  EXPECT_EQ(EtagOf(again), EtagOf(first)) << "written once";
  EXPECT_THAT(directory_->notes.UpdateNote(testing::As("anna"), name, patch, {"text"},
                                           EtagOf(note)),
              StatusIs(absl::StatusCode::kAborted));
  patch.set_text("v3");
  EXPECT_THAT(directory_->notes.UpdateNote(testing::As("anna"), name, patch, {"text"},
                                           EtagOf(first), "edit-1"),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_id"));
  EXPECT_THAT(directory_->notes.UpdateNote(testing::As("stranger"), name, patch, {"text"},
                                           EtagOf(note), "edit-1"),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(NotesTest, AnUpdateReindexesTheWords) {
  NoteRecord note = Write("anna", General(client_, "vecchio testo"));
  NoteRecord patch;
  patch.set_text("nuovo testo");
  ValueOrFail(directory_->notes.UpdateNote(testing::As("anna"),
                                           names::NoteName{firm_, note.id()}, patch,
                                           {"text"}, EtagOf(note)));
  EXPECT_TRUE(Texts({.firm_id = firm_, .query = "vecchio"}).empty());
  EXPECT_EQ(Texts({.firm_id = firm_, .query = "nuovo"}).size(), 1u);
}

TEST_F(NotesTest, ADeletedNoteIsShownToAdminsFor30DaysThenPurged) {
  NoteRecord note = Write("anna", General(client_, "da cancellare"));
  NoteRecord deleted = ValueOrFail(directory_->notes.DeleteNote(
      testing::As("anna"), names::NoteName{firm_, note.id()}, ""));
  EXPECT_EQ(Notes::PurgeTimeOf(deleted),
            deleted.delete_time_us() + absl::ToInt64Microseconds(absl::Hours(30 * 24)));
  EXPECT_TRUE(Texts(OfClient()).empty());
  EXPECT_TRUE(Texts({.firm_id = firm_, .query = "cancellare"}).empty());
  EXPECT_THAT(
      directory_->notes.GetNote(testing::As("anna"), names::NoteName{firm_, note.id()}),
      StatusIs(absl::StatusCode::kNotFound));
  NoteQuery deleted_ones = OfClient();
  deleted_ones.show_deleted = true;
  const auto staff = directory_->notes.ListNotes(testing::As("anna"), deleted_ones);
  EXPECT_THAT(staff, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(errors::ReasonOf(staff.status()), "ROLE_REQUIRED");
  EXPECT_THAT(Texts(deleted_ones, "admin"), ElementsAre("da cancellare"));
  EXPECT_THAT(
      directory_->notes.GetNote(testing::As("admin"), names::NoteName{firm_, note.id()}),
      IsOk());
  EXPECT_THAT(directory_->notes.DeleteNote(testing::As("anna"),
                                           names::NoteName{firm_, note.id()}, ""),
              StatusIs(absl::StatusCode::kNotFound));

  // One second before 30 days it stays; at exactly 30 days it is gone,
  // before the purge has run, and purged.
  clock_.Advance(absl::Hours(30 * 24) - absl::Seconds(1));
  EXPECT_EQ(ValueOrFail(directory_->notes.PurgeDeletedNotes()), 0u);
  EXPECT_THAT(
      directory_->notes.GetNote(testing::As("admin"), names::NoteName{firm_, note.id()}),
      IsOk());
  EXPECT_THAT(Texts(deleted_ones, "admin"), ElementsAre("da cancellare"));
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(
      directory_->notes.GetNote(testing::As("admin"), names::NoteName{firm_, note.id()}),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(Texts(deleted_ones, "admin").empty());
  EXPECT_EQ(ValueOrFail(directory_->notes.PurgeDeletedNotes()), 1u);
  EXPECT_THAT(
      directory_->notes.GetNote(testing::As("admin"), names::NoteName{firm_, note.id()}),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(Texts(deleted_ones, "admin").empty());
}

// AIP-164: the author or an admin brings a deleted note back, into every
// list and search, until exactly 30 days after its deletion.
TEST_F(NotesTest, ADeletedNoteIsUndeletedUntilItsPurgeTime) {
  NoteRecord note = Write("anna", General(client_, "da ripristinare"));
  NoteRecord soon = Write("anna", General(client_, "ancora"));
  NoteRecord late = Write("anna", General(client_, "troppo tardi"));
  const names::NoteName name{firm_, note.id()};
  EXPECT_THAT(directory_->notes.UndeleteNote(testing::As("anna"), name, ""),
              StatusIs(absl::StatusCode::kAlreadyExists, "is not deleted"));
  NoteRecord deleted =
      ValueOrFail(directory_->notes.DeleteNote(testing::As("anna"), name, ""));
  EXPECT_THAT(directory_->notes.UndeleteNote(testing::As("stranger"), name, ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(directory_->notes.UndeleteNote(testing::As("bruno"), name, ""),
              StatusIs(absl::StatusCode::kNotFound))
      << "a member who may not see deleted notes";
  EXPECT_THAT(directory_->notes.UndeleteNote(testing::As("anna"), name, EtagOf(note)),
              StatusIs(absl::StatusCode::kAborted));
  NoteRecord back = ValueOrFail(
      directory_->notes.UndeleteNote(testing::As("anna"), name, EtagOf(deleted)));
  EXPECT_EQ(back.delete_time_us(), 0);
  EXPECT_EQ(back.text(), "da ripristinare");
  EXPECT_NE(EtagOf(back), EtagOf(deleted));
  EXPECT_THAT(Texts({.firm_id = firm_, .query = "ripristinare"}),
              ElementsAre("da ripristinare"));
  NoteQuery with_deleted = OfClient();
  with_deleted.show_deleted = true;
  EXPECT_THAT(Texts(with_deleted, "admin"),
              ElementsAre("troppo tardi", "ancora", "da ripristinare"));

  ValueOrFail(directory_->notes.DeleteNote(testing::As("anna"), {firm_, soon.id()}, ""));
  ValueOrFail(directory_->notes.DeleteNote(testing::As("anna"), {firm_, late.id()}, ""));
  clock_.Advance(absl::Hours(30 * 24) - absl::Seconds(1));
  EXPECT_THAT(
      directory_->notes.UndeleteNote(testing::As("admin"), {firm_, soon.id()}, ""),
      IsOk());
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(
      directory_->notes.UndeleteNote(testing::As("admin"), {firm_, late.id()}, ""),
      StatusIs(absl::StatusCode::kNotFound))
      << "at its purge time, before the purge has run";
  EXPECT_EQ(ValueOrFail(directory_->notes.PurgeDeletedNotes()), 1u)
      << "an undeleted note is not purged";
  EXPECT_THAT(Texts(OfClient()), ElementsAre("ancora", "da ripristinare"));
}

// AIP-164: show_deleted lists the deleted notes with the live ones, in one
// order (newest first), over pages; its filters hold for both.
TEST_F(NotesTest, ShowDeletedListsTheDeletedNotesAmongTheLiveOnes) {
  Write("anna", General(client_, "prima"));
  const NoteRecord second = Write("bruno", Call("seconda", "Mario"));
  Write("anna", General(client_, "terza"));
  const NoteRecord fourth = Write("bruno", General(client_, "quarta"));
  for (const NoteRecord* note : {&second, &fourth}) {
    ValueOrFail(directory_->notes.DeleteNote(testing::As("admin"),
                                             names::NoteName{firm_, note->id()}, ""));
  }
  EXPECT_THAT(Texts(OfClient()), ElementsAre("terza", "prima"));
  NoteQuery with_deleted = OfClient();
  with_deleted.show_deleted = true;
  EXPECT_THAT(Texts(with_deleted, "admin"),
              ElementsAre("quarta", "terza", "seconda", "prima"));

  std::vector<std::string> paged;
  with_deleted.page.page_size = 1;
  for (int page = 0; page < 5; ++page) {
    auto listed = directory_->notes.ListNotes(testing::As("admin"), with_deleted);
    ASSERT_THAT(listed, IsOk());
    for (const NoteRecord& n : listed->items) {
      paged.push_back(
          absl::StrCat(n.text(), n.delete_time_us() != 0 ? " (deleted)" : ""));
    }
    if (listed->next_page_token.empty()) break;
    with_deleted.page.page_token = listed->next_page_token;
  }
  EXPECT_THAT(paged,
              ElementsAre("quarta (deleted)", "terza", "seconda (deleted)", "prima"));

  NoteQuery bruno = OfClient();
  bruno.show_deleted = true;
  bruno.author = "bruno";
  EXPECT_THAT(Texts(bruno, "admin"), ElementsAre("quarta", "seconda"));
  NoteQuery calls = OfClient();
  calls.show_deleted = true;
  calls.kind = v1::Note::CALL;
  EXPECT_THAT(Texts(calls, "admin"), ElementsAre("seconda"));
  NoteQuery anna_general = OfClient();
  anna_general.show_deleted = true;
  anna_general.author = "anna";
  anna_general.kind = v1::Note::GENERAL;
  EXPECT_THAT(Texts(anna_general, "admin"), ElementsAre("terza", "prima"));
}

TEST_F(NotesTest, ListingNeedsAClientOrAQuery) {
  EXPECT_THAT(directory_->notes.ListNotes(testing::As("anna"), {.firm_id = firm_}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      directory_->notes.ListNotes(testing::As("anna"), {.firm_id = firm_, .query = "!!"}),
      StatusIs(absl::StatusCode::kInvalidArgument));
  // A client the firm does not have: not found, rather than no notes.
  EXPECT_THAT(directory_->notes.ListNotes(testing::As("anna"),
                                          {.firm_id = firm_, .company_id = 999999}),
              StatusIs(absl::StatusCode::kNotFound, "999999"));
}

TEST_F(NotesTest, SearchFiltersAreChecked) {
  auto fields_of = [&](const NoteQuery& query) {
    std::vector<std::string> fields;
    auto page = directory_->notes.ListNotes(testing::As("admin"), query);
    EXPECT_THAT(page, StatusIs(absl::StatusCode::kInvalidArgument));
    for (const auto& v : errors::FieldViolationsOf(page.status()))
      fields.push_back(v.field);
    return fields;
  };
  EXPECT_THAT(fields_of({.firm_id = firm_, .query = "vat", .show_deleted = true}),
              ElementsAre("show_deleted"));
  EXPECT_THAT(fields_of({.firm_id = firm_,
                         .company_id = client_,
                         .kind = static_cast<v1::Note::Kind>(9)}),
              ElementsAre("kind"));
  EXPECT_THAT(directory_->notes.ListNotes(
                  testing::As("anna"),
                  {.firm_id = firm_, .query = std::string(kMaxSearchCharacters, 'v')}),
              IsOk());
  EXPECT_THAT(
      fields_of({.firm_id = firm_, .query = std::string(kMaxSearchCharacters + 1, 'v')}),
      ElementsAre("query"));
}

TEST_F(NotesTest, AnUpdateWithoutAnEtagIsRefusedAndOneOfNoFieldChangesNothing) {
  NoteRecord note = Write("anna", General(client_, "x"));
  NoteRecord patch;
  patch.set_text("y");
  auto updated = directory_->notes.UpdateNote(
      testing::As("anna"), names::NoteName{firm_, note.id()}, patch, {"text"}, "");
  ASSERT_THAT(updated, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(errors::FieldViolationsOf(updated.status())[0].field, "note.etag");
  auto nothing = directory_->notes.UpdateNote(
      testing::As("anna"), names::NoteName{firm_, note.id()}, patch, {}, EtagOf(note));
  ASSERT_THAT(nothing, IsOk());
  EXPECT_EQ(EtagOf(*nothing), EtagOf(note));
  EXPECT_THAT(Texts(OfClient()), ElementsAre("x"));
}

}  // namespace
}  // namespace clientbook::directory
