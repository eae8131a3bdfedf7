#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_DIRECTORY_STORE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_DIRECTORY_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/paging.h"
#include "services/directory/domain/records.pb.h"

namespace clientbook::directory {

// What a client is found by, as the domain's rules fold it (rules.h); the
// store keeps these as index keys without knowing how they were made.
struct ClientIndexTerms {
  std::string folded_name;         // for listing by name
  std::vector<std::string> words;  // of the folded name, for search
  std::string number_key;          // "" without a number
  bool active = true;              // also in the active-only indexes
  // The name and number indexes are kept once per facet: kAllClientsFacet,
  // and one per filter value the client has (its lead accountant, its type).
  std::vector<std::string> facets;
};

// The facet every client is in.
inline constexpr char kAllClientsFacet[] = "";

// A client record with its index terms.
struct IndexedClient {
  const ClientRecord& record;
  ClientIndexTerms terms;
};

// A set of changes that commits itself atomically.
class DirectoryWrite {
 public:
  virtual ~DirectoryWrite() = default;

  virtual void PutFirm(const FirmRecord& firm) = 0;
  // Also records the firm under the member's user, for ListMyFirms.
  virtual void PutMember(const MemberRecord& member) = 0;
  // `before` is the stored client (null when new); the indexes follow.
  virtual void PutClient(const IndexedClient* before, const IndexedClient& after) = 0;
  virtual void DeleteClient(const IndexedClient& stored) = 0;
  virtual void PutListView(uint64_t firm_id, absl::string_view user_id,
                           const ListViewRecord& view) = 0;
  // Indexed under the invitee's email key (EmailKey()) and its inviter.
  virtual void PutInvitation(const InvitationRecord& invitation,
                             absl::string_view invitee_email_key) = 0;
  // Remembers what `request_id` of `caller` did in `scope`.
  virtual void PutRequest(uint64_t scope, absl::string_view caller,
                          absl::string_view request_id, const RequestRecord& done) = 0;

  // Every change or none.
  virtual absl::Status Commit() = 0;
};

// Client indexes a listing can walk.
enum class ClientIndex {
  kByName,    // folded display name
  kByNumber,  // folded client number; clients without a number come last
  kByWord,    // every word of the folded display name
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
  // kByWord: given the indexed word and the whole folded name, whether this
  // entry is the one to report (skips repeats and non-matches).
  using WordFilter =
      std::function<bool(absl::string_view word, absl::string_view folded_name)>;
  WordFilter word_filter;
  // kByWord: the other query words, which a match's name must also have a
  // word starting with; the walk intersects their index ranges with its own
  // instead of examining every entry of `prefix` (word_filter still checks).
  std::vector<std::string> join_words;
  // Applied to each candidate client record; unset when the walked index
  // selects exactly the wanted clients (the store may then read the page's
  // records in one batch).
  std::function<bool(const ClientRecord&)> record_filter;
};

using storage::StoredPage;

// The directory's persistence. Reads see committed data; check-then-write
// sequences are serialized by the caller (Directory's locks).
class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;

  // A new id for a firm, client (company id) or invitation: unique forever,
  // also across restarts.
  virtual absl::StatusOr<uint64_t> AllocateId() = 0;
  virtual std::unique_ptr<DirectoryWrite> NewWrite() = 0;

  virtual absl::StatusOr<std::optional<FirmRecord>> GetFirm(uint64_t firm_id) const = 0;
  virtual absl::StatusOr<std::optional<MemberRecord>> GetMember(
      uint64_t firm_id, absl::string_view user_id) const = 0;
  virtual absl::StatusOr<StoredPage<MemberRecord>> ListMembers(uint64_t firm_id,
                                                               absl::string_view cursor,
                                                               size_t limit) const = 0;
  virtual absl::StatusOr<StoredPage<uint64_t>> ListFirmIdsOfUser(
      absl::string_view user_id, absl::string_view cursor, size_t limit) const = 0;

  virtual absl::StatusOr<std::optional<ClientRecord>> GetClient(
      uint64_t firm_id, uint64_t company_id) const = 0;
  // The client holding a number, by its key (ClientIndexTerms::number_key).
  virtual absl::StatusOr<std::optional<uint64_t>> FindClientByNumberKey(
      uint64_t firm_id, absl::string_view number_key) const = 0;
  virtual absl::StatusOr<StoredPage<ClientRecord>> ScanClients(
      const ClientScan& scan) const = 0;

  virtual absl::StatusOr<std::optional<ListViewRecord>> GetListView(
      uint64_t firm_id, absl::string_view user_id) const = 0;

  virtual absl::StatusOr<std::optional<InvitationRecord>> GetInvitationByToken(
      absl::string_view token) const = 0;
  // Invitations to an invitee email (by EmailKey()) or from an inviter.
  virtual absl::StatusOr<StoredPage<InvitationRecord>> ListInvitationsToEmail(
      absl::string_view email_key, absl::string_view cursor, size_t limit) const = 0;
  virtual absl::StatusOr<StoredPage<InvitationRecord>> ListInvitationsFromUser(
      absl::string_view user_id, absl::string_view cursor, size_t limit) const = 0;

  virtual absl::StatusOr<std::optional<RequestRecord>> FindRequest(
      uint64_t scope, absl::string_view caller, absl::string_view request_id) const = 0;

  // Rewrites every client's index entries from `terms_of` when they were
  // written in an older layout (a database from before an upgrade); a no-op
  // otherwise. Returns how many clients were reindexed.
  virtual absl::StatusOr<size_t> ReindexIfOutdated(
      const std::function<ClientIndexTerms(const ClientRecord&)>& terms_of) = 0;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_DIRECTORY_STORE_H_
