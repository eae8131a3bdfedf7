// ListClients (search, filters, order and pages, each page one index walk
// whose cost does not grow with the size of the firm) and list views.
#include "services/directory/domain/client_listing.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/paging/paging.h"
#include "common/requests/request_id.h"
#include "common/rules/ids.h"
#include "common/status/errors.h"
#include "common/text/text.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {
namespace {

bool AnyMatches(const std::vector<std::string>& words, absl::string_view query_word) {
  return std::any_of(words.begin(), words.end(),
                     [&](const std::string& w) { return WordMatches(w, query_word); });
}

// Name search walks the query's longest word in the word index (a short
// word) or the suffix index (3 characters or more), and the store intersects
// that walk with the other words' ranges (join_words). A name matches when
// every query word matches some word of the name (WordMatches); a name is
// reported once, at the smallest of its indexed words or suffixes by which
// the walked word matches it.
ClientScan::WordFilter NameMatcher(std::vector<std::string> query_words,
                                   std::string walked) {
  const bool inside = MatchesInsideWords(walked);
  return [query_words = std::move(query_words), walked = std::move(walked), inside](
             absl::string_view suffix, absl::string_view folded_name) {
    const std::vector<std::string> name_words = text::Words(folded_name);
    bool matched_here = false;
    for (absl::string_view word : name_words) {
      for (size_t at = word.find(walked); at != absl::string_view::npos;
           at = word.find(walked, at + 1)) {
        if (!inside && at != 0) break;
        const absl::string_view by = word.substr(at);
        if (by < suffix) return false;
        matched_here |= by == suffix;
      }
    }
    if (!matched_here) return false;
    for (const std::string& q : query_words) {
      if (!AnyMatches(name_words, q)) return false;
    }
    return true;
  };
}

absl::Status ValidateQuery(const ClientListQuery& q) {
  std::vector<std::optional<errors::FieldViolation>> checks;
  for (auto [field, value] : {std::pair{"name_query", &q.name_query},
                              std::pair{"client_number_query", &q.client_number_query}}) {
    if (!text::IsValidUtf8(*value) ||
        text::CharacterCount(*value) > kMaxSearchCharacters) {
      checks.push_back(errors::FieldViolation{
          field, absl::StrCat("must be UTF-8 of at most ", kMaxSearchCharacters,
                              " characters")});
    }
  }
  if (!q.name_query.empty() && !q.client_number_query.empty()) {
    checks.push_back(errors::FieldViolation{"client_number_query",
                                            "search by name or by number, not both"});
  }
  if (!v1::ClientType_IsValid(q.client_type)) {
    checks.push_back(errors::FieldViolation{"client_type", "unknown client type"});
  }
  if (!v1::ClientStatus_IsValid(q.status)) {
    checks.push_back(errors::FieldViolation{"status", "unknown status"});
  }
  checks.push_back(rules::CheckId("lead_accountant", q.lead_accountant, false));
  if (!q.order_by.empty() && q.order_by != "display_name" &&
      q.order_by != "client_number") {
    checks.push_back(errors::FieldViolation{
        "order_by", "must be \"display_name\" or \"client_number\""});
  } else if ((!q.name_query.empty() && q.order_by == "client_number") ||
             (!q.client_number_query.empty() && q.order_by == "display_name")) {
    checks.push_back(errors::FieldViolation{
        "order_by", "search results come in the order of what was searched"});
  }
  return AllValid(std::move(checks));
}

// Everything that selects the results, for binding page tokens to a query.
std::string Fingerprint(const ClientListQuery& q) {
  return absl::StrJoin(
      {absl::StrCat("clients|", q.firm_id), q.name_query, q.client_number_query,
       absl::StrCat(q.client_type), q.lead_accountant, absl::StrCat(q.status),
       std::string(q.show_inactive ? "1" : "0"), q.order_by},
      "|");
}

// A member's list view is theirs alone.
absl::Status NotListViewOwner(const names::ClientListViewName& view,
                              absl::string_view message) {
  return errors::WithReason(absl::StatusCode::kPermissionDenied, "NOT_LIST_VIEW_OWNER",
                            message, {{"list_view", view.ToString()}});
}

}  // namespace

absl::StatusOr<Page<ClientRecord>> ClientListing::ListClients(
    const auth::Caller& caller, const ClientListQuery& query) {
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, query.firm_id);
      !m.ok()) {
    return m.status();
  }
  if (absl::Status s = ValidateQuery(query); !s.ok()) return s;
  absl::StatusOr<storage::ListPage> list =
      storage::OpenPage(Fingerprint(query), query.page);
  if (!list.ok()) return list.status();

  ClientScan scan;
  scan.firm_id = query.firm_id;
  scan.cursor = list->cursor;
  scan.limit = list->size;
  scan.max_examined = kMaxEntriesExaminedPerPage;
  scan.names_and_numbers_only = query.names_and_numbers_only;
  scan.active_only =
      query.status == v1::ClientStatus::ACTIVE ||
      (query.status == v1::CLIENT_STATUS_UNSPECIFIED && !query.show_inactive);

  const std::string number_prefix = ClientNumberKey(query.client_number_query);
  std::vector<std::string> words = text::Words(text::FoldForSearch(query.name_query));
  if (!number_prefix.empty()) {
    scan.index = ClientIndex::kByNumber;
    scan.prefix = number_prefix;
  } else if (!words.empty()) {
    auto index_of = [](absl::string_view word) {
      return MatchesInsideWords(word) ? ClientIndex::kBySuffix : ClientIndex::kByWord;
    };
    scan.prefix = *std::max_element(
        words.begin(), words.end(),
        [](const auto& a, const auto& b) { return a.size() < b.size(); });
    scan.index = index_of(scan.prefix);
    for (const std::string& word : words) {
      if (word != scan.prefix) scan.join_words.push_back({word, index_of(word)});
    }
    scan.word_filter = NameMatcher(std::move(words), scan.prefix);
  } else {
    scan.index =
        query.order_by == "client_number" ? ClientIndex::kByNumber : ClientIndex::kByName;
  }
  // A lead accountant is usually the narrower filter; either walks only the
  // clients it selects. (A name search walks its word; filters are checked.)
  if (scan.index != ClientIndex::kByWord && scan.index != ClientIndex::kBySuffix) {
    if (!query.lead_accountant.empty()) {
      scan.facet = LeadAccountantFacet(query.lead_accountant);
    } else if (query.client_type != v1::CLIENT_TYPE_UNSPECIFIED) {
      scan.facet = ClientTypeFacet(query.client_type);
    }
  }
  // What the walked index does not already select is checked on the record.
  const bool check_type = query.client_type != v1::CLIENT_TYPE_UNSPECIFIED &&
                          scan.facet != ClientTypeFacet(query.client_type);
  const bool check_lead = !query.lead_accountant.empty() &&
                          scan.facet != LeadAccountantFacet(query.lead_accountant);
  const bool check_status = query.status == v1::ClientStatus::INACTIVE;
  if (check_type || check_lead || check_status) {
    scan.record_filter = [&query](const ClientRecord& c) {
      return (query.client_type == v1::CLIENT_TYPE_UNSPECIFIED ||
              c.client_type() == query.client_type) &&
             (query.lead_accountant.empty() ||
              c.lead_accountant_user_id() == query.lead_accountant) &&
             (query.status == v1::CLIENT_STATUS_UNSPECIFIED ||
              c.status() == query.status);
    };
  }

  absl::StatusOr<StoredPage<ClientRecord>> page = client_store_.ScanClients(scan);
  if (!page.ok()) return page.status();
  return Page<ClientRecord>{std::move(page->items), list->TokenFor(page->cursor)};
}

absl::StatusOr<ListViewRecord> ClientListing::GetListView(
    const auth::Caller& caller, const names::ClientListViewName& view_name) {
  const uint64_t firm_id = view_name.firm_id;
  const absl::string_view user_id = view_name.user_id;
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, firm_id); !m.ok()) {
    return m.status();
  }
  if (user_id != caller.user_id) {
    return NotListViewOwner(view_name, "members see only their own list view");
  }
  absl::StatusOr<ListViewRecord> view = core_.LoadListView(firm_id, user_id);
  if (!view.ok()) return view.status();
  if (view->columns().empty()) {
    for (absl::string_view column : kDefaultListColumns) {
      view->add_columns(std::string(column));
    }
  }
  return view;
}

absl::StatusOr<ListViewRecord> ClientListing::UpdateListView(
    const auth::Caller& caller, const names::ClientListViewName& view_name,
    const std::vector<std::string>& columns, absl::string_view etag,
    absl::string_view request_id) {
  const uint64_t firm_id = view_name.firm_id;
  const absl::string_view user_id = view_name.user_id;
  // Under the firm's lock, as the member's removal (which deletes the view):
  // a view is never saved for a member already removed, and the prior
  // columns its change records are the ones it replaced.
  auto guard = core_.LockFirm(firm_id);
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, firm_id); !m.ok()) {
    return m.status();
  }
  if (user_id != caller.user_id) {
    return NotListViewOwner(view_name, "members change only their own list view");
  }
  std::vector<errors::FieldViolation> violations;
  if (columns.empty()) {
    violations.push_back({"client_list_view.columns", "name at least one column"});
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string field = absl::StrCat("client_list_view.columns[", i, "]");
    if (std::find(kListColumns.begin(), kListColumns.end(), columns[i]) ==
        kListColumns.end()) {
      violations.push_back(
          {field, absl::StrCat("unknown column '", columns[i],
                               "'; known: ", absl::StrJoin(kListColumns, ", "))});
    } else if (!seen.insert(columns[i]).second) {
      violations.push_back({field, absl::StrCat("'", columns[i], "' is listed twice")});
    }
  }
  if (std::optional<errors::FieldViolation> v = requests::Check(request_id)) {
    violations.push_back(*v);
  }
  if (!violations.empty()) return errors::InvalidArgument(violations);
  const std::string fingerprint = requests::UpdateFingerprint(
      "UpdateClientListView", view_name.ToString(), "", columns, etag);
  // A retry is answered the view as it is now, its etag stale by then.
  return core_.Write<ListViewRecord>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [&](const RequestRecord&) { return core_.LoadListView(firm_id, user_id); },
      [&](DirectoryWrite& write, RequestRecord&) -> absl::StatusOr<ListViewRecord> {
        absl::StatusOr<ListViewRecord> stored = core_.LoadListView(firm_id, user_id);
        if (!stored.ok()) return stored.status();
        const ListViewRecord& before = *stored;
        if (absl::Status s = CheckEtagIfSent(view_name.ToString(), etag, EtagOf(before));
            !s.ok()) {
          return s;
        }
        ListViewRecord view = before;
        view.clear_columns();
        for (const std::string& column : columns) view.add_columns(column);
        if (!before.columns().empty() && ChangesNothing(before, view)) return view;
        view.set_revision(before.revision() + 1);
        write.list_views().PutListView(firm_id, user_id, view);
        return view;
      });
}

}  // namespace clientbook::directory
