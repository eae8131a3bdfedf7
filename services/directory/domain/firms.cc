// Firms and their members.
#include "services/directory/domain/firms.h"

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "common/names/names.h"
#include "common/paging/page_token.h"
#include "common/paging/paging.h"
#include "common/requests/request_id.h"
#include "common/rules/ids.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "common/text/text.h"
#include "services/directory/domain/rules.h"

namespace clientbook::directory {
namespace {

// A member is an ADMIN or STAFF; the one primary admin is made only by
// CreateFirm and TransferPrimaryAdmin.
std::optional<errors::FieldViolation> CheckMemberRole(absl::string_view field,
                                                      v1::Role role) {
  if (role == v1::Role::PRIMARY_ADMIN) {
    return errors::FieldViolation{
        std::string(field), "a firm has one primary admin: use TransferPrimaryAdmin"};
  }
  if (role != v1::Role::ADMIN && role != v1::Role::STAFF) {
    return errors::FieldViolation{std::string(field), "must be ADMIN or STAFF"};
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<FirmRecord> Firms::CreateFirm(const auth::Caller& caller,
                                             absl::string_view display_name,
                                             absl::string_view creator_email,
                                             absl::string_view creator_display_name,
                                             absl::string_view request_id,
                                             absl::string_view time_zone) {
  if (absl::Status s = AllValid({
          CheckDisplayName("firm.display_name", display_name),
          CheckTimeZone("firm.time_zone", time_zone),
          CheckEmail("creator_email", creator_email, /*required=*/true),
          requests::Check(request_id),
      });
      !s.ok()) {
    return s;
  }
  const std::string fingerprint =
      requests::Fingerprint("CreateFirm", "",
                            absl::StrCat(display_name, "\n", creator_email, "\n",
                                         creator_display_name, "\n", time_zone));
  // The caller's lock also covers its user-scoped request ids.
  auto guard = core_.LockUser(caller.user_id);
  return core_.Write<FirmRecord>(
      {kUserRequestScope, caller.user_id, request_id, fingerprint},
      [&](const RequestRecord& first) { return GetFirm(caller, {first.id()}); },
      [&](DirectoryWrite& write, RequestRecord& done) -> absl::StatusOr<FirmRecord> {
        absl::StatusOr<std::optional<FirmRecord>> oldest_recent =
            firm_store_.NthNewestFirmCreatedBy(caller.user_id, kMaxFirmsCreatedPerUser);
        if (!oldest_recent.ok()) return oldest_recent.status();
        if (absl::Status s = CheckFirmCreatorQuota(
                caller.user_id, *oldest_recent, absl::FromUnixMicros(core_.NowMicros()));
            !s.ok()) {
          return s;
        }
        absl::StatusOr<uint64_t> id = core_.AllocateId();
        if (!id.ok()) return id.status();
        FirmRecord firm;
        firm.set_id(*id);
        firm.set_display_name(text::Trim(display_name));
        firm.set_create_time_us(core_.NowMicros());
        firm.set_time_zone(std::string(time_zone));
        firm.set_revision(1);
        MemberRecord admin;
        admin.set_firm_id(*id);
        admin.set_user_id(caller.user_id);
        admin.set_email(std::string(creator_email));
        admin.set_display_name(text::Trim(creator_display_name));
        admin.set_role(v1::Role::PRIMARY_ADMIN);
        admin.set_revision(1);
        write.firms().PutFirm(firm);
        write.firms().IndexCreator(caller.user_id, *id);
        write.firms().PutMember(admin);
        done.set_id(*id);
        return firm;
      });
}

absl::StatusOr<FirmRecord> Firms::GetFirm(const auth::Caller& caller,
                                          names::FirmName firm_name) {
  const uint64_t firm_id = firm_name.firm_id;
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, firm_id); !m.ok()) {
    return m.status();
  }
  absl::StatusOr<std::optional<FirmRecord>> firm = firm_store_.GetFirm(firm_id);
  if (!firm.ok()) return firm.status();
  if (!firm->has_value()) {
    return errors::NotFound(names::FirmName{firm_id}.ToString());
  }
  return std::move(**firm);
}

absl::StatusOr<FirmRecord> Firms::UpdateFirm(const auth::Caller& caller,
                                             names::FirmName firm_name,
                                             const FirmRecord& patch,
                                             const std::vector<std::string>& paths,
                                             absl::string_view etag,
                                             absl::string_view request_id) {
  const uint64_t firm_id = firm_name.firm_id;
  if (absl::StatusOr<MemberRecord> m =
          core_.RequireRole(caller, firm_id, v1::Role::ADMIN);
      !m.ok()) {
    return m.status();
  }
  if (absl::Status s = CheckUpdateMask(paths, kUpdatableFirmFields); !s.ok()) {
    return s;
  }
  std::vector<std::optional<errors::FieldViolation>> checks;
  for (const std::string& path : paths) {
    if (path == "display_name") {
      checks.push_back(CheckDisplayName("firm.display_name", patch.display_name()));
    }
    if (path == "time_zone") {
      checks.push_back(CheckTimeZone("firm.time_zone", patch.time_zone()));
    }
  }
  checks.push_back(requests::Check(request_id));
  if (absl::Status s = AllValid(std::move(checks)); !s.ok()) return s;
  const std::string fingerprint = requests::UpdateFingerprint(
      "UpdateFirm", firm_name.ToString(), patch.SerializeAsString(), paths, etag);
  absl::StatusOr<storage::StripedLocks::Guard> guard =
      core_.LockFirmFor(caller, firm_id, v1::Role::ADMIN);
  if (!guard.ok()) return guard.status();
  // A retry is answered the firm as it is now, its etag stale by then.
  return core_.Write<FirmRecord>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [&](const RequestRecord&) { return GetFirm(caller, firm_name); },
      [&](DirectoryWrite& write, RequestRecord&) -> absl::StatusOr<FirmRecord> {
        absl::StatusOr<FirmRecord> firm = GetFirm(caller, firm_name);
        if (!firm.ok()) return firm.status();
        CB_RETURN_IF_ERROR(CheckEtagIfSent(firm_name.ToString(), etag, EtagOf(*firm)));
        const FirmRecord before = *firm;
        for (const std::string& path : paths) {
          if (path == "display_name")
            firm->set_display_name(text::Trim(patch.display_name()));
          if (path == "time_zone") firm->set_time_zone(patch.time_zone());
        }
        if (ChangesNothing(before, *firm)) return firm;
        firm->set_revision(before.revision() + 1);
        write.firms().PutFirm(*firm);
        return firm;
      });
}

absl::StatusOr<Page<FirmRecord>> Firms::ListMyFirms(const auth::Caller& caller,
                                                    const PageRequest& page) {
  absl::StatusOr<storage::ListPage> list =
      storage::OpenPage(absl::StrCat("my-firms|", caller.user_id), page);
  if (!list.ok()) return list.status();
  absl::StatusOr<StoredPage<FirmRecord>> firms =
      firm_store_.ListFirmsOfUser(caller.user_id, list->cursor, list->size);
  if (!firms.ok()) return firms.status();
  return Page<FirmRecord>{.items = std::move(firms->items),
                          .next_page_token = list->TokenFor(firms->cursor)};
}

absl::StatusOr<MemberRecord> Firms::AddMember(const auth::Caller& caller,
                                              names::FirmName firm_name,
                                              const MemberRecord& member,
                                              absl::string_view request_id) {
  const uint64_t firm_id = firm_name.firm_id;
  if (absl::StatusOr<MemberRecord> m =
          core_.RequireRole(caller, firm_id, v1::Role::ADMIN);
      !m.ok()) {
    return m.status();
  }
  if (absl::Status s = AllValid({
          rules::CheckId("member.user_id", member.user_id(), /*required=*/true),
          CheckEmail("member.email", member.email(), /*required=*/true),
          CheckMemberRole("member.role", member.role()),
          requests::Check(request_id),
      });
      !s.ok()) {
    return s;
  }
  const std::string fingerprint = requests::Fingerprint(
      "AddFirmMember", firm_name.ToString(), member.SerializeAsString());
  absl::StatusOr<storage::StripedLocks::Guard> guard =
      core_.LockFirmFor(caller, firm_id, v1::Role::ADMIN);
  if (!guard.ok()) return guard.status();
  return core_.Write<MemberRecord>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [&](const RequestRecord&) { return core_.LoadMember(firm_id, member.user_id()); },
      [&](DirectoryWrite& write, RequestRecord&) -> absl::StatusOr<MemberRecord> {
        absl::StatusOr<std::optional<MemberRecord>> existing =
            firm_store_.GetMember(firm_id, member.user_id());
        if (!existing.ok()) return existing.status();
        if (existing->has_value()) {
          return errors::AlreadyExists(
              "clientbook.v1.FirmMember",
              names::MemberName{firm_id, member.user_id()}.ToString(),
              absl::StrCat("user '", member.user_id(), "' is already a member of ",
                           names::FirmName{firm_id}.ToString()));
        }
        absl::StatusOr<std::optional<RemovedMemberRecord>> removed =
            firm_store_.GetRemovedMember(firm_id, member.user_id());
        if (!removed.ok()) return removed.status();
        MemberRecord added = member;
        added.set_firm_id(firm_id);
        added.set_display_name(text::Trim(member.display_name()));
        added.set_revision(removed->has_value() ? (*removed)->member_revision() + 1 : 1);
        write.firms().PutMember(added);
        return added;
      });
}

absl::StatusOr<MemberRecord> Firms::UpdateMember(const auth::Caller& caller,
                                                 const names::MemberName& member_name,
                                                 const MemberRecord& patch,
                                                 const std::vector<std::string>& paths,
                                                 absl::string_view etag,
                                                 absl::string_view request_id) {
  const uint64_t firm_id = member_name.firm_id;
  const absl::string_view user_id = member_name.user_id;
  // Whether the caller changes the member as an admin; checked again under
  // the firm's lock, which a removal or a demotion commits under too.
  auto as_admin = [&]() -> absl::StatusOr<bool> {
    absl::StatusOr<MemberRecord> me = core_.RequireMember(caller, firm_id);
    if (!me.ok()) return me.status();
    const bool is_admin =
        me->role() == v1::Role::ADMIN || me->role() == v1::Role::PRIMARY_ADMIN;
    if (!is_admin && user_id != caller.user_id) {
      return FirmRoleRequired(firm_id, v1::Role::ADMIN,
                              "only admins, or the member, change a member's details");
    }
    return is_admin;
  };
  if (absl::StatusOr<bool> allowed = as_admin(); !allowed.ok()) return allowed.status();
  if (absl::Status s =
          CheckUpdateMask(paths, kUpdatableMemberFields, kImmutableMemberFields);
      !s.ok()) {
    return s;
  }
  std::vector<std::optional<errors::FieldViolation>> checks;
  checks.push_back(
      CheckImmutable(paths, "user_id", "member.user_id", patch.user_id() != user_id));
  if (etag.empty()) {
    checks.push_back(errors::FieldViolation{
        "member.etag", "is required: send the etag of the member you read"});
  }
  for (const std::string& path : paths) {
    if (path == "display_name") {
      checks.push_back(CheckDisplayName("member.display_name", patch.display_name()));
    }
    if (path == "email") {
      checks.push_back(CheckEmail("member.email", patch.email(), /*required=*/true));
    }
  }
  checks.push_back(requests::Check(request_id));
  if (absl::Status s = AllValid(std::move(checks)); !s.ok()) return s;
  const std::string fingerprint = requests::UpdateFingerprint(
      "UpdateFirmMember", member_name.ToString(), patch.SerializeAsString(), paths, etag);
  auto guard = core_.LockFirm(firm_id);
  // A retry is answered the member as it is now, its etag stale by then.
  return core_.Write<MemberRecord>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [&](const RequestRecord&) -> absl::StatusOr<MemberRecord> {
        if (absl::StatusOr<bool> allowed = as_admin(); !allowed.ok())
          return allowed.status();
        return core_.LoadMember(firm_id, user_id);
      },
      [&](DirectoryWrite& write, RequestRecord&) {
        return WriteMemberUpdate(write, member_name, patch, paths, etag, as_admin);
      });
}

absl::StatusOr<MemberRecord> Firms::WriteMemberUpdate(
    DirectoryWrite& write, const names::MemberName& member_name,
    const MemberRecord& patch, const std::vector<std::string>& paths,
    absl::string_view etag, const std::function<absl::StatusOr<bool>()>& as_admin) {
  const uint64_t firm_id = member_name.firm_id;
  absl::StatusOr<bool> is_admin = as_admin();
  if (!is_admin.ok()) return is_admin.status();
  absl::StatusOr<MemberRecord> member = core_.LoadMember(firm_id, member_name.user_id);
  if (!member.ok()) return member.status();
  if (absl::Status s = CheckEtag(member_name.ToString(), etag, EtagOf(*member));
      !s.ok()) {
    return s;
  }
  // A role sent as it is changes nothing: a member read and sent back whole
  // (an update without a mask) is no role change, the primary admin's either.
  if (absl::c_linear_search(paths, "role") && patch.role() != member->role()) {
    if (!*is_admin) {
      return FirmRoleRequired(firm_id, v1::Role::ADMIN,
                              "only admins change a member's role");
    }
    if (absl::Status s = AllValid({CheckMemberRole("member.role", patch.role())});
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckNotPrimaryAdmin(*member); !s.ok()) return s;
  }
  MemberRecord updated = *member;
  for (const std::string& path : paths) {
    if (path == "role") updated.set_role(patch.role());
    if (path == "display_name")
      updated.set_display_name(text::Trim(patch.display_name()));
    if (path == "email") updated.set_email(patch.email());
  }
  if (ChangesNothing(*member, updated)) return updated;
  updated.set_revision(updated.revision() + 1);
  write.firms().PutMember(updated);
  return updated;
}

absl::StatusOr<MemberRecord> Firms::GetMember(const auth::Caller& caller,
                                              const names::MemberName& member_name) {
  if (absl::StatusOr<MemberRecord> me = core_.RequireMember(caller, member_name.firm_id);
      !me.ok()) {
    return me.status();
  }
  return core_.LoadMember(member_name.firm_id, member_name.user_id);
}

absl::StatusOr<Page<MemberRecord>> Firms::ListMembers(const auth::Caller& caller,
                                                      names::FirmName firm_name,
                                                      const PageRequest& page) {
  const uint64_t firm_id = firm_name.firm_id;
  if (absl::StatusOr<MemberRecord> m = core_.RequireMember(caller, firm_id); !m.ok()) {
    return m.status();
  }
  absl::StatusOr<storage::ListPage> list =
      storage::OpenPage(absl::StrCat("members|", firm_id), page);
  if (!list.ok()) return list.status();
  absl::StatusOr<StoredPage<MemberRecord>> members =
      firm_store_.ListMembers(firm_id, list->cursor, list->size);
  if (!members.ok()) return members.status();
  return Page<MemberRecord>{std::move(members->items), list->TokenFor(members->cursor)};
}

absl::StatusOr<std::pair<MemberRecord, MemberRecord>> Firms::TransferPrimaryAdmin(
    const auth::Caller& caller, names::FirmName firm_name, absl::string_view new_admin,
    absl::string_view request_id) {
  using Members = std::pair<MemberRecord, MemberRecord>;
  const uint64_t firm_id = firm_name.firm_id;
  if (absl::Status s = requests::CheckStatus(request_id); !s.ok()) return s;
  const std::string fingerprint = requests::Fingerprint(
      "TransferPrimaryAdmin", names::FirmName{firm_id}.ToString(), new_admin);
  auto guard = core_.LockFirm(firm_id);
  // Any member may be answered a replay: the first call made its caller an
  // admin, and a member removed since is not.
  if (absl::StatusOr<MemberRecord> me = core_.RequireMember(caller, firm_id); !me.ok()) {
    return me.status();
  }
  return core_.Write<Members>(
      {firm_id, caller.user_id, request_id, fingerprint},
      [](const RequestRecord& first) -> absl::StatusOr<Members> {
        return std::make_pair(first.previous_primary_admin(), first.new_primary_admin());
      },
      [&](DirectoryWrite& write, RequestRecord& done) -> absl::StatusOr<Members> {
        absl::StatusOr<MemberRecord> current =
            core_.RequireRole(caller, firm_id, v1::Role::PRIMARY_ADMIN);
        if (!current.ok()) return current.status();
        if (new_admin == caller.user_id) {
          return errors::InvalidField("new_primary_admin",
                                      "is already the primary admin");
        }
        absl::StatusOr<MemberRecord> next = core_.LoadMember(firm_id, new_admin);
        if (!next.ok()) return next.status();
        current->set_role(v1::Role::ADMIN);
        current->set_revision(current->revision() + 1);
        next->set_role(v1::Role::PRIMARY_ADMIN);
        next->set_revision(next->revision() + 1);
        write.firms().PutMember(*current);
        write.firms().PutMember(*next);
        *done.mutable_previous_primary_admin() = *current;
        *done.mutable_new_primary_admin() = *next;
        return std::make_pair(std::move(*current), std::move(*next));
      });
}

}  // namespace clientbook::directory
