// BatchUpdateClientNumbers: many clients' numbers in one atomic write, a
// verdict per entry, and a request id recorded in that same write.
#include "services/directory/domain/client_numbers.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/names/names.h"
#include "common/requests/request_id.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "services/directory/domain/names.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {
namespace {

bool IsRefused(const ClientNumberVerdict& v) {
  return v.refusal != v1::ClientNumberResult::REFUSAL_UNSPECIFIED;
}

// The clients the entries name, in their order.
std::vector<uint64_t> CompanyIdsOf(const std::vector<ClientNumberUpdate>& updates) {
  std::vector<uint64_t> ids;
  ids.reserve(updates.size());
  for (const ClientNumberUpdate& u : updates) ids.push_back(u.company_id);
  return ids;
}

bool IsConflict(NumberRefusal refusal) {
  return refusal == v1::ClientNumberResult::NUMBER_REPEATED ||
         refusal == v1::ClientNumberResult::NUMBER_TAKEN;
}

std::string BatchFingerprint(uint64_t firm_id,
                             const std::vector<ClientNumberUpdate>& updates) {
  std::string body;
  for (const ClientNumberUpdate& u : updates) {
    absl::StrAppend(&body, u.company_id, "\x1f", u.client_number, "\x1f", u.etag, "\x1e");
  }
  return requests::Fingerprint("BatchUpdateClientNumbers",
                               names::FirmName{firm_id}.ToString(), body);
}

// The error of a batch with refused entries: stale etags alone are ABORTED
// (read again and retry); otherwise every other refusal is listed.
absl::Status RefusalStatus(const std::vector<ClientNumberVerdict>& verdicts) {
  std::vector<errors::FieldViolation> violations;
  bool only_conflicts = true;
  std::vector<size_t> stale;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    const ClientNumberVerdict& v = verdicts[i];
    if (v.refusal == v1::ClientNumberResult::REFUSAL_UNSPECIFIED) continue;
    if (v.refusal == v1::ClientNumberResult::STALE_ETAG) {
      stale.push_back(i);
      continue;
    }
    violations.push_back({absl::StrCat("requests[", i, "].", v.field), v.description});
    only_conflicts &= IsConflict(v.refusal);
  }
  if (violations.empty()) {
    return errors::WithReason(
        absl::StatusCode::kAborted, "STALE_ETAG",
        absl::StrCat(stale.size(),
                     " clients changed since they were read (first requests[",
                     stale.front(), "]): read them again"),
        {{"stale_entries", absl::StrCat(stale.size())},
         {"first", absl::StrCat("requests[", stale.front(), "]")}});
  }
  return errors::FieldViolations(only_conflicts ? absl::StatusCode::kAlreadyExists
                                                : absl::StatusCode::kInvalidArgument,
                                 violations);
}

}  // namespace

absl::StatusOr<ClientNumberBatch> ClientNumbers::BatchUpdateClientNumbers(
    const auth::Caller& caller, names::FirmName firm_name,
    const std::vector<ClientNumberUpdate>& updates, bool validate_only,
    absl::string_view request_id, const ClientAnswerBytes& answer_bytes) {
  const uint64_t firm_id = firm_name.firm_id;
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, firm_id); !m.ok()) {
    return m.status();
  }
  if (updates.empty()) return errors::InvalidField("requests", "is empty");
  if (updates.size() > kMaxBatchUpdateEntries) {
    return absl::ResourceExhaustedError(
        absl::StrCat("requests has ", updates.size(), " entries; at most ",
                     kMaxBatchUpdateEntries, " per batch"));
  }
  if (absl::Status s = AllValid({requests::Check(request_id)}); !s.ok()) return s;

  absl::StatusOr<storage::StripedLocks::Guard> guard =
      core_.LockFirmFor(caller, firm_id, v1::Role::STAFF);
  if (!guard.ok()) return guard.status();
  if (validate_only) {
    absl::StatusOr<Judged> judged = Judge(firm_id, updates);
    if (!judged.ok()) return judged.status();
    ClientNumberBatch batch{.clients = {}, .verdicts = std::move(judged->verdicts)};
    for (auto& client : judged->before) {
      if (client.has_value()) batch.clients.push_back(std::move(*client));
    }
    CB_RETURN_IF_ERROR(BatchAnswerBytes(answer_bytes).AddAll(batch.clients));
    return batch;
  }
  return core_.Write<ClientNumberBatch>(
      {firm_id, caller.user_id, request_id, BatchFingerprint(firm_id, updates)},
      [&](const RequestRecord& first) {
        return Replay(firm_id, updates, first, answer_bytes);
      },
      [&](DirectoryWrite& write,
          RequestRecord& done) -> absl::StatusOr<ClientNumberBatch> {
        absl::StatusOr<Judged> judged = Judge(firm_id, updates);
        if (!judged.ok()) return judged.status();
        if (std::any_of(judged->verdicts.begin(), judged->verdicts.end(), IsRefused)) {
          return RefusalStatus(judged->verdicts);
        }
        size_t bytes = 0;
        for (const auto& client : judged->before) bytes += client->ByteSizeLong();
        CB_ASSIGN_OR_RETURN(std::unique_lock<std::mutex> large,
                            core_.PlaceForWrite(bytes));
        ClientNumberBatch batch{.clients = {},
                                .verdicts = std::move(judged->verdicts),
                                .large = std::move(large)};
        for (size_t i = 0; i < updates.size(); ++i) {
          ClientRecord updated = *judged->before[i];
          if (batch.verdicts[i].changed) {
            updated.set_client_number(judged->numbers[i]);
            updated.set_revision(updated.revision() + 1);
            updated.set_update_time_us(core_.NowMicros());
            DirectoryCore::PutClient(write.clients(), &*judged->before[i], updated);
            done.add_changed_company_ids(updated.company_id());
          }
          batch.clients.push_back(std::move(updated));
        }
        // Refused now, with nothing written, rather than by gRPC once it is.
        CB_RETURN_IF_ERROR(BatchAnswerBytes(answer_bytes).AddAll(batch.clients));
        return batch;
      });
}

absl::StatusOr<ClientNumberBatch> ClientNumbers::Replay(
    uint64_t firm_id, const std::vector<ClientNumberUpdate>& updates,
    const RequestRecord& first, const ClientAnswerBytes& answer_bytes) {
  const absl::flat_hash_set<uint64_t> changed(first.changed_company_ids().begin(),
                                              first.changed_company_ids().end());
  ClientNumberBatch batch{.clients = {}, .verdicts = {}, .replayed = true};
  for (const ClientNumberUpdate& u : updates) {
    batch.verdicts.push_back({.changed = changed.contains(u.company_id)});
  }
  absl::StatusOr<std::vector<ClientRecord>> now =
      client_store_.GetClients(firm_id, CompanyIdsOf(updates));
  if (!now.ok()) return now.status();
  batch.clients = *std::move(now);
  CB_RETURN_IF_ERROR(BatchAnswerBytes(answer_bytes).AddAll(batch.clients));
  return batch;
}

absl::StatusOr<ClientNumbers::Judged> ClientNumbers::Judge(
    uint64_t firm_id, const std::vector<ClientNumberUpdate>& updates) {
  Judged judged;
  // An entry keeps its first refusal.
  auto refuse = [&](size_t i, NumberRefusal refusal, absl::string_view field,
                    std::string description) {
    ClientNumberVerdict& v = judged.verdicts[i];
    if (v.refusal != v1::ClientNumberResult::REFUSAL_UNSPECIFIED) return;
    v = {refusal, std::string(field), std::move(description), false};
  };
  std::vector<std::optional<ClientRecord>>& before = judged.before;
  std::vector<std::string>& numbers = judged.numbers;
  before.resize(updates.size());
  numbers.resize(updates.size());
  judged.verdicts.resize(updates.size());
  absl::flat_hash_map<uint64_t, size_t> entry_of_client;
  absl::flat_hash_map<std::string, size_t> entry_of_number;
  absl::flat_hash_set<size_t> first_of_duplicate;
  absl::StatusOr<std::vector<std::optional<ClientRecord>>> clients =
      client_store_.FindClients(firm_id, CompanyIdsOf(updates));
  if (!clients.ok()) return clients.status();
  for (size_t i = 0; i < updates.size(); ++i) {
    const ClientNumberUpdate& u = updates[i];
    numbers[i] = NormalizeClientNumber(u.client_number);
    if (auto v = CheckClientNumber("client_number", numbers[i])) {
      refuse(i, v1::ClientNumberResult::INVALID_CLIENT_NUMBER, "client_number",
             v->description);
    }
    auto [first, inserted] = entry_of_client.try_emplace(u.company_id, i);
    if (!inserted) {
      refuse(i, v1::ClientNumberResult::CLIENT_REPEATED, "client",
             absl::StrCat("repeats requests[", first->second, "]"));
      continue;
    }
    std::optional<ClientRecord>& client = (*clients)[i];
    if (!client.has_value()) {
      refuse(i, v1::ClientNumberResult::CLIENT_NOT_FOUND, "client",
             absl::StrCat(names::ClientName{firm_id, u.company_id}.ToString(),
                          " not found"));
      continue;
    }
    if (!u.etag.empty() && u.etag != EtagOf(*client)) {
      refuse(i, v1::ClientNumberResult::STALE_ETAG, "etag",
             absl::StrCat("the client changed since etag ", u.etag, " was read"));
    }
    before[i] = std::move(client);
    judged.verdicts[i].changed = before[i]->client_number() != numbers[i];
    if (numbers[i].empty()) continue;
    auto [same, fresh] = entry_of_number.try_emplace(ClientNumberKey(numbers[i]), i);
    if (!fresh) {
      // Both entries are wrong: neither may have the number.
      refuse(i, v1::ClientNumberResult::NUMBER_REPEATED, "client_number",
             absl::StrCat("'", numbers[i], "' is also given to requests[", same->second,
                          "]"));
      if (first_of_duplicate.insert(same->second).second) {
        refuse(same->second, v1::ClientNumberResult::NUMBER_REPEATED, "client_number",
               absl::StrCat("'", numbers[same->second], "' is also given to requests[", i,
                            "]"));
      }
    }
  }
  // A number held outside the batch stays where it is; one held by a client
  // in the batch moves away (or collides inside the batch, reported above).
  std::vector<std::string> number_keys;
  std::vector<size_t> entries;
  for (const auto& [key, i] : entry_of_number) {
    number_keys.push_back(key);
    entries.push_back(i);
  }
  absl::StatusOr<std::vector<std::optional<uint64_t>>> holders =
      client_store_.FindClientsByNumberKeys(firm_id, number_keys);
  if (!holders.ok()) return holders.status();
  for (size_t k = 0; k < entries.size(); ++k) {
    const std::optional<uint64_t>& holder = (*holders)[k];
    const size_t i = entries[k];
    if (!holder.has_value() || entry_of_client.contains(*holder)) continue;
    // A number kept as it is stays, as in UpdateClient.
    if (before[i].has_value() &&
        ClientNumberKey(before[i]->client_number()) == number_keys[k])
      continue;
    absl::StatusOr<ClientRecord> holder_client = core_.LoadClient(firm_id, *holder);
    if (!holder_client.ok()) return holder_client.status();
    refuse(i, v1::ClientNumberResult::NUMBER_TAKEN, "client_number",
           absl::StrCat("'", numbers[i], "' is already used by client ",
                        DescribeClient(*holder_client)));
  }
  for (ClientNumberVerdict& v : judged.verdicts) {
    if (IsRefused(v)) v.changed = false;
  }
  return judged;
}

}  // namespace clientbook::directory
