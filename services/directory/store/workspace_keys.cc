#include "services/directory/store/workspace_keys.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "common/keys/key_codec.h"
#include "services/directory/domain/rules.h"
#include "services/directory/store/directory_tables.h"

namespace clientbook::directory::workspace_keys {
namespace {

using storage::KeyBuilder;

using tables::kClientNotes;
using tables::kNote;
using tables::kNotePurge;
using tables::kNoteWords;
using tables::kTodo;
using tables::kTodoIndex;

constexpr char kHasDueDate = '0';
constexpr char kNoDueDate = '1';
// Days before 1970 stay in order as unsigned numbers.
constexpr uint64_t kDayOffset = uint64_t{1} << 31;

// Newest first in ascending key order.
uint64_t Newest(int64_t time_us) {
  return std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(time_us);
}

std::string TodoFacetPrefix(uint64_t firm, absl::string_view facet,
                            absl::string_view states) {
  return KeyBuilder(kTodoIndex).Uint64(firm).String(facet).String(states).Release();
}

std::string AssigneeFacet(absl::string_view user) { return absl::StrCat("a:", user); }
std::string ClientFacet(uint64_t company) { return absl::StrCat("c:", company); }
std::string StateSlot(v1::Todo::State state) {
  return absl::StrCat("s", static_cast<int>(state));
}
constexpr char kFirmFacet[] = "f";
constexpr char kAllStates[] = "*";
constexpr char kOpenStates[] = "o";

}  // namespace

std::string NoteKey(uint64_t firm, uint64_t note) {
  return KeyBuilder(kNote).Uint64(firm).Uint64(note).Release();
}
std::string TodoKey(uint64_t firm, uint64_t todo) {
  return KeyBuilder(kTodo).Uint64(firm).Uint64(todo).Release();
}

std::string ClientNotesPrefix(uint64_t firm, uint64_t company, absl::string_view facet) {
  return KeyBuilder(kClientNotes).Uint64(firm).Uint64(company).String(facet).Release();
}

std::string NoteWordBase(uint64_t firm) {
  return KeyBuilder(kNoteWords).Uint64(firm).Release();
}

std::string PurgePrefix() { return std::string(1, kNotePurge); }
std::string PurgeEnd(int64_t time_us) {
  return KeyBuilder(kNotePurge).Uint64(static_cast<uint64_t>(time_us) + 1).Release();
}

std::vector<std::string> ClientNoteKeys(const NoteRecord& n) {
  const uint64_t order = Newest(n.create_time_us());
  std::vector<std::string> keys;
  auto client_entry = [&](absl::string_view facet) {
    keys.push_back(
        KeyBuilder::Extend(ClientNotesPrefix(n.firm_id(), n.company_id(), facet))
            .Uint64(order)
            .Uint64(n.id())
            .Release());
  };
  client_entry(kEveryNoteFacet);
  if (n.delete_time_us() == 0) {
    client_entry("");
    client_entry(NoteKindFacet(n.kind()));
    client_entry(NoteAuthorFacet(n.author_user_id()));
  }
  return keys;
}

std::vector<std::string> NoteIndexKeys(const IndexedNote& indexed) {
  const NoteRecord& n = indexed.record;
  std::vector<std::string> keys = ClientNoteKeys(n);
  if (n.delete_time_us() != 0) {
    keys.push_back(KeyBuilder(kNotePurge)
                       .Uint64(static_cast<uint64_t>(indexed.purge_time_us))
                       .Uint64(n.firm_id())
                       .Uint64(n.id())
                       .Release());
    return keys;
  }
  for (std::string& key : NoteWordKeys(indexed)) keys.push_back(std::move(key));
  return keys;
}

std::vector<std::string> NoteWordKeys(const IndexedNote& indexed) {
  const NoteRecord& n = indexed.record;
  const std::string order_bytes = storage::EncodeUint64(Newest(n.create_time_us()));
  std::vector<std::string> keys;
  keys.reserve(indexed.words.size());
  for (const std::string& word : indexed.words) {
    keys.push_back(KeyBuilder::Extend(NoteWordBase(n.firm_id()))
                       .String(word)
                       .String(order_bytes)
                       .Uint64(n.id())
                       .Release());
  }
  return keys;
}

std::vector<std::string> TodoIndexKeys(const TodoRecord& t) {
  std::vector<std::string> slots = {kAllStates, StateSlot(t.state())};
  if (IsOpenTodo(t.state())) slots.push_back(kOpenStates);
  std::vector<std::string> keys;
  for (const std::string& facet :
       {std::string(kFirmFacet), AssigneeFacet(t.assignee_user_id()),
        ClientFacet(t.company_id())}) {
    for (const std::string& slot : slots) {
      KeyBuilder key = KeyBuilder::Extend(TodoFacetPrefix(t.firm_id(), facet, slot));
      if (t.has_due_date()) {
        key.Byte(kHasDueDate).Uint64(static_cast<uint64_t>(t.due_day()) + kDayOffset);
      } else {
        key.Byte(kNoDueDate).Uint64(0);
      }
      keys.push_back(key.Uint64(t.id()).Release());
    }
  }
  return keys;
}

std::string TodoScanPrefix(const TodoScan& scan) {
  const std::string facet =
      scan.by == TodoScan::By::kAssignee ? AssigneeFacet(scan.assignee)
      : scan.by == TodoScan::By::kClient ? ClientFacet(scan.company_id)
                                         : std::string(kFirmFacet);
  const std::string states = scan.states == TodoScan::States::kOpen ? kOpenStates
                             : scan.states == TodoScan::States::kOne
                                 ? StateSlot(scan.state)
                                 : std::string(kAllStates);
  return TodoFacetPrefix(scan.firm_id, facet, states);
}

std::string TodoDueBound(const std::string& prefix, int32_t day) {
  return KeyBuilder::Extend(prefix)
      .Byte(kHasDueDate)
      .Uint64(static_cast<uint64_t>(day) + kDayOffset)
      .Release();
}

std::string TodoUndatedStart(const std::string& prefix) {
  return KeyBuilder::Extend(prefix).Byte(kNoDueDate).Release();
}

}  // namespace clientbook::directory::workspace_keys
