#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/names/names.h"
#include "common/status/errors.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/directory/directory_fixture.h"

namespace clientbook::directory {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Optional;

class ClientNumberTest : public DirectoryTest {
 protected:
  ClientNumberTest() : firm_(NewFirm()) {}

  absl::StatusOr<ClientRecord> Create(const std::string& name,
                                      const std::string& number) {
    return directory_->clients.CreateClient(testing::As("owner"), names::FirmName{firm_},
                                            Draft(name, number), false, "");
  }

  uint64_t firm_;
};

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST_F(ClientNumberTest, AcceptsExactly100Characters) {
  EXPECT_THAT(Create("A", Repeat("x", 100)), IsOk());
  // Characters, not bytes: 100 two-byte letters fit too.
  EXPECT_THAT(Create("B", Repeat("é", 100)), IsOk());
}

TEST_F(ClientNumberTest, Rejects101Characters) {
  auto c = Create("A", Repeat("x", 101));
  EXPECT_THAT(c, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(errors::FieldViolationsOf(c.status()),
              ElementsAre(Field(&errors::FieldViolation::field, "client.client_number")));
  EXPECT_THAT(c.status().message(), HasSubstr("101"));
}

TEST_F(ClientNumberTest, SurroundingBlanksAreTrimmedBeforeTheLimit) {
  auto c = Create("A", "  " + Repeat("x", 100) + " \t");
  ASSERT_THAT(c, IsOk()) << c.status();
  EXPECT_EQ(c->client_number(), Repeat("x", 100));
}

TEST_F(ClientNumberTest, RejectsCaseOnlyDuplicateNamingTheHolder) {
  ClientRecord holder = *Create("Rossi SRL", "A-17");
  auto dup = Create("Bianchi", " a-17 ");
  EXPECT_THAT(dup, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(dup.status().message(), HasSubstr("Rossi SRL"));
  EXPECT_THAT(errors::ResourceNameOf(dup.status()),
              Optional(names::ClientName{firm_, holder.company_id()}.ToString()));
}

// "É" typed as one character or as "E" and a combining accent is one
// number, in either order and either case.
TEST_F(ClientNumberTest, RejectsACanonicallyEquivalentDuplicateNamingTheHolder) {
  ClientRecord holder = *Create("Rossi SRL", "\u00C9-17");
  auto dup = Create("Bianchi", "e\u0301-17");
  EXPECT_THAT(dup, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(errors::ResourceNameOf(dup.status()),
              Optional(names::ClientName{firm_, holder.company_id()}.ToString()));
  // An accent is still not its absence, nor another accent.
  EXPECT_THAT(Create("Verdi", "E-17"), IsOk());
  EXPECT_THAT(Create("Neri", "e\u0300-17"), IsOk());
}

// Full width is the same number, and an invisible character inside one (a
// zero-width space, a bidi mark) makes no second number that looks alike.
TEST_F(ClientNumberTest, FullWidthAndInvisibleCharactersMakeNoOtherNumber) {
  ASSERT_THAT(Create("Rossi", "A-17"), IsOk());
  for (const char* lookalike : {"\uFF21-\uFF11\uFF17", "A-\u200B17", "\u202EA-17"}) {
    EXPECT_THAT(Create("Bianchi", lookalike), StatusIs(absl::StatusCode::kAlreadyExists))
        << lookalike;
  }
}

TEST_F(ClientNumberTest, ANumberIsOneLineOfSomethingVisible) {
  for (const std::string& number : {std::string("A\n17"), std::string("A\0-17", 5),
                                    std::string("A\t17"), std::string("\x7F")}) {
    auto c = Create("Rossi", number);
    EXPECT_THAT(c, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(errors::FieldViolationsOf(c.status()),
                ElementsAre(Field(&errors::FieldViolation::description,
                                  HasSubstr("control character"))));
  }
  auto invisible = Create("Rossi", "\u200B\u200E");
  EXPECT_THAT(invisible, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(invisible.status().message(), HasSubstr("no visible character"));
}

TEST_F(ClientNumberTest, BlankMeansNoNumberAndNeverCollides) {
  EXPECT_THAT(Create("A", ""), IsOk());
  EXPECT_THAT(Create("B", "   "), IsOk());
}

TEST_F(ClientNumberTest, SameNumberInAnotherFirmIsFine) {
  ASSERT_THAT(Create("A", "A-17"), IsOk());
  uint64_t other = NewFirm("other");
  EXPECT_THAT(
      directory_->clients.CreateClient(testing::As("other"), names::FirmName{other},
                                       Draft("B", "A-17"), false, ""),
      IsOk());
}

TEST_F(ClientNumberTest, ChangingTheCaseOfYourOwnNumberIsAllowed) {
  ClientRecord c = *Create("A", "a-17");
  ClientRecord patch = Draft("", "A-17");
  auto updated = directory_->clients.UpdateClient(
      testing::As("owner"), names::ClientName{firm_, c.company_id()}, patch,
      {"client_number"}, EtagOf(c));
  ASSERT_THAT(updated, IsOk()) << updated.status();
  EXPECT_EQ(updated->client_number(), "A-17");
}

TEST_F(ClientNumberTest, AnUpdatedClientFreesItsOldNumber) {
  ClientRecord c = *Create("A", "OLD");
  auto updated = directory_->clients.UpdateClient(
      testing::As("owner"), names::ClientName{firm_, c.company_id()}, Draft("", "NEW"),
      {"client_number"}, EtagOf(c));
  ASSERT_THAT(updated, IsOk());
  EXPECT_THAT(Create("B", "old"), IsOk());
  EXPECT_THAT(Create("C", "new"), StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(ClientNumberTest, UpdateToAHeldNumberIsAlreadyExistsAndChangesNothing) {
  ASSERT_THAT(Create("Holder", "A-1"), IsOk());
  ClientRecord c = *Create("Other", "B-1");
  auto updated = directory_->clients.UpdateClient(
      testing::As("owner"), names::ClientName{firm_, c.company_id()}, Draft("", "a-1"),
      {"client_number"}, EtagOf(c));
  EXPECT_THAT(updated, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(directory_->clients
                .GetClient(testing::As("owner"), names::ClientName{firm_, c.company_id()})
                ->client_number(),
            "B-1");
}

TEST_F(ClientNumberTest, ConcurrentRacersForOneNumberLeaveExactlyOneWinner) {
  constexpr int kRacers = 16;
  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&, i] {
      auto c = Create(absl::StrCat("Racer ", i), i % 2 ? "RACE-1" : "race-1");
      if (c.ok()) {
        ++won;
      } else if (c.status().code() == absl::StatusCode::kAlreadyExists) {
        ++lost;
      }
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), kRacers - 1);
}

class BatchClientNumberTest : public ClientNumberTest {
 protected:
  std::vector<ClientRecord> Clients(int n) {
    std::vector<ClientRecord> out;
    for (int i = 0; i < n; ++i) out.push_back(*Create(absl::StrCat("Client ", i), ""));
    return out;
  }
  std::string NumberOf(const ClientRecord& c) {
    return directory_->clients
        .GetClient(testing::As("owner"), names::ClientName{firm_, c.company_id()})
        ->client_number();
  }
};

TEST_F(BatchClientNumberTest, AppliesEveryEntry) {
  auto clients = Clients(3);
  auto result = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_},
      {{clients[0].company_id(), "N-1", ""},
       {clients[1].company_id(), " N-2 ", ""},
       {clients[2].company_id(), "N-3", EtagOf(clients[2])}});
  ASSERT_THAT(result, IsOk()) << result.status();
  EXPECT_EQ(NumberOf(clients[1]), "N-2");
  EXPECT_EQ(NumberOf(clients[2]), "N-3");
}

TEST_F(BatchClientNumberTest, OneBadEntryAppliesNothingAndEveryProblemIsReported) {
  auto clients = Clients(3);
  auto result = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_},
      {{clients[0].company_id(), "GOOD", ""},
       {clients[1].company_id(), Repeat("x", 101), ""},
       {999999, "X", ""}});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      errors::FieldViolationsOf(result.status()),
      ElementsAre(Field(&errors::FieldViolation::field, "requests[1].client_number"),
                  Field(&errors::FieldViolation::field, "requests[2].client")));
  EXPECT_EQ(NumberOf(clients[0]), "");
}

TEST_F(BatchClientNumberTest, DuplicateInsideTheBatchMarksBothEntries) {
  auto clients = Clients(3);
  auto result = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_},
      {{clients[0].company_id(), "D-1", ""},
       {clients[1].company_id(), "ok", ""},
       {clients[2].company_id(), "d-1", ""}});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(
      errors::FieldViolationsOf(result.status()),
      ElementsAre(Field(&errors::FieldViolation::field, "requests[0].client_number"),
                  Field(&errors::FieldViolation::field, "requests[2].client_number")));
}

TEST_F(BatchClientNumberTest, TheSameClientTwiceInOneBatchIsRefused) {
  auto clients = Clients(1);
  auto result = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_},
      {{clients[0].company_id(), "R-1", ""}, {clients[0].company_id(), "R-2", ""}});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(errors::FieldViolationsOf(result.status()),
              ElementsAre(Field(&errors::FieldViolation::field, "requests[1].client")));
  EXPECT_THAT(result.status().message(), HasSubstr("repeats requests[0]"));
  EXPECT_EQ(NumberOf(clients[0]), "");
}

TEST_F(BatchClientNumberTest, NumberHeldOutsideTheBatchIsAlreadyExists) {
  ClientRecord holder = *Create("Holder", "H-1");
  auto clients = Clients(1);
  auto result = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_},
      {{clients[0].company_id(), "h-1", ""}});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(result.status().message(), HasSubstr("Holder"));
}

TEST_F(BatchClientNumberTest, ClientsMaySwapNumbersInOneBatch) {
  ClientRecord a = *Create("A", "ONE");
  ClientRecord b = *Create("B", "TWO");
  auto result = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_},
      {{a.company_id(), "TWO", ""}, {b.company_id(), "ONE", ""}});
  ASSERT_THAT(result, IsOk()) << result.status();
  EXPECT_EQ(NumberOf(a), "TWO");
  EXPECT_EQ(NumberOf(b), "ONE");
  // The index follows: each number is held by exactly its new client.
  EXPECT_THAT(Create("C", "one"), StatusIs(absl::StatusCode::kAlreadyExists));
  auto by_number = directory_->listing.ListClients(
      testing::As("owner"), {.firm_id = firm_, .client_number_query = "one"});
  ASSERT_THAT(by_number, IsOk());
  ASSERT_EQ(by_number->items.size(), 1u);
  EXPECT_EQ(by_number->items[0].company_id(), b.company_id());
}

TEST_F(BatchClientNumberTest, StaleEtagAbortsTheWholeBatch) {
  auto clients = Clients(2);
  auto result = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_},
      {{clients[0].company_id(), "A", ""}, {clients[1].company_id(), "B", "r99"}});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(errors::ReasonOf(result.status()), "STALE_ETAG");
  EXPECT_EQ(errors::ReasonMetadataOf(result.status())["first"], "requests[1]");
  EXPECT_EQ(NumberOf(clients[0]), "");
}

TEST_F(BatchClientNumberTest, AThousandEntriesFitAndOneMoreIsTooMany) {
  auto clients = Clients(1001);
  std::vector<ClientNumberUpdate> updates;
  for (int i = 0; i < 1000; ++i) {
    updates.push_back({clients[i].company_id(), absl::StrCat("N", i), ""});
  }
  EXPECT_THAT(directory_->numbers.BatchUpdateClientNumbers(
                  testing::As("owner"), names::FirmName{firm_}, updates),
              IsOk());
  updates.push_back({clients[1000].company_id(), "N1000", ""});
  EXPECT_THAT(directory_->numbers.BatchUpdateClientNumbers(
                  testing::As("owner"), names::FirmName{firm_}, updates),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(BatchClientNumberTest, AnotherFirmsClientIsReportedAndNothingApplied) {
  uint64_t other = NewFirm("other");
  ClientRecord theirs = *directory_->clients.CreateClient(
      testing::As("other"), names::FirmName{other}, Draft("T"), false, "");
  auto mine = Clients(1);
  auto result = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_},
      {{mine[0].company_id(), "M", ""}, {theirs.company_id(), "T", ""}});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(NumberOf(mine[0]), "");
  EXPECT_EQ(
      directory_->clients
          .GetClient(testing::As("other"), names::ClientName{other, theirs.company_id()})
          ->client_number(),
      "");
}

TEST_F(BatchClientNumberTest, ValidateOnlyAnswersAVerdictPerEntryAndWritesNothing) {
  ClientRecord holder = *Create("Holder", "H-1");
  auto clients = Clients(2);
  auto clean = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_},
      {{clients[0].company_id(), "N-1", ""}}, /*validate_only=*/true);
  ASSERT_THAT(clean, IsOk()) << clean.status();
  EXPECT_EQ(NumberOf(clients[0]), "");
  auto dirty = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_},
      {{clients[0].company_id(), "N-1", ""},
       {clients[1].company_id(), "h-1", ""},
       {999999, "Z", ""}},
      /*validate_only=*/true);
  ASSERT_THAT(dirty, IsOk()) << dirty.status();
  ASSERT_EQ(dirty->verdicts.size(), 3u);
  EXPECT_EQ(dirty->verdicts[0].refusal, v1::ClientNumberResult::REFUSAL_UNSPECIFIED);
  EXPECT_TRUE(dirty->verdicts[0].changed);
  EXPECT_EQ(dirty->verdicts[1].refusal, v1::ClientNumberResult::NUMBER_TAKEN);
  EXPECT_EQ(dirty->verdicts[1].field, "client_number");
  EXPECT_THAT(dirty->verdicts[1].description, HasSubstr("Holder"));
  EXPECT_EQ(dirty->verdicts[2].refusal, v1::ClientNumberResult::CLIENT_NOT_FOUND);
  EXPECT_EQ(NumberOf(clients[0]), "");
}

TEST_F(BatchClientNumberTest, AThousandConflictsAreAllVerdictsNotOneHugeError) {
  auto clients = Clients(1000);
  std::vector<ClientNumberUpdate> swap;
  for (int i = 0; i < 500; ++i) {
    ASSERT_THAT(directory_->numbers.BatchUpdateClientNumbers(
                    testing::As("owner"), names::FirmName{firm_},
                    {{clients[i].company_id(), absl::StrCat("T", i), ""}}),
                IsOk());
    swap.push_back({clients[500 + i].company_id(), absl::StrCat("t", i), ""});
  }
  auto verdicts = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_}, swap, true);
  ASSERT_THAT(verdicts, IsOk()) << verdicts.status();
  for (const ClientNumberVerdict& v : verdicts->verdicts) {
    EXPECT_EQ(v.refusal, v1::ClientNumberResult::NUMBER_TAKEN);
  }
}

TEST_F(BatchClientNumberTest, ARequestIdMakesTheBatchIdempotent) {
  auto clients = Clients(2);
  ClientRecord holder = *Create("Holder", "N-2");
  std::vector<ClientNumberUpdate> batch = {{clients[0].company_id(), "N-1", ""},
                                           {clients[1].company_id(), "", ""}};
  auto first = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_}, batch, false, "job-7");
  ASSERT_THAT(first, IsOk()) << first.status();
  EXPECT_FALSE(first->replayed);
  EXPECT_TRUE(first->verdicts[0].changed);
  EXPECT_FALSE(first->verdicts[1].changed);

  // Someone else changes the number meanwhile; the repeat writes nothing
  // and answers what the first call did.
  ASSERT_THAT(directory_->numbers.BatchUpdateClientNumbers(
                  testing::As("owner"), names::FirmName{firm_},
                  {{clients[0].company_id(), "OTHER", ""}}),
              IsOk());
  auto again = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_}, batch, false, "job-7");
  ASSERT_THAT(again, IsOk()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_TRUE(again->verdicts[0].changed);
  EXPECT_FALSE(again->verdicts[1].changed);
  EXPECT_EQ(NumberOf(clients[0]), "OTHER");

  // The same id for other entries is refused; another caller's id is theirs.
  batch[0].client_number = "N-9";
  EXPECT_THAT(directory_->numbers.BatchUpdateClientNumbers(
                  testing::As("owner"), names::FirmName{firm_}, batch, false, "job-7"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(NumberOf(clients[0]), "OTHER");
}

TEST_F(BatchClientNumberTest, ARefusedBatchRecordsNoRequestId) {
  ClientRecord holder = *Create("Holder", "H-1");
  auto clients = Clients(1);
  std::vector<ClientNumberUpdate> batch = {{clients[0].company_id(), "H-1", ""}};
  EXPECT_THAT(directory_->numbers.BatchUpdateClientNumbers(
                  testing::As("owner"), names::FirmName{firm_}, batch, false, "r-1"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_THAT(
      directory_->numbers.BatchUpdateClientNumbers(
          testing::As("owner"), names::FirmName{firm_}, {{holder.company_id(), "", ""}}),
      IsOk());
  auto retried = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_}, batch, false, "r-1");
  ASSERT_THAT(retried, IsOk()) << retried.status();
  EXPECT_FALSE(retried->replayed);
  EXPECT_EQ(NumberOf(clients[0]), "H-1");
}

TEST_F(BatchClientNumberTest, BatchGetReturnsOnlyTheFirmsClientsInOrder) {
  auto clients = Clients(2);
  uint64_t other = NewFirm("other");
  ClientRecord theirs = *directory_->clients.CreateClient(
      testing::As("other"), names::FirmName{other}, Draft("T"), false, "");
  auto found = directory_->clients.BatchGetClients(
      testing::As("owner"), names::FirmName{firm_},
      {clients[1].company_id(), theirs.company_id(), clients[0].company_id()});
  ASSERT_THAT(found, IsOk());
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].company_id(), clients[1].company_id());
  EXPECT_EQ((*found)[1].company_id(), clients[0].company_id());
  EXPECT_THAT(directory_->clients.BatchGetClients(testing::As("stranger"),
                                                  names::FirmName{firm_}, {}),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

// A batch's answer carries its clients whole: past kMaxBatchAnswerBytes of
// them (150 clients of 21 KB: 3 MB) it is refused before anything is
// written, where gRPC refused the answer of 1,000 (21 MB) after the numbers
// were written, and at every retry. Counted as answered (a read mask), the
// same batch goes, and as a large write it takes the one place for it.
TEST_F(BatchClientNumberTest, AnAnswerPastItsBytesIsRefusedBeforeAnythingIsWritten) {
  std::vector<ClientNumberUpdate> updates;
  std::vector<uint64_t> ids;
  for (int i = 0; i < 150; ++i) {
    ids.push_back(NewLargeClient(firm_, absl::StrCat("Large ", i)).company_id());
    updates.push_back({ids.back(), absl::StrCat("L-", i), ""});
  }
  auto refused = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_}, updates, false, "req-1");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(errors::ReasonOf(refused.status()),
              Optional(std::string("BATCH_ANSWER_TOO_LARGE")));
  EXPECT_THAT(directory_->clients.BatchGetClients(testing::As("owner"),
                                                  names::FirmName{firm_}, ids),
              StatusIs(absl::StatusCode::kResourceExhausted));
  const ClientAnswerBytes names_only = [](const ClientRecord&) { return size_t{40}; };
  auto read = directory_->clients.BatchGetClients(
      testing::As("owner"), names::FirmName{firm_}, ids, names_only);
  ASSERT_THAT(read, IsOk()) << read.status();
  for (const ClientRecord& c : *read) EXPECT_EQ(c.client_number(), "");

  // Another large write under way, on a thread of its own.
  absl::Notification held;
  absl::Notification done;
  std::thread under_way([&] {
    auto place = directory_->core.PlaceForWrite(kSmallWriteBytes + 1);
    EXPECT_THAT(place, IsOk());
    held.Notify();
    done.WaitForNotification();
  });
  held.WaitForNotification();
  auto busy = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_}, updates, false, "req-1", names_only);
  EXPECT_THAT(errors::ReasonOf(busy.status()), Optional(std::string("LARGE_WRITE_BUSY")));
  done.Notify();
  under_way.join();
  auto written = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_}, updates, false, "req-1", names_only);
  ASSERT_THAT(written, IsOk()) << written.status();
  EXPECT_FALSE(written->replayed);
  EXPECT_EQ(NumberOf((*read)[149]), "L-149");
  auto replayed = directory_->numbers.BatchUpdateClientNumbers(
      testing::As("owner"), names::FirmName{firm_}, updates, false, "req-1", names_only);
  ASSERT_THAT(replayed, IsOk()) << replayed.status();
  EXPECT_TRUE(replayed->replayed);
}

}  // namespace
}  // namespace clientbook::directory
