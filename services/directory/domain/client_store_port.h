#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_STORE_PORT_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_STORE_PORT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/directory/domain/model.h"

namespace clientbook::directory {

using storage::StoredPage;

// What a client is found by, as the domain's rules fold it (rules.h); the
// store keeps these as index keys without knowing how they were made.
struct ClientIndexTerms {
  std::string folded_name;         // for listing by name
  std::vector<std::string> words;  // of the folded name, for search
  // Its words and their longer suffixes (WordSuffixes), for search inside
  // words: a query word found in a word of the name starts one.
  std::vector<std::string> word_suffixes;
  std::string duplicate_key;       // DuplicateNameKey(), for duplicates
  std::string number_key;          // "" without a number
  bool active = true;              // also in the active-only indexes
  // The name and number indexes are kept once per facet: kAllClientsFacet,
  // and one per filter value the client has (its lead accountant, its type).
  std::vector<std::string> facets;
};

// What a rebuild of the indexes did.
struct Reindexed {
  size_t clients = 0;
  size_t notes = 0;  // whose indexes were rebuilt (NoteStore)
  // Numbers that more than one client of a firm held, written when their
  // keys still differed (an older folding): the first client created keeps
  // the number, the others keep theirs as written until it is changed.
  size_t shared_numbers = 0;
  std::vector<std::string> shared_number_examples;  // the first 10, named
};

// The facet every client is in.
inline constexpr char kAllClientsFacet[] = "";

// A client record with its index terms.
struct IndexedClient {
  const ClientRecord& record;
  ClientIndexTerms terms;
};

// Client indexes a listing can walk.
enum class ClientIndex {
  kByName,    // folded display name
  kByNumber,  // folded client number; clients without a number come last
  kByWord,    // every word of the folded display name
  kBySuffix,  // every word and its suffixes of 3 characters or more
};

// A query word and the index its matches are found in (kByWord: at the start
// of a word, kBySuffix: anywhere inside one).
struct QueryWord {
  std::string text;
  ClientIndex index = ClientIndex::kByWord;
};

// One page of an index walk over a firm's clients.
struct ClientScan {
  uint64_t firm_id = 0;
  ClientIndex index = ClientIndex::kByName;
  // Walk only active clients' entries, or everyone's.
  bool active_only = true;
  // kByName, kByNumber: walk only the clients in this facet.
  std::string facet = kAllClientsFacet;
  // Folded text the indexed value must start with ("" for all).
  std::string prefix;
  // Key to resume after (from a previous page's cursor), "" to start.
  std::string cursor;
  size_t limit = 50;
  size_t max_examined = 20000;
  // kByWord, kBySuffix: given the indexed word (or suffix) and the whole
  // folded name, whether this entry is the one to report (skips repeats and
  // non-matches).
  using WordFilter =
      std::function<bool(absl::string_view word, absl::string_view folded_name)>;
  WordFilter word_filter;
  // kByWord, kBySuffix: the other query words, which a match's name must
  // also have; the walk intersects their index ranges with its own instead
  // of examining every entry of `prefix` (word_filter still checks).
  std::vector<QueryWord> join_words;
  // Applied to each candidate client record; unset when the walked index
  // selects exactly the wanted clients (the store may then read the page's
  // records in one batch).
  std::function<bool(const ClientRecord&)> record_filter;
  // The caller needs only each client's firm, id, display name and client
  // number: the store may fill in just those, from the index it walks.
  bool names_and_numbers_only = false;
};

// A group of clients sharing a duplicate key (ListDuplicateGroups), and the
// cursor of a page that ends with it.
struct DuplicateGroup {
  std::vector<uint64_t> company_ids;
  std::string cursor;
};

// A firm's clients, their indexes, and the clients merged away.
class ClientStore {
 public:
  virtual ~ClientStore() = default;

  virtual absl::StatusOr<std::optional<ClientRecord>> GetClient(
      uint64_t firm_id, uint64_t company_id) const = 0;
  // The clients of `company_ids`, read together: one entry an id, in their
  // order, nullopt for an id with no client.
  virtual absl::StatusOr<std::vector<std::optional<ClientRecord>>> FindClients(
      uint64_t firm_id, const std::vector<uint64_t>& company_ids) const = 0;
  // The same, with the ids that have no client left out.
  virtual absl::StatusOr<std::vector<ClientRecord>> GetClients(
      uint64_t firm_id, const std::vector<uint64_t>& company_ids) const = 0;
  // The client holding a number, by its key (ClientIndexTerms::number_key).
  virtual absl::StatusOr<std::optional<uint64_t>> FindClientByNumberKey(
      uint64_t firm_id, absl::string_view number_key) const = 0;
  // The holders of `number_keys`, read together: one entry a key, in their
  // order, nullopt for a number no client holds.
  virtual absl::StatusOr<std::vector<std::optional<uint64_t>>> FindClientsByNumberKeys(
      uint64_t firm_id, const std::vector<std::string>& number_keys) const = 0;
  virtual absl::StatusOr<StoredPage<ClientRecord>> ScanClients(
      const ClientScan& scan) const = 0;
  // Up to `limit` company ids of clients indexed under `duplicate_key`.
  virtual absl::StatusOr<std::vector<uint64_t>> FindClientsByDuplicateKey(
      uint64_t firm_id, absl::string_view duplicate_key, size_t limit) const = 0;
  // Groups of two or more company ids sharing a duplicate key, in key order:
  // at most `limit` groups, after examining at most `max_examined` entries.
  virtual absl::StatusOr<StoredPage<DuplicateGroup>> ListDuplicateGroups(
      uint64_t firm_id, absl::string_view cursor, size_t limit,
      size_t max_examined) const = 0;
  // Where a client merged into another went (nullopt: never merged).
  virtual absl::StatusOr<std::optional<MergedClientRecord>> GetMergedClient(
      uint64_t firm_id, uint64_t company_id) const = 0;

  // Rewrites every client's index entries and number owners from `terms_of`
  // when they were written in an older layout (a database from before an
  // upgrade); a no-op otherwise (nothing reindexed).
  virtual absl::StatusOr<Reindexed> ReindexIfOutdated(
      const std::function<ClientIndexTerms(const ClientRecord&)>& terms_of) = 0;
};

// A write's changes to clients.
class ClientWrites {
 public:
  virtual ~ClientWrites() = default;

  // `before` is the stored client (null when new); the indexes follow.
  virtual void PutClient(const IndexedClient* before, const IndexedClient& after) = 0;
  virtual void DeleteClient(const IndexedClient& stored) = 0;
  // The company id of a client merged away, and where it went.
  virtual void PutMergedClient(uint64_t firm_id, uint64_t company_id,
                               const MergedClientRecord& merged) = 0;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_CLIENT_STORE_PORT_H_
