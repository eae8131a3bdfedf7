#include "services/directory/store/rocksdb_client_store.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/keys/key_codec.h"
#include "common/names/names.h"
#include "common/status/macros.h"
#include "common/storage/records.h"
#include "services/directory/store/directory_changes.h"
#include "services/directory/store/directory_tables.h"
#include "services/directory/store/index_rebuild.h"
#include "services/directory/store/match_collector.h"
#include "services/directory/store/word_join.h"

namespace clientbook::directory {
namespace {

using storage::KeyBuilder;
using storage::KeyReader;
using tables::kClient;
using tables::kDuplicateIndex;
using tables::kNameIndex;
using tables::kNumberIndex;
using tables::kSuffixIndex;
using tables::kWordIndex;

constexpr char kScopeActive = 'a';
constexpr char kScopeAll = 'z';
constexpr char kHasNumber = '0';
constexpr char kNoNumber = '1';

// The layout of the listing indexes. 2: name and number entries per facet;
// 3: and the duplicate-name index; 4: name entries among all clients cover
// the display name and number; 5: a facet per client's primary admin; 6:
// the suffix index (search inside words); 7: number keys are Unicode's
// identifier caseless match (their owners rebuilt too); 8: names fold
// compatibility forms and drop invisible characters (text::FoldForSearch).
// A database with another (or no) layout is reindexed at start.
constexpr char kIndexLayout[] = "8";
constexpr size_t kSharedNumberExamples = 10;
// FindDuplicateClients shows at most this many clients of one name.
constexpr size_t kMaxClientsPerDuplicateGroup = 100;

std::string IndexLayoutKey() {
  return KeyBuilder(tables::kMeta).String("index_layout").Release();
}
std::string ClientKey(uint64_t firm, uint64_t company) {
  return KeyBuilder(kClient).Uint64(firm).Uint64(company).Release();
}
std::vector<std::string> ClientKeys(uint64_t firm,
                                    const std::vector<uint64_t>& companies) {
  std::vector<std::string> keys;
  keys.reserve(companies.size());
  for (uint64_t company : companies) keys.push_back(ClientKey(firm, company));
  return keys;
}
std::string NumberOwnerKey(uint64_t firm, absl::string_view number_key) {
  return KeyBuilder(tables::kNumberOwner).Uint64(firm).String(number_key).Release();
}
std::string DuplicateKeyPrefix(uint64_t firm, absl::string_view duplicate_key) {
  return KeyBuilder(kDuplicateIndex).Uint64(firm).String(duplicate_key).Release();
}
std::string MergedClientKey(uint64_t firm, uint64_t company) {
  return KeyBuilder(tables::kMergedClient).Uint64(firm).Uint64(company).Release();
}

// A name, word or suffix index key of client `c`: the term it is found by
// (a facet, a word, a suffix), then its folded name, so that within a term
// clients come in name order.
std::string TermKey(char table, const ClientRecord& c, char scope, absl::string_view term,
                    absl::string_view name) {
  return KeyBuilder(table)
      .Uint64(c.firm_id())
      .Byte(scope)
      .String(term)
      .String(name)
      .Uint64(c.company_id())
      .Release();
}

// The listing index entries of one client, in both scopes that apply: by
// name and by number once per facet, by word once (by suffix among all
// clients only); and its duplicate-name entry. Its entries by name among
// all clients carry its display name and number, so a page of names and
// numbers reads no records.
std::vector<IndexEntry> ClientIndexEntries(const IndexedClient& indexed) {
  const ClientRecord& c = indexed.record;
  const std::string& name = indexed.terms.folded_name;
  const std::string& number = indexed.terms.number_key;
  std::vector<IndexEntry> entries;
  if (!indexed.terms.duplicate_key.empty()) {
    entries.emplace_back(
        KeyBuilder::Extend(DuplicateKeyPrefix(c.firm_id(), indexed.terms.duplicate_key))
            .Uint64(c.company_id())
            .Release(),
        "");
  }
  ClientNameEntry covered;
  covered.set_display_name(c.display_name());
  covered.set_client_number(c.client_number());
  const std::string covered_value = covered.SerializeAsString();
  std::vector<char> scopes = {kScopeAll};
  if (indexed.terms.active) scopes.push_back(kScopeActive);
  for (char scope : scopes) {
    for (const std::string& facet : indexed.terms.facets) {
      entries.emplace_back(TermKey(kNameIndex, c, scope, facet, name),
                           facet == kAllClientsFacet ? covered_value : "");
      entries.emplace_back(KeyBuilder(kNumberIndex)
                               .Uint64(c.firm_id())
                               .Byte(scope)
                               .String(facet)
                               .Byte(number.empty() ? kNoNumber : kHasNumber)
                               .String(number)
                               .Uint64(c.company_id())
                               .Release(),
                           "");
    }
    for (auto [table, words] : {std::pair{kWordIndex, &indexed.terms.words},
                                std::pair{kSuffixIndex, &indexed.terms.word_suffixes}}) {
      // The suffix index, the largest, among all clients only.
      if (table == kSuffixIndex && scope != kScopeAll) continue;
      for (const std::string& word : *words) {
        entries.emplace_back(TermKey(table, c, scope, word, name), "");
      }
    }
  }
  return entries;
}

}  // namespace

absl::StatusOr<std::optional<ClientRecord>> RocksClientStore::GetClient(
    uint64_t firm_id, uint64_t company_id) const {
  return storage::ReadRecord<ClientRecord>(db_, ClientKey(firm_id, company_id));
}

absl::StatusOr<std::vector<std::optional<ClientRecord>>> RocksClientStore::FindClients(
    uint64_t firm_id, const std::vector<uint64_t>& company_ids) const {
  return storage::ReadRecordsAt<ClientRecord>(db_, ClientKeys(firm_id, company_ids));
}

absl::StatusOr<std::vector<ClientRecord>> RocksClientStore::GetClients(
    uint64_t firm_id, const std::vector<uint64_t>& company_ids) const {
  return storage::ReadRecords<ClientRecord>(db_, ClientKeys(firm_id, company_ids));
}

absl::StatusOr<std::optional<uint64_t>> RocksClientStore::FindClientByNumberKey(
    uint64_t firm_id, absl::string_view number_key) const {
  absl::StatusOr<std::optional<std::string>> bytes =
      db_.Get(NumberOwnerKey(firm_id, number_key));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::nullopt;
  return storage::DecodeUint64(**bytes);
}

absl::StatusOr<std::vector<std::optional<uint64_t>>>
RocksClientStore::FindClientsByNumberKeys(
    uint64_t firm_id, const std::vector<std::string>& number_keys) const {
  std::vector<std::string> keys;
  keys.reserve(number_keys.size());
  for (const std::string& number_key : number_keys) {
    keys.push_back(NumberOwnerKey(firm_id, number_key));
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> found = db_.MultiGet(keys);
  if (!found.ok()) return found.status();
  std::vector<std::optional<uint64_t>> holders;
  holders.reserve(found->size());
  for (const std::optional<std::string>& bytes : *found) {
    holders.push_back(bytes.has_value() ? storage::DecodeUint64(*bytes) : std::nullopt);
  }
  return holders;
}

absl::StatusOr<StoredPage<ClientRecord>> RocksClientStore::ScanClients(
    const ClientScan& scan) const {
  auto table_of = [](ClientIndex index) {
    switch (index) {
      case ClientIndex::kByName:
        return kNameIndex;
      case ClientIndex::kByNumber:
        return kNumberIndex;
      case ClientIndex::kByWord:
        return kWordIndex;
      case ClientIndex::kBySuffix:
        return kSuffixIndex;
    }
    return kNameIndex;
  };
  const char table = table_of(scan.index);
  const bool by_word = table == kWordIndex || table == kSuffixIndex;
  // The suffix index holds every client once (no active-only copy: it is the
  // largest): a walk of it for active clients checks activity on the record.
  const bool check_active = table == kSuffixIndex && scan.active_only;
  const char scope = scan.active_only && !check_active ? kScopeActive : kScopeAll;
  KeyBuilder range(table);
  range.Uint64(scan.firm_id).Byte(scope);
  if (!by_word) range.String(scan.facet);
  if (scan.index == ClientIndex::kByNumber && !scan.prefix.empty()) {
    range.Byte(kHasNumber);
  }
  const std::string base = range.key();
  range.StringPrefix(scan.prefix);
  // Names and numbers of all clients by name come from the entries alone
  // (at most 1,200 bytes a client: a page of them always fits).
  const bool covered = scan.names_and_numbers_only && table == kNameIndex &&
                       scan.facet == kAllClientsFacet && !scan.record_filter;
  std::vector<ClientRecord> covered_clients;
  // Otherwise the records, a page of at most storage::kMaxPageBytes: a
  // client may hold 50 products of 100 characters, and 1,000 such came to
  // 21 MB, a page refused at every try.
  MatchCollector<ClientRecord>::Filter filter;
  if (scan.record_filter || check_active) {
    filter = [&scan, check_active](const ClientRecord& c, absl::string_view) {
      return (!check_active || c.status() == v1::ClientStatus::ACTIVE) &&
             (!scan.record_filter || scan.record_filter(c));
    };
  }
  MatchCollector<ClientRecord> matches(
      db_, [&scan](uint64_t id) { return ClientKey(scan.firm_id, id); },
      std::move(filter), storage::kMaxPageBytes);
  auto visit = [&](absl::string_view key,
                   absl::string_view value) -> absl::StatusOr<bool> {
    if (by_word && scan.word_filter) {
      KeyReader reader(key);
      reader.Table();
      reader.Uint64();
      reader.Byte();
      std::optional<std::string> word = reader.String();
      std::optional<std::string> name = reader.String();
      if (!word || !name) return absl::DataLossError("bad word index key");
      if (!scan.word_filter(*word, *name)) return false;
    }
    if (!covered) return matches.Visit(key);
    std::optional<uint64_t> id = storage::TrailingUint64(key);
    if (!id) return absl::DataLossError("bad client index key");
    absl::StatusOr<ClientNameEntry> entry = storage::DecodeRecord<ClientNameEntry>(value);
    if (!entry.ok()) return entry.status();
    ClientRecord& client = covered_clients.emplace_back();
    client.set_firm_id(scan.firm_id);
    client.set_company_id(*id);
    client.set_display_name(std::move(*entry->mutable_display_name()));
    client.set_client_number(std::move(*entry->mutable_client_number()));
    return true;
  };
  std::vector<JoinWord> joins;
  for (const QueryWord& word : scan.join_words) {
    const char join_table = table_of(word.index);
    joins.push_back({KeyBuilder(join_table)
                         .Uint64(scan.firm_id)
                         .Byte(join_table == kSuffixIndex ? kScopeAll : scope)
                         .Release(),
                     word.text});
  }
  absl::StatusOr<std::string> next =
      by_word && !joins.empty()
          ? JoinWordIndex(db_, base, scan.prefix, joins, scan.cursor, scan.limit,
                          scan.max_examined,
                          [&](absl::string_view key) { return visit(key, ""); })
          : db_.ScanMatches(range.Release(), scan.cursor, scan.limit, scan.max_examined,
                            visit);
  if (!next.ok()) return next.status();
  if (!covered) return std::move(matches).Page(*std::move(next), scan.limit);
  if (covered_clients.size() > scan.limit) covered_clients.resize(scan.limit);
  return StoredPage<ClientRecord>{std::move(covered_clients), *std::move(next)};
}

absl::StatusOr<std::vector<uint64_t>> RocksClientStore::FindClientsByDuplicateKey(
    uint64_t firm_id, absl::string_view duplicate_key, size_t limit) const {
  absl::StatusOr<storage::Database::RawPage> raw =
      db_.ScanPage(DuplicateKeyPrefix(firm_id, duplicate_key), "", limit);
  if (!raw.ok()) return raw.status();
  std::vector<uint64_t> ids;
  for (const auto& [key, value] : raw->entries) {
    std::optional<uint64_t> id = storage::TrailingUint64(key);
    if (!id.has_value()) return absl::DataLossError("bad duplicate index key");
    ids.push_back(*id);
  }
  return ids;
}

// Walks the firm's duplicate-name entries, one name (key prefix) at a time;
// the cursor is the prefix of the last name done, so pages end between names.
absl::StatusOr<StoredPage<DuplicateGroup>> RocksClientStore::ListDuplicateGroups(
    uint64_t firm_id, absl::string_view cursor, size_t limit, size_t max_examined) const {
  const std::string firm_prefix = KeyBuilder(kDuplicateIndex).Uint64(firm_id).Release();
  if (!cursor.empty() && !absl::StartsWith(cursor, firm_prefix)) {
    return absl::InvalidArgumentError("page_token: not a page of this firm");
  }
  const std::string end = storage::PrefixSuccessor(firm_prefix);
  std::unique_ptr<rocksdb::Iterator> it = db_.NewIterator(nullptr);
  it->Seek(cursor.empty() ? firm_prefix : storage::PrefixSuccessor(cursor));
  StoredPage<DuplicateGroup> page;
  std::string name;  // the key prefix of the name being read
  std::vector<uint64_t> group;
  auto add_group = [&] {
    if (group.size() >= 2) page.items.push_back({std::move(group), name});
    group.clear();
  };
  size_t examined = 0;
  while (it->Valid() && it->key().compare(end) < 0) {
    const absl::string_view key(it->key().data(), it->key().size());
    std::optional<uint64_t> id = storage::TrailingUint64(key);
    if (!id.has_value()) return absl::DataLossError("bad duplicate index key");
    const absl::string_view prefix = key.substr(0, key.size() - 8);
    if (prefix != name) {
      add_group();
      if (!name.empty() && (page.items.size() >= limit || examined >= max_examined)) {
        page.cursor = std::move(name);
        return page;
      }
      name = std::string(prefix);
    }
    ++examined;
    group.push_back(*id);
    // The rest of a full group is not shown: skip it, however many clients
    // share the name (50,000 of one name were read whole by every page).
    if (group.size() == kMaxClientsPerDuplicateGroup) {
      it->Seek(storage::PrefixSuccessor(name));
    } else {
      it->Next();
    }
  }
  if (!it->status().ok()) return storage::ToAbslStatus(it->status());
  add_group();
  return page;
}

absl::StatusOr<Reindexed> RocksClientStore::ReindexIfOutdated(
    const std::function<ClientIndexTerms(const ClientRecord&)>& terms_of) {
  Reindexed reindexed;
  // Owners in the batch, not yet readable from the database.
  absl::flat_hash_map<std::string, uint64_t> owners_unwritten;
  auto own_number = [&](const ClientRecord& client, absl::string_view number_key,
                        rocksdb::WriteBatch& batch) -> absl::Status {
    std::string key = NumberOwnerKey(client.firm_id(), number_key);
    std::optional<uint64_t> holder;
    if (auto held = owners_unwritten.find(key); held != owners_unwritten.end()) {
      holder = held->second;
    } else {
      absl::StatusOr<std::optional<std::string>> stored = db_.Get(key);
      if (!stored.ok()) return stored.status();
      if (stored->has_value()) holder = storage::DecodeUint64(**stored);
    }
    if (holder.has_value()) {
      if (++reindexed.shared_numbers <= kSharedNumberExamples) {
        reindexed.shared_number_examples.push_back(absl::StrCat(
            "'", client.client_number(), "' of ",
            names::ClientName{client.firm_id(), *holder}.ToString(), " and ",
            names::ClientName{client.firm_id(), client.company_id()}.ToString()));
      }
      return absl::OkStatus();
    }
    batch.Put(key, storage::EncodeUint64(client.company_id()));
    owners_unwritten.emplace(std::move(key), client.company_id());
    return absl::OkStatus();
  };
  // Every listing entry and number owner is dropped, then written anew.
  CB_ASSIGN_OR_RETURN(
      reindexed.clients,
      RebuildIfOutdated<ClientRecord>(
          db_,
          {.layout_key = IndexLayoutKey(),
           .layout = kIndexLayout,
           .index_tables = {kNameIndex, kNumberIndex, kWordIndex, kSuffixIndex,
                            kDuplicateIndex, tables::kNumberOwner},
           .record_table = kClient},
          [&](const ClientRecord& client,
              rocksdb::WriteBatch& batch) -> absl::StatusOr<bool> {
            ClientIndexTerms terms = terms_of(client);
            if (!terms.number_key.empty()) {
              CB_RETURN_IF_ERROR(own_number(client, terms.number_key, batch));
            }
            for (const auto& [key, value] :
                 ClientIndexEntries({client, std::move(terms)})) {
              batch.Put(key, value);
            }
            return true;
          },
          [&] { owners_unwritten.clear(); }));
  return reindexed;
}

absl::StatusOr<std::optional<MergedClientRecord>> RocksClientStore::GetMergedClient(
    uint64_t firm_id, uint64_t company_id) const {
  return storage::ReadRecord<MergedClientRecord>(db_,
                                                 MergedClientKey(firm_id, company_id));
}

void RocksClientWrites::PutClient(const IndexedClient* before,
                                  const IndexedClient& after) {
  const ClientRecord& c = after.record;
  write_.PutDiff(
      before == nullptr ? std::vector<IndexEntry>() : ClientIndexEntries(*before),
      ClientIndexEntries(after));
  const std::string old_number = before == nullptr ? "" : before->terms.number_key;
  if (old_number != after.terms.number_key) {
    if (!old_number.empty()) {
      write_.DeleteIfHolds(NumberOwnerKey(c.firm_id(), old_number),
                           storage::EncodeUint64(c.company_id()));
    }
    if (!after.terms.number_key.empty()) {
      write_.Put(NumberOwnerKey(c.firm_id(), after.terms.number_key),
                 storage::EncodeUint64(c.company_id()));
    }
  }
  write_.Put(ClientKey(c.firm_id(), c.company_id()), c.SerializeAsString());
  write_.Record(change_records::Client(before == nullptr ? nullptr : &before->record,
                                       &after.record));
}

void RocksClientWrites::DeleteClient(const IndexedClient& stored) {
  for (auto& [key, value] : ClientIndexEntries(stored)) write_.Delete(std::move(key));
  if (!stored.terms.number_key.empty()) {
    write_.DeleteIfHolds(NumberOwnerKey(stored.record.firm_id(), stored.terms.number_key),
                         storage::EncodeUint64(stored.record.company_id()));
  }
  write_.Delete(ClientKey(stored.record.firm_id(), stored.record.company_id()));
  write_.Record(change_records::Client(&stored.record, nullptr));
}

void RocksClientWrites::PutMergedClient(uint64_t firm_id, uint64_t company_id,
                                        const MergedClientRecord& merged) {
  write_.Put(MergedClientKey(firm_id, company_id), merged.SerializeAsString());
  const std::string name = names::ClientName{firm_id, company_id}.ToString();
  for (changes::ChangeRecord& record : write_.records()) {
    if (record.name() == name && record.type() == change_records::kDeleted) {
      record.set_type(change_records::kMerged);
      record.set_merged_into(
          names::ClientName{firm_id, merged.target_company_id()}.ToString());
    }
  }
}

}  // namespace clientbook::directory
