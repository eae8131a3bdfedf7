#include "common/changes/change_filter.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "clientbook/v1/changes.pb.h"
#include "common/changes/change_origin.h"
#include "common/status/errors.h"

namespace clientbook::changes {
namespace {

constexpr char kSyntax[] =
    "use terms joined by AND: resource_type = \"clientbook.v1.Client\", name = "
    "\"firms/1/clients/2\" or \"firms/1/clients/*\", type = DELETED";

// A term's value without its quotes; "" when it is not a value.
std::string ValueOf(absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
    if (absl::StrContains(value, '"')) return "";
  } else if (absl::StrContains(value, ' ') || absl::StrContains(value, '"')) {
    return "";
  }
  return std::string(value);
}

bool IsChangeType(absl::string_view type) {
  return v1::ChangeEvent::Type_descriptor()->FindValueByName(std::string(type)) !=
         nullptr;
}

constexpr char kAuditSyntax[] =
    "use terms joined by AND: actor = \"bruno\", method = \"UpdateClient\", field = "
    "\"client_number\", type = DELETED, commit_time >= \"2026-11-01T00:00:00Z\" (also "
    ">, <, <=)";

absl::Status CheckLength(absl::string_view field, absl::string_view filter) {
  if (filter.size() <= kMaxFilterBytes) return absl::OkStatus();
  return errors::InvalidField(
      field, absl::StrCat("must be at most ", kMaxFilterBytes, " bytes, not ",
                          filter.size(), " (a term for each field is far less)"));
}

}  // namespace

absl::StatusOr<AuditFilter> AuditFilter::Parse(absl::string_view field,
                                               absl::string_view filter) {
  if (absl::Status s = CheckLength(field, filter); !s.ok()) return s;
  AuditFilter parsed;
  if (absl::StripAsciiWhitespace(filter).empty()) return parsed;
  for (absl::string_view term : absl::StrSplit(filter, " AND ")) {
    auto bad = [&](absl::string_view why) {
      return errors::InvalidField(field, absl::StrCat("cannot read '", term, "': ", why));
    };
    // The operator: the first of these the term holds (">=" before ">").
    size_t at = absl::string_view::npos;
    absl::string_view op;
    for (absl::string_view candidate : {">=", "<=", "=", ">", "<"}) {
      const size_t found = term.find(candidate);
      if (found != absl::string_view::npos && found < at) {
        at = found;
        op = candidate;
      }
    }
    if (at == absl::string_view::npos) return bad(kAuditSyntax);
    const absl::string_view key = absl::StripAsciiWhitespace(term.substr(0, at));
    const std::string value = ValueOf(term.substr(at + op.size()));
    if (value.empty()) return bad(kAuditSyntax);
    if (key == "commit_time") {
      absl::Time time;
      std::string error;
      if (!absl::ParseTime(absl::RFC3339_full, value, &time, &error)) {
        return bad("commit_time takes an RFC 3339 time such as \"2026-11-01T00:00:00Z\"");
      }
      if (op == ">=") parsed.since = std::max(parsed.since, time);
      if (op == ">") parsed.since = std::max(parsed.since, time + absl::Microseconds(1));
      if (op == "<") parsed.until = std::min(parsed.until, time);
      if (op == "<=") parsed.until = std::min(parsed.until, time + absl::Microseconds(1));
      if (op == "=") return bad("compare commit_time with >=, >, < or <=");
      continue;
    }
    std::string* slot = key == "actor"    ? &parsed.actor
                        : key == "method" ? &parsed.method
                        : key == "field"  ? &parsed.field
                        : key == "type"   ? &parsed.type
                                          : nullptr;
    if (slot == nullptr) {
      return errors::InvalidField(
          field, absl::StrCat("cannot filter on '", key, "': ", kAuditSyntax));
    }
    if (op != "=") return bad(absl::StrCat("'", key, "' is compared with = only"));
    if (!slot->empty()) {
      return errors::InvalidField(field, absl::StrCat("'", key, "' is given twice"));
    }
    *slot = value;
  }
  if (!parsed.type.empty() && !IsChangeType(parsed.type)) {
    return errors::InvalidField(field,
                                absl::StrCat("'", parsed.type, "' is not a change type"));
  }
  return parsed;
}

bool AuditFilter::Matches(const ChangeRecord& record) const {
  const absl::Time time = absl::FromUnixMicros(record.commit_time_us());
  if (time < since || time >= until) return false;
  if (!actor.empty() && record.actor() != actor) return false;
  if (!type.empty() && record.type() != type) return false;
  if (!method.empty() && record.method() != method &&
      !absl::EndsWith(record.method(), absl::StrCat("/", method))) {
    return false;
  }
  return true;
}

absl::StatusOr<ChangeFilter> ChangeFilter::Parse(absl::string_view field,
                                                 absl::string_view filter) {
  if (absl::Status s = CheckLength(field, filter); !s.ok()) return s;
  ChangeFilter parsed;
  if (absl::StripAsciiWhitespace(filter).empty()) return parsed;
  for (absl::string_view term : absl::StrSplit(filter, " AND ")) {
    std::vector<absl::string_view> sides = absl::StrSplit(term, absl::MaxSplits('=', 1));
    const std::string value = sides.size() == 2 ? ValueOf(sides[1]) : "";
    if (value.empty()) {
      return errors::InvalidField(field,
                                  absl::StrCat("cannot read '", term, "': ", kSyntax));
    }
    const absl::string_view key = absl::StripAsciiWhitespace(sides[0]);
    std::string* slot = key == "resource_type" ? &parsed.resource_type
                        : key == "name"        ? &parsed.name
                        : key == "type"        ? &parsed.type
                                               : nullptr;
    if (slot == nullptr) {
      return errors::InvalidField(
          field, absl::StrCat("cannot filter on '", key, "': ", kSyntax));
    }
    if (!slot->empty()) {
      return errors::InvalidField(field, absl::StrCat("'", key, "' is given twice"));
    }
    *slot = value;
  }
  if (!parsed.type.empty() && !IsChangeType(parsed.type)) {
    return errors::InvalidField(field,
                                absl::StrCat("'", parsed.type, "' is not a change type"));
  }
  // Such a filter would match nothing, ever: a watch would wait for good.
  if (IsReadType(parsed.type)) {
    return errors::InvalidField(
        field, absl::StrCat("'", parsed.type,
                            "' is a read, kept in the audit (ListAuditEntries), never in "
                            "the feed"));
  }
  if (absl::EndsWith(parsed.name, "*")) {
    parsed.name.pop_back();
    parsed.name_is_prefix = true;
  }
  return parsed;
}

bool ChangeFilter::Matches(const ChangeRecord& record) const {
  if (!resource_type.empty() && record.resource_type() != resource_type) return false;
  if (!type.empty() && record.type() != type) return false;
  if (name_is_prefix) return absl::StartsWith(record.name(), name);
  return name.empty() || record.name() == name;
}

}  // namespace clientbook::changes
