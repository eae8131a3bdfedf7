// How the client workspace's reads scale: "my open to-dos due this week",
// a client's to-dos and note search, in a small firm (5,000 to-dos, 10,000
// notes) and a large one (CLIENTBOOK_BENCH_TODOS, default 100,000, and
// CLIENTBOOK_BENCH_NOTES, default 100,000; tests/bench/run-scale uses
// 5,000,000 and 1,000,000), on RocksDB on disk. A member's own load does not
// grow with the firm: the large firm has more members, clients and to-dos,
// and "me" has the same 250 to-dos in both. Prints p50 and p99 per shape
// and the large/small p99 ratio; asserts nothing.
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "common/storage/database.h"
#include "common/time/clock.h"
#include "services/directory/domain/directory.h"
#include "services/directory/store/rocksdb_directory_store.h"
#include "tests/bench/latency.h"
#include "tests/support/callers.h"
#include "tests/support/fake_directory_peers.h"
#include "tests/support/temp_dir.h"

namespace clientbook::directory {
namespace {

constexpr int kTodosPerMember = 250;
constexpr int kTodosPerClient = 5;
constexpr int kNotesPerClient = 10;
// Due dates spread over this many days from the bench's "today".
constexpr int kDueDays = 500;
constexpr const char* kWords[] = {
    "telefonata",    "iva",          "bilancio",      "fattura",     "scadenza",
    "dichiarazione", "contributi",   "f24",           "cliente",     "pagamento",
    "ritardo",       "banca",        "mutuo",         "affitto",     "contratto",
    "dipendenti",    "cedolino",     "inps",          "inail",       "camera",
    "commercio",     "visura",       "registro",      "imposta",     "catasto",
    "successione",   "donazione",    "società",       "assemblea",   "verbale",
    "revisore",      "sindaco",      "perizia",       "preventivo",  "consulenza",
    "incontro",      "email",        "documenti",     "ricevuta",    "acconto",
    "saldo",         "rimborso",     "credito",       "debito",      "interessi",
    "sanzione",      "ravvedimento", "rateizzazione", "esterometro", "corrispettivi"};

struct Workspace {
  uint64_t firm_id = 0;
  std::string owner;
  int todos = 0;
  int notes = 0;
  uint64_t busy_client = 0;  // a client with to-dos and notes
  int32_t today = 0;         // day number the due dates center on
};

class Fixture {
 public:
  Fixture() {
    db_ = std::move(*storage::Database::Open(dir_.Sub("db"), {}));
    store_ = std::move(*RocksDirectoryStore::Create(db_.get(), clock_));
    directory_ = std::make_unique<Directory>(*store_, clock_, wholesale_, imports_);
  }

  Workspace Build(const std::string& owner, int todos, int notes) {
    Workspace w{.owner = owner, .todos = todos, .notes = notes};
    w.firm_id = directory_->firms
                    .CreateFirm(testing::As(owner), owner, owner + "@x.example", "", "")
                    ->id();
    w.today = DayNumber(absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()));
    const int members = std::max(1, todos / kTodosPerMember);
    for (int i = 0; i < members; ++i) {
      MemberRecord m;
      m.set_user_id(absl::StrCat("m-", i));
      m.set_role(v1::Role::STAFF);
      m.set_email(absl::StrCat("m-", i, "@x.example"));
      if (!directory_->firms.AddMember(testing::As(owner), names::FirmName{w.firm_id}, m)
               .ok())
        std::abort();
    }
    const int clients = std::max(todos / kTodosPerClient, notes / kNotesPerClient);
    std::vector<uint64_t> client_ids;
    for (int i = 0; i < clients; ++i) {
      ClientRecord c;
      c.set_client_type(v1::BUSINESS);
      c.set_display_name(absl::StrCat("Cliente ", i));
      client_ids.push_back(directory_->clients
                               .CreateClient(testing::As(owner),
                                             names::FirmName{w.firm_id}, c, false, "",
                                             true)
                               ->company_id());
    }
    w.busy_client = client_ids[clients / 2];
    absl::Time start = absl::Now();
    for (int i = 0; i < todos; ++i) {
      TodoRecord t;
      t.set_company_id(client_ids[i % clients]);
      t.set_title(absl::StrCat("Adempimento ", i));
      t.set_assignee_user_id(absl::StrCat("m-", i % members));
      t.set_has_due_date(true);
      t.set_due_day(w.today - kDueDays / 2 + (i / members) * 2 % kDueDays);
      // One in five is done.
      if (i % 5 == 4) t.set_state(v1::Todo::DONE);
      if (!directory_->todos
               .CreateTodo(testing::As(owner), names::FirmName{w.firm_id}, t, "")
               .ok())
        std::abort();
    }
    const double todo_seconds = absl::ToDoubleSeconds(absl::Now() - start);
    start = absl::Now();
    for (int i = 0; i < notes; ++i) {
      NoteRecord n;
      n.set_company_id(client_ids[i % clients]);
      n.set_kind(i % 3 == 0 ? v1::Note::CALL : v1::Note::GENERAL);
      std::string text;
      for (int word = 0; word < 12; ++word) {
        absl::StrAppend(&text, word == 0 ? "" : " ",
                        kWords[(i * 7 + word * word * 13 + i / 50) % std::size(kWords)]);
      }
      n.set_text(absl::StrCat(text, " pratica ", i));
      if (n.kind() == v1::Note::CALL) {
        n.set_call_time_us(absl::ToUnixMicros(absl::Now()));
        n.set_contact(absl::StrCat("Referente ", i % 997));
      }
      if (!directory_->notes
               .CreateNote(testing::As(owner), names::FirmName{w.firm_id}, n, "")
               .ok())
        std::abort();
    }
    absl::PrintF(
        "firm %s: %d to-dos in %.1f s, %d notes in %.1f s, %d members, %d clients\n",
        owner, todos, todo_seconds, notes, absl::ToDoubleSeconds(absl::Now() - start),
        members, clients);
    return w;
  }

  Directory& directory() { return *directory_; }

 private:
  testing::TempDir dir_;
  SystemClock clock_;
  FakeWholesaleCheck wholesale_;
  FakeImportActivity imports_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<RocksDirectoryStore> store_;
  std::unique_ptr<Directory> directory_;
};

void Register(Directory& d, const Workspace& w, const std::string& size) {
  auto todos = [&d, w](TodoQuery q) {
    q.firm_id = w.firm_id;
    return [&d, w, q](benchmark::State& s) {
      bench::TimeEachListCall(s,
                              [&] { return d.todos.ListTodos(testing::As(w.owner), q); });
    };
  };
  auto notes = [&d, w](NoteQuery q) {
    q.firm_id = w.firm_id;
    return [&d, w, q](benchmark::State& s) {
      bench::TimeEachListCall(s,
                              [&] { return d.notes.ListNotes(testing::As(w.owner), q); });
    };
  };
  benchmark::RegisterBenchmark(("TodosMineOpenDueThisWeek/size:" + size).c_str(),
                               todos({.assignee = "m-0",
                                      .open_only = true,
                                      .due_from = w.today,
                                      .due_to = w.today + 6}));
  benchmark::RegisterBenchmark(("TodosMineOpenFirstPage/size:" + size).c_str(),
                               todos({.assignee = "m-0", .open_only = true}));
  benchmark::RegisterBenchmark(("TodosOfOneClient/size:" + size).c_str(),
                               todos({.company_id = w.busy_client}));
  benchmark::RegisterBenchmark(("NotesOfOneClient/size:" + size).c_str(),
                               notes({.company_id = w.busy_client}));
  benchmark::RegisterBenchmark(("NotesSearchOneWord/size:" + size).c_str(),
                               notes({.query = "ravvedimento"}));
  benchmark::RegisterBenchmark(("NotesSearchTwoWords/size:" + size).c_str(),
                               notes({.query = "telefonata iva"}));
  benchmark::RegisterBenchmark(("NotesSearchRareNumber/size:" + size).c_str(),
                               notes({.query = absl::StrCat("pratica ", w.notes / 3)}));
  auto summary = [&d, w](benchmark::State& s) {
    bench::TimeEachCall(s, [&]() -> absl::Status {
      return d.todos
          .GetClientWorkSummary(testing::As(w.owner),
                                names::ClientName{w.firm_id, w.busy_client})
          .status();
    });
  };
  benchmark::RegisterBenchmark(("ClientWorkSummary/size:" + size).c_str(), summary);
}

int EnvOr(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::atoi(value) : fallback;
}

}  // namespace
}  // namespace clientbook::directory

int main(int argc, char** argv) {
  using namespace clientbook::directory;
  benchmark::Initialize(&argc, argv);
  const int todos = EnvOr("CLIENTBOOK_BENCH_TODOS", 100000);
  const int notes = EnvOr("CLIENTBOOK_BENCH_NOTES", 100000);
  Fixture fixture;
  const Workspace small = fixture.Build("small-owner", 5000, 10000);
  const Workspace large = fixture.Build("large-owner", todos, notes);
  Register(fixture.directory(), small, "small");
  Register(fixture.directory(), large, "large");
  clientbook::bench::ScaleReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
