// Client companies of a firm: create, read, update, (de)activate, delete.
#include "services/directory/domain/clients.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/names/names.h"
#include "common/paging/paging.h"
#include "common/requests/request_id.h"
#include "common/rules/ids.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "common/text/text.h"
#include "services/directory/domain/names.h"
#include "services/directory/domain/notes.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {
namespace {

std::optional<errors::FieldViolation> CheckClientType(absl::string_view field,
                                                      int32_t type) {
  if (type == v1::ClientType::BUSINESS || type == v1::ClientType::INDIVIDUAL) {
    return std::nullopt;
  }
  return errors::FieldViolation{std::string(field), "must be BUSINESS or INDIVIDUAL"};
}

std::optional<errors::FieldViolation> CheckProducts(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<std::string>& products) {
  if (static_cast<size_t>(products.size()) > kMaxProducts) {
    return errors::FieldViolation{
        std::string(field),
        absl::StrCat("has ", products.size(), " entries; at most ", kMaxProducts)};
  }
  for (const std::string& p : products) {
    if (auto entry = CheckRequiredLine(field, p, kMaxProductCharacters)) return entry;
  }
  return std::nullopt;
}

absl::Status NumberTaken(absl::string_view number, const ClientRecord& holder) {
  return errors::AlreadyExists(
      "clientbook.v1.Client",
      names::ClientName{holder.firm_id(), holder.company_id()}.ToString(),
      absl::StrCat("client number '", number, "' is already used by client ",
                   DescribeClient(holder)));
}

}  // namespace

absl::Status Clients::CheckNumberFree(uint64_t firm_id, uint64_t company_id,
                                      absl::string_view number) {
  if (number.empty()) return absl::OkStatus();
  absl::StatusOr<std::optional<uint64_t>> holder =
      client_store_.FindClientByNumberKey(firm_id, ClientNumberKey(number));
  if (!holder.ok()) return holder.status();
  if (!holder->has_value() || **holder == company_id) return absl::OkStatus();
  absl::StatusOr<ClientRecord> holder_client = core_.LoadClient(firm_id, **holder);
  if (!holder_client.ok()) return holder_client.status();
  return NumberTaken(number, *holder_client);
}

absl::Status Clients::CheckNameFree(uint64_t firm_id, uint64_t company_id,
                                    absl::string_view display_name,
                                    absl::string_view key) {
  if (key.empty()) return absl::OkStatus();  // no letters or digits to compare
  absl::StatusOr<std::vector<uint64_t>> holders =
      client_store_.FindClientsByDuplicateKey(firm_id, key, 2);
  if (!holders.ok()) return holders.status();
  for (uint64_t holder : *holders) {
    if (holder == company_id) continue;
    absl::StatusOr<ClientRecord> other = core_.LoadClient(firm_id, holder);
    if (!other.ok()) return other.status();
    return errors::WithResource(
        errors::WithReason(
            absl::StatusCode::kAlreadyExists, "DUPLICATE_DISPLAY_NAME",
            absl::StrCat("client ", DescribeClient(*other), " already has the name '",
                         text::Trim(display_name),
                         "': merge the two (MergeClients), or set allow_duplicate_name "
                         "if they are different companies")),
        "clientbook.v1.Client",
        names::ClientName{firm_id, other->company_id()}.ToString());
  }
  return absl::OkStatus();
}

ClientRecord Clients::PutRevised(ClientWrites& write, const ClientRecord* before,
                                 ClientRecord after) {
  if (before != nullptr && ChangesNothing(*before, after)) return *before;
  after.set_revision(before == nullptr ? 1 : before->revision() + 1);
  after.set_update_time_us(core_.NowMicros());
  DirectoryCore::PutClient(write, before, after);
  return after;
}

absl::StatusOr<ClientRecord> Clients::CreateClient(
    const auth::Caller& caller, names::FirmName firm_name, const ClientRecord& draft,
    bool make_me_primary_admin, absl::string_view request_id, bool allow_duplicate_name) {
  const uint64_t firm_id = firm_name.firm_id;
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, firm_id); !m.ok()) {
    return m.status();
  }
  const std::string number = NormalizeClientNumber(draft.client_number());
  std::optional<errors::FieldViolation> lead_violation =
      rules::CheckId("client.lead_accountant", draft.lead_accountant_user_id(), false);
  if (!lead_violation && !draft.lead_accountant_user_id().empty()) {
    absl::StatusOr<std::optional<errors::FieldViolation>> lead = core_.CheckIsMember(
        "client.lead_accountant", firm_id, draft.lead_accountant_user_id());
    if (!lead.ok()) return lead.status();
    lead_violation = std::move(*lead);
  }
  if (absl::Status s = AllValid({
          CheckClientType("client.client_type", draft.client_type()),
          CheckDisplayName("client.display_name", draft.display_name()),
          CheckEmail("client.email", draft.email(), /*required=*/false),
          lead_violation,
          CheckProducts("client.products", draft.products()),
          CheckClientNumber("client.client_number", number),
          requests::Check(request_id),
      });
      !s.ok()) {
    return s;
  }
  const std::string fingerprint =
      requests::Fingerprint("CreateClient", names::FirmName{firm_id}.ToString(),
                            absl::StrCat(draft.SerializeAsString(), make_me_primary_admin,
                                         allow_duplicate_name));

  // The firm's lock also covers its request ids, which are scoped to it.
  auto guard = core_.LockFirm(firm_id);
  return core_.Write<ClientRecord>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [&](const RequestRecord& first) { return core_.LoadClient(firm_id, first.id()); },
      [&](DirectoryWrite& write, RequestRecord& done) -> absl::StatusOr<ClientRecord> {
        // Read again under the lock: neither the caller nor the lead may
        // have been removed since.
        if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, firm_id); !m.ok()) {
          return m.status();
        }
        if (!draft.lead_accountant_user_id().empty()) {
          absl::StatusOr<std::optional<errors::FieldViolation>> lead = core_.CheckIsMember(
              "client.lead_accountant", firm_id, draft.lead_accountant_user_id());
          if (!lead.ok()) return lead.status();
          if (lead->has_value()) return errors::InvalidArgument({**lead});
        }
        if (absl::Status s = CheckNumberFree(firm_id, 0, number); !s.ok()) return s;
        if (!allow_duplicate_name) {
          if (absl::Status s = CheckNameFree(firm_id, 0, draft.display_name(),
                                             DuplicateNameKey(draft.display_name()));
              !s.ok()) {
            return s;
          }
        }
        absl::StatusOr<uint64_t> id = core_.AllocateId();
        if (!id.ok()) return id.status();
        ClientRecord client;
        client.set_firm_id(firm_id);
        client.set_company_id(*id);
        client.set_client_type(draft.client_type());
        client.set_display_name(text::Trim(draft.display_name()));
        client.set_email(draft.email());
        client.set_lead_accountant_user_id(draft.lead_accountant_user_id().empty()
                                               ? caller.user_id
                                               : draft.lead_accountant_user_id());
        *client.mutable_products() = draft.products();
        client.set_status(v1::ClientStatus::ACTIVE);
        client.set_client_number(number);
        if (make_me_primary_admin) client.set_primary_admin_user_id(caller.user_id);
        client.set_revision(1);
        client.set_create_time_us(core_.NowMicros());
        client.set_update_time_us(client.create_time_us());
        DirectoryCore::PutClient(write.clients(), nullptr, client);
        done.set_id(*id);
        return client;
      });
}

absl::StatusOr<ClientRecord> Clients::GetClient(const auth::Caller& caller,
                                                const names::ClientName& client_name) {
  absl::StatusOr<ClientRecord> client = ReadClient(caller, client_name);
  if (!client.ok()) return client;
  if (absl::Status s = core_.removals().CheckNotRemoving(caller, client_name); !s.ok()) {
    return s;
  }
  return client;
}

absl::StatusOr<ClientRecord> Clients::ReadClient(const auth::Caller& caller,
                                                 const names::ClientName& client_name) {
  const uint64_t firm_id = client_name.firm_id;
  const uint64_t company_id = client_name.company_id;
  absl::StatusOr<MemberRecord> member = core_.RequireMember(caller, firm_id);
  if (member.ok()) return core_.LoadClient(firm_id, company_id);
  // The client company's primary admin reads its own record (billing relies
  // on this to let that admin authorize a transfer); nobody else learns more.
  absl::StatusOr<std::optional<ClientRecord>> client =
      client_store_.GetClient(firm_id, company_id);
  if (!client.ok()) return client.status();
  if (client->has_value() && (*client)->primary_admin_user_id() == caller.user_id) {
    return std::move(**client);
  }
  return member.status();
}

absl::StatusOr<ClientRecord> Clients::UpdateClient(
    const auth::Caller& caller, const names::ClientName& client_name,
    const ClientRecord& patch, const std::vector<std::string>& paths,
    absl::string_view etag, bool allow_duplicate_name, absl::string_view request_id) {
  const uint64_t firm_id = client_name.firm_id;
  const uint64_t company_id = client_name.company_id;
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, firm_id); !m.ok()) {
    return m.status();
  }
  if (absl::Status s = CheckUpdateMask(paths, kUpdatableClientFields); !s.ok()) {
    return s;
  }
  if (etag.empty()) {
    return errors::InvalidField("client.etag",
                                "is required: send the etag of the client you read");
  }
  if (absl::Status s = requests::CheckStatus(request_id); !s.ok()) return s;
  const std::string fingerprint = requests::UpdateFingerprint(
      "UpdateClient", client_name.ToString(), patch.SerializeAsString(), paths, etag,
      allow_duplicate_name ? "allow_duplicate_name" : "");

  absl::StatusOr<storage::StripedLocks::Guard> guard =
      core_.LockFirmFor(caller, firm_id, v1::Role::STAFF);
  if (!guard.ok()) return guard.status();
  // A retry under the request id is answered the client as it is now, though
  // the etag it carries is stale by then (its first call moved it).
  return core_.Write<ClientRecord>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [&](const RequestRecord&) { return core_.LoadClient(firm_id, company_id); },
      [&](DirectoryWrite& write, RequestRecord&) -> absl::StatusOr<ClientRecord> {
        return WriteUpdate(write, firm_id, company_id, patch, paths, etag,
                           allow_duplicate_name);
      });
}

absl::StatusOr<ClientRecord> Clients::WriteUpdate(DirectoryWrite& write, uint64_t firm_id,
                                                  uint64_t company_id,
                                                  const ClientRecord& patch,
                                                  const std::vector<std::string>& paths,
                                                  absl::string_view etag,
                                                  bool allow_duplicate_name) {
  absl::StatusOr<ClientRecord> before = core_.LoadClient(firm_id, company_id);
  if (!before.ok()) return before.status();
  if (absl::Status s = CheckEtag(names::ClientName{firm_id, company_id}.ToString(), etag,
                                 EtagOf(*before));
      !s.ok()) {
    return s;
  }
  ClientRecord after = *before;
  std::vector<std::optional<errors::FieldViolation>> checks;
  for (const std::string& path : paths) {
    if (path == "display_name") {
      checks.push_back(CheckDisplayName("client.display_name", patch.display_name()));
      after.set_display_name(text::Trim(patch.display_name()));
    } else if (path == "client_type") {
      checks.push_back(CheckClientType("client.client_type", patch.client_type()));
      after.set_client_type(patch.client_type());
    } else if (path == "email") {
      checks.push_back(CheckEmail("client.email", patch.email(), false));
      after.set_email(patch.email());
    } else if (path == "lead_accountant") {
      absl::StatusOr<std::optional<errors::FieldViolation>> lead = core_.CheckIsMember(
          "client.lead_accountant", firm_id, patch.lead_accountant_user_id());
      if (!lead.ok()) return lead.status();
      checks.push_back(std::move(*lead));
      after.set_lead_accountant_user_id(patch.lead_accountant_user_id());
    } else if (path == "products") {
      checks.push_back(CheckProducts("client.products", patch.products()));
      *after.mutable_products() = patch.products();
    } else if (path == "client_number") {
      after.set_client_number(NormalizeClientNumber(patch.client_number()));
      checks.push_back(CheckClientNumber("client.client_number", after.client_number()));
    }
  }
  if (absl::Status s = AllValid(std::move(checks)); !s.ok()) return s;
  // Only a number that becomes another's is refused: one two clients held
  // before their spellings counted as one (ReindexIfOutdated) stays editable.
  if (ClientNumberKey(after.client_number()) !=
      ClientNumberKey(before->client_number())) {
    if (absl::Status s = CheckNumberFree(firm_id, company_id, after.client_number());
        !s.ok()) {
      return s;
    }
  }
  // Only a rename that makes a duplicate is refused; one that was already
  // shared stays editable.
  if (!allow_duplicate_name && after.display_name() != before->display_name()) {
    const std::string key = DuplicateNameKey(after.display_name());
    if (key != DuplicateNameKey(before->display_name())) {
      if (absl::Status s = CheckNameFree(firm_id, company_id, after.display_name(), key);
          !s.ok()) {
        return s;
      }
    }
  }
  return PutRevised(write.clients(), &*before, std::move(after));
}

absl::StatusOr<ClientRecord> Clients::SetClientStatus(
    const auth::Caller& caller, const names::ClientName& client_name,
    v1::ClientStatus status, absl::string_view etag, absl::string_view request_id) {
  const uint64_t firm_id = client_name.firm_id;
  const uint64_t company_id = client_name.company_id;
  if (absl::StatusOr<MemberRecord> m =
          core_.RequireRole(caller, firm_id, v1::Role::ADMIN);
      !m.ok()) {
    return m.status();
  }
  if (absl::Status s = requests::CheckStatus(request_id); !s.ok()) return s;
  const std::string fingerprint = requests::Fingerprint(
      status == v1::ClientStatus::ACTIVE ? "ReactivateClient" : "DeactivateClient",
      client_name.ToString(), etag);
  absl::StatusOr<storage::StripedLocks::Guard> guard =
      core_.LockFirmFor(caller, firm_id, v1::Role::ADMIN);
  if (!guard.ok()) return guard.status();
  // A retry is answered the client as it is now, its etag stale by then.
  return core_.Write<ClientRecord>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [&](const RequestRecord&) { return core_.LoadClient(firm_id, company_id); },
      [&](DirectoryWrite& write, RequestRecord&) -> absl::StatusOr<ClientRecord> {
        absl::StatusOr<ClientRecord> before = core_.LoadClient(firm_id, company_id);
        if (!before.ok()) return before.status();
        if (absl::Status s =
                CheckEtagIfSent(client_name.ToString(), etag, EtagOf(*before));
            !s.ok()) {
          return s;
        }
        // Only the status moves: the client's data, subscription and
        // wholesale billing stay exactly as they were.
        ClientRecord after = *before;
        after.set_status(status);
        return PutRevised(write.clients(), &*before, std::move(after));
      });
}

absl::Status Clients::DeleteClient(const auth::Caller& caller,
                                   const names::ClientName& client_name,
                                   absl::string_view etag) {
  const uint64_t firm_id = client_name.firm_id;
  const uint64_t company_id = client_name.company_id;
  if (absl::StatusOr<MemberRecord> m =
          core_.RequireRole(caller, firm_id, v1::Role::PRIMARY_ADMIN);
      !m.ok()) {
    if (m.status().code() != absl::StatusCode::kPermissionDenied) return m.status();
    // The reason (NOT_A_MEMBER or ROLE_REQUIRED) and its metadata stay.
    return errors::WithReason(
        absl::StatusCode::kPermissionDenied,
        errors::ReasonOf(m.status()).value_or("ROLE_REQUIRED"),
        absl::StrCat("only the primary admin of ", names::FirmName{firm_id}.ToString(),
                     " can delete clients permanently"),
        errors::ReasonMetadataOf(m.status()));
  }
  auto no_member_is_its_admin = [&](const ClientRecord& client) -> absl::Status {
    if (client.primary_admin_user_id().empty()) return absl::OkStatus();
    absl::StatusOr<std::optional<MemberRecord>> admin =
        firm_store_.GetMember(firm_id, client.primary_admin_user_id());
    if (!admin.ok()) return admin.status();
    if (!admin->has_value()) return absl::OkStatus();
    return errors::WithReason(
        absl::StatusCode::kFailedPrecondition, "FIRM_MEMBER_IS_CLIENT_PRIMARY_ADMIN",
        absl::StrCat("firm member '", client.primary_admin_user_id(),
                     "' is still the primary admin of client ", DescribeClient(client),
                     "; the client must name another primary admin first"));
  };
  auto current = [&](const ClientRecord& client) {
    return CheckEtagIfSent(client_name.ToString(), etag, EtagOf(client));
  };
  absl::StatusOr<ClientRecord> seen = core_.LoadClient(firm_id, company_id);
  if (!seen.ok()) return seen.status();
  if (absl::Status s = current(*seen); !s.ok()) return s;
  if (absl::Status s = no_member_is_its_admin(*seen); !s.ok()) return s;
  // Billing is asked before the firm's lock is taken: no lock is held across
  // a remote call, so a slow billing service delays only this delete. From
  // the question to the write billing changes nothing of the client's.
  ClientRemovals::Hold removal(core_.removals(), client_name);
  absl::StatusOr<bool> wholesale = wholesale_.IsOnWholesale(caller, *seen);
  if (!wholesale.ok()) return wholesale.status();
  if (*wholesale) {
    return errors::WithReason(
        absl::StatusCode::kFailedPrecondition, "CLIENT_ON_WHOLESALE_BILLING",
        absl::StrCat("client ", DescribeClient(*seen),
                     " is on the firm's wholesale billing; remove it from "
                     "wholesale billing first"));
  }

  // Then lock, and check again what may have changed meanwhile.
  absl::StatusOr<storage::StripedLocks::Guard> guard =
      core_.LockFirmFor(caller, firm_id, v1::Role::PRIMARY_ADMIN);
  if (!guard.ok()) return guard.status();
  absl::StatusOr<ClientRecord> client = core_.LoadClient(firm_id, company_id);
  if (!client.ok()) return client.status();
  if (absl::Status s = current(*client); !s.ok()) return s;
  if (absl::Status s = no_member_is_its_admin(*client); !s.ok()) return s;
  // The client's notes and to-dos go with it, in the same write.
  absl::StatusOr<ClientWork> work = core_.LoadClientWork(*client);
  if (!work.ok()) return work.status();
  std::unique_ptr<DirectoryWrite> write = core_.NewWrite({.actor = caller.user_id});
  write->clients().DeleteClient({*client, IndexTermsOf(*client)});
  for (const NoteRecord& note : work->notes)
    write->notes().PurgeNote(Notes::Indexed(note));
  for (const TodoRecord& todo : work->todos) write->todos().DeleteTodo(todo);
  return write->Commit();
}

absl::StatusOr<ClientRecord> Clients::ChangeClientPrimaryAdmin(
    const auth::Caller& caller, const names::ClientName& client_name,
    absl::string_view new_primary_admin, absl::string_view etag,
    absl::string_view request_id) {
  const uint64_t firm_id = client_name.firm_id;
  const uint64_t company_id = client_name.company_id;
  if (absl::Status s =
          AllValid({rules::CheckId("new_primary_admin_user_id", new_primary_admin, true),
                    requests::Check(request_id)});
      !s.ok()) {
    return s;
  }
  const std::string fingerprint =
      requests::Fingerprint("ChangeClientPrimaryAdmin", client_name.ToString(),
                            absl::StrCat(new_primary_admin, "\n", etag));
  auto guard = core_.LockFirm(firm_id);
  // A retry is answered the client as the change left it: its caller, no
  // longer its primary admin, may by then read nothing newer of it.
  return core_.Write<ClientRecord>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [](const RequestRecord& first) -> absl::StatusOr<ClientRecord> {
        return first.client();
      },
      [&](DirectoryWrite& write, RequestRecord& done) -> absl::StatusOr<ClientRecord> {
        absl::StatusOr<std::optional<ClientRecord>> client =
            client_store_.GetClient(firm_id, company_id);
        if (!client.ok()) return client.status();
        // The client company's primary admin need not be a firm member;
        // anyone else learns nothing about the client.
        if (!client->has_value() ||
            (*client)->primary_admin_user_id() != caller.user_id) {
          absl::StatusOr<std::optional<MemberRecord>> member =
              firm_store_.GetMember(firm_id, caller.user_id);
          if (!member.ok()) return member.status();
          if (member->has_value() && !client->has_value()) {
            return errors::NotFound(names::ClientName{firm_id, company_id}.ToString());
          }
          return errors::NotClientPrimaryAdmin(
              client_name.ToString(),
              "only the client company's primary admin can hand over that role");
        }
        if (absl::Status s =
                CheckEtagIfSent(client_name.ToString(), etag, EtagOf(**client));
            !s.ok()) {
          return s;
        }
        ClientRecord after = **client;
        after.set_primary_admin_user_id(std::string(new_primary_admin));
        *done.mutable_client() = PutRevised(write.clients(), &**client, std::move(after));
        return done.client();
      });
}

absl::StatusOr<Page<std::vector<ClientRecord>>> Clients::FindDuplicateClients(
    const auth::Caller& caller, names::FirmName firm_name, const PageRequest& page) {
  const uint64_t firm_id = firm_name.firm_id;
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, firm_id); !m.ok()) {
    return m.status();
  }
  absl::StatusOr<storage::ListPage> opened =
      storage::OpenPage(absl::StrCat("duplicates:", firm_id), page);
  if (!opened.ok()) return opened.status();
  absl::StatusOr<StoredPage<DuplicateGroup>> groups = client_store_.ListDuplicateGroups(
      firm_id, opened->cursor, opened->size, kMaxEntriesExaminedPerPage);
  if (!groups.ok()) return groups.status();
  Page<std::vector<ClientRecord>> out;
  // A page's groups come to at most kMaxPageBytes (its first whatever its
  // size): a page could hold 20,000 clients of up to 21 KB each.
  storage::PageBytes bytes;
  std::string cursor = opened->cursor;
  for (const DuplicateGroup& ids : groups->items) {
    absl::StatusOr<std::vector<ClientRecord>> group =
        client_store_.GetClients(firm_id, ids.company_ids);
    if (!group.ok()) return group.status();
    if (group->size() >= 2 && !bytes.Take(storage::BytesOf(*group))) {
      out.next_page_token = opened->TokenFor(cursor);
      return out;
    }
    cursor = ids.cursor;
    if (group->size() >= 2) out.items.push_back(*std::move(group));
  }
  if (!groups->cursor.empty()) out.next_page_token = opened->TokenFor(groups->cursor);
  return out;
}

absl::StatusOr<std::vector<ClientRecord>> Clients::BatchGetClients(
    const auth::Caller& caller, names::FirmName firm_name,
    const std::vector<uint64_t>& company_ids, const ClientAnswerBytes& answer_bytes) {
  const uint64_t firm_id = firm_name.firm_id;
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, firm_id); !m.ok()) {
    return m.status();
  }
  if (company_ids.size() > kMaxBatchUpdateEntries) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "names has ", company_ids.size(), " entries; at most ", kMaxBatchUpdateEntries));
  }
  // Read a few at a time, so an answer refused as too large is never held
  // whole (1,000 clients may be 21 MB).
  constexpr size_t kClientsARead = 64;
  std::vector<ClientRecord> found;
  BatchAnswerBytes answer(answer_bytes);
  for (size_t at = 0; at < company_ids.size(); at += kClientsARead) {
    const std::vector<uint64_t> some(
        company_ids.begin() + at,
        company_ids.begin() + std::min(company_ids.size(), at + kClientsARead));
    CB_ASSIGN_OR_RETURN(std::vector<ClientRecord> read,
                        client_store_.GetClients(firm_id, some));
    CB_RETURN_IF_ERROR(answer.AddAll(read));
    for (ClientRecord& c : read) found.push_back(std::move(c));
  }
  return found;
}

}  // namespace clientbook::directory
