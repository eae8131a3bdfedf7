#include "common/changes/audit_index.h"

#include <limits>

#include "common/keys/key_codec.h"

namespace clientbook::changes::audit_index {
namespace {

using storage::KeyBuilder;

constexpr char kResource = 'r';
constexpr char kFirm = 'f';
constexpr char kActor = 'a';

// Newest first in ascending key order.
uint64_t Newest(uint64_t sequence) {
  return std::numeric_limits<uint64_t>::max() - sequence;
}

std::string Key(std::string prefix, uint64_t sequence) {
  return KeyBuilder::Extend(std::move(prefix)).Uint64(Newest(sequence)).Release();
}

}  // namespace

std::string ResourcePrefix(char table, absl::string_view name) {
  return KeyBuilder(table).Byte(kResource).String(name).Release();
}

std::string FirmPrefix(char table, uint64_t firm_id) {
  return KeyBuilder(table).Byte(kFirm).Uint64(firm_id).Release();
}

std::string ActorPrefix(char table, absl::string_view actor) {
  return KeyBuilder(table).Byte(kActor).String(actor).Release();
}

std::vector<std::string> KeysOf(char table, const ChangeRecord& record) {
  const uint64_t sequence = record.sequence();
  std::vector<std::string> keys = {Key(ResourcePrefix(table, record.name()), sequence)};
  if (!record.client().empty() && record.client() != record.name()) {
    keys.push_back(Key(ResourcePrefix(table, record.client()), sequence));
  }
  // A merge is in the history of the client kept too.
  if (!record.merged_into().empty()) {
    keys.push_back(Key(ResourcePrefix(table, record.merged_into()), sequence));
  }
  if (record.firm_id() != 0)
    keys.push_back(Key(FirmPrefix(table, record.firm_id()), sequence));
  if (!record.actor().empty())
    keys.push_back(Key(ActorPrefix(table, record.actor()), sequence));
  return keys;
}

bool HoldsRecord(absl::string_view key) { return key.size() > 1 && key[1] == kResource; }

std::optional<uint64_t> SequenceOf(absl::string_view key) {
  std::optional<uint64_t> newest = storage::TrailingUint64(key);
  if (!newest.has_value()) return std::nullopt;
  return Newest(*newest);
}

}  // namespace clientbook::changes::audit_index
