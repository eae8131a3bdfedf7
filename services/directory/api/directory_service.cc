#include "services/directory/api/directory_service.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/auth/authenticator.h"
#include "common/changes/change_service.h"
#include "common/changes/change_token.h"
#include "common/names/names.h"
#include "common/server/respond.h"
#include "common/server/update_mask.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "services/directory/api/convert.h"

namespace clientbook::directory {
namespace {

constexpr auto kToProto = [](const auto& record) { return ToProto(record); };

PageRequest PageOf(int32_t size, const std::string& token) {
  return PageRequest{.page_size = size, .page_token = token};
}

}  // namespace

grpc::ServerUnaryReactor* DirectoryService::CreateFirm(grpc::CallbackServerContext* ctx,
                                                       const v1::CreateFirmRequest* req,
                                                       v1::Firm* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        return server::Respond(
            directory_.firms.CreateFirm(caller, req->firm().display_name(),
                                        req->creator_email(), req->creator_display_name(),
                                        req->request_id(), req->firm().time_zone()),
            resp, kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::GetFirm(grpc::CallbackServerContext* ctx,
                                                    const v1::GetFirmRequest* req,
                                                    v1::Firm* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName name,
                            names::FirmName::Parse("name", req->name()));
        return server::Respond(directory_.firms.GetFirm(caller, name), resp, kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::UpdateFirm(grpc::CallbackServerContext* ctx,
                                                       const v1::UpdateFirmRequest* req,
                                                       v1::Firm* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName name,
                            names::FirmName::Parse("firm.name", req->firm().name()));
        CB_ASSIGN_OR_RETURN(
            std::vector<std::string> paths,
            server::UpdatePaths(req->update_mask(), req->firm(), kUpdatableFirmFields));
        FirmRecord patch;
        patch.set_display_name(req->firm().display_name());
        patch.set_time_zone(req->firm().time_zone());
        return server::Respond(
            directory_.firms.UpdateFirm(caller, name, patch, paths, req->firm().etag(),
                                        req->request_id()),
            resp, kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::ListMyFirms(grpc::CallbackServerContext* ctx,
                                                        const v1::ListMyFirmsRequest* req,
                                                        v1::ListMyFirmsResponse* resp) {
  return frame_.Unary(ctx, req, resp,
                      [this, req, resp](const auth::Caller& caller) -> absl::Status {
                        return server::RespondPage(
                            directory_.firms.ListMyFirms(
                                caller, PageOf(req->page_size(), req->page_token())),
                            resp, [](auto& out) { return out.add_firms(); }, kToProto);
                      });
}

grpc::ServerUnaryReactor* DirectoryService::AddFirmMember(
    grpc::CallbackServerContext* ctx, const v1::AddFirmMemberRequest* req,
    v1::FirmMember* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        return server::Respond(
            directory_.firms.AddMember(caller, firm, FromProto(req->member()),
                                       req->request_id()),
            resp, kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::UpdateFirmMember(
    grpc::CallbackServerContext* ctx, const v1::UpdateFirmMemberRequest* req,
    v1::FirmMember* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(
            const names::MemberName member,
            names::MemberName::Parse("member.name", req->member().name()));
        CB_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                            server::UpdatePaths(req->update_mask(), req->member(),
                                                kUpdatableMemberFields));
        return server::Respond(
            directory_.firms.UpdateMember(caller, member, FromProto(req->member()), paths,
                                          req->member().etag(), req->request_id()),
            resp, kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::ListFirmMembers(
    grpc::CallbackServerContext* ctx, const v1::ListFirmMembersRequest* req,
    v1::ListFirmMembersResponse* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        resp->set_change_token(
            changes::ListChangeToken(changes_, req->parent(), req->page_token()));
        return server::RespondPage(
            directory_.firms.ListMembers(caller, firm,
                                         PageOf(req->page_size(), req->page_token())),
            resp, [](auto& out) { return out.add_members(); }, kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::GetFirmMember(
    grpc::CallbackServerContext* ctx, const v1::GetFirmMemberRequest* req,
    v1::FirmMember* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::MemberName member,
                            names::MemberName::Parse("name", req->name()));
        return server::Respond(directory_.firms.GetMember(caller, member), resp,
                               kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::RemoveFirmMember(
    grpc::CallbackServerContext* ctx, const v1::RemoveFirmMemberRequest* req,
    v1::RemoveFirmMemberResponse* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::MemberName leaver,
                            names::MemberName::Parse("name", req->name()));
        std::string heir;
        if (!req->reassign_to().empty()) {
          CB_ASSIGN_OR_RETURN(const names::MemberName to,
                              names::MemberName::Parse("reassign_to", req->reassign_to()));
          if (to.firm_id != leaver.firm_id) {
            return errors::InvalidField("reassign_to",
                                        "must be a member of the leaver's firm");
          }
          heir = to.user_id;
        }
        CB_ASSIGN_OR_RETURN(RemovedMember removed,
                            directory_.removal.RemoveMember(
                                caller, leaver, heir, req->request_id(), req->etag()));
        *resp->mutable_removed_member() = ToProto(removed.member);
        if (!removed.reassigned_to.empty()) {
          resp->set_reassigned_to(
              names::MemberName{leaver.firm_id, removed.reassigned_to}.ToString());
        }
        resp->set_clients_reassigned(removed.clients_reassigned);
        resp->set_todos_reassigned(removed.todos_reassigned);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DirectoryService::TransferPrimaryAdmin(
    grpc::CallbackServerContext* ctx, const v1::TransferPrimaryAdminRequest* req,
    v1::TransferPrimaryAdminResponse* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("firm", req->firm()));
        CB_ASSIGN_OR_RETURN(
            names::MemberName next,
            names::MemberName::Parse("new_primary_admin", req->new_primary_admin()));
        if (next.firm_id != firm.firm_id) {
          return errors::InvalidField("new_primary_admin", "must be a member of firm");
        }
        CB_ASSIGN_OR_RETURN(auto members,
                            directory_.firms.TransferPrimaryAdmin(
                                caller, firm, next.user_id, req->request_id()));
        *resp->mutable_previous_primary_admin() = ToProto(members.first);
        *resp->mutable_new_primary_admin() = ToProto(members.second);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DirectoryService::CreateClient(
    grpc::CallbackServerContext* ctx, const v1::CreateClientRequest* req,
    v1::Client* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        CB_ASSIGN_OR_RETURN(
            std::string lead,
            OptionalMemberUserId("client.lead_accountant",
                                 req->client().lead_accountant(), firm.firm_id));
        return server::Respond(directory_.clients.CreateClient(
                                   caller, firm, FromProto(req->client(), lead),
                                   req->make_me_primary_admin(), req->request_id(),
                                   req->allow_duplicate_name()),
                               resp, kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::GetClient(grpc::CallbackServerContext* ctx,
                                                      const v1::GetClientRequest* req,
                                                      v1::Client* resp) {
  // Only here is a check for a change told apart (billing's, before it
  // changes a subscription): no other call carries it on to another.
  const bool for_change = auth::IsForChange(ctx->client_metadata());
  return frame_.Unary(
      ctx, req, resp,
      [this, req, resp, for_change](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ClientName ref,
                            names::ClientName::Parse("name", req->name()));
        if (!for_change) {
          return server::Respond(directory_.clients.GetClient(caller, ref), resp,
                                 kToProto);
        }
        auth::Caller checking = caller;
        checking.for_change = true;
        return server::Respond(directory_.clients.GetClient(checking, ref), resp,
                               kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::UpdateClient(
    grpc::CallbackServerContext* ctx, const v1::UpdateClientRequest* req,
    v1::Client* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(
            names::ClientName ref,
            names::ClientName::Parse("client.name", req->client().name()));
        std::string lead;
        CB_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                            server::UpdatePaths(req->update_mask(), req->client(),
                                                kUpdatableClientFields));
        if (std::find(paths.begin(), paths.end(), "lead_accountant") != paths.end()) {
          CB_ASSIGN_OR_RETURN(
              lead, OptionalMemberUserId("client.lead_accountant",
                                         req->client().lead_accountant(), ref.firm_id));
        }
        return server::Respond(
            directory_.clients.UpdateClient(
                caller, ref, FromProto(req->client(), lead), paths, req->client().etag(),
                req->allow_duplicate_name(), req->request_id()),
            resp, kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::FindDuplicateClients(
    grpc::CallbackServerContext* ctx, const v1::FindDuplicateClientsRequest* req,
    v1::FindDuplicateClientsResponse* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        CB_ASSIGN_OR_RETURN(
            Page<std::vector<ClientRecord>> page,
            directory_.clients.FindDuplicateClients(
                caller, firm, PageOf(req->page_size(), req->page_token())));
        for (const std::vector<ClientRecord>& group : page.items) {
          v1::DuplicateClients* out = resp->add_duplicates();
          for (const ClientRecord& c : group) ToProto(c, *out->add_clients());
        }
        resp->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DirectoryService::MergeClients(
    grpc::CallbackServerContext* ctx, const v1::MergeClientsRequest* req,
    v1::MergeClientsResponse* resp) {
  // Asks billing and import first.
  return frame_.AsksPeers(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ClientName target,
                            names::ClientName::Parse("name", req->name()));
        CB_ASSIGN_OR_RETURN(
            uint64_t source,
            ClientOfFirm("source_client", req->source_client(), target.firm_id));
        CB_ASSIGN_OR_RETURN(
            MergeOutcome merged,
            directory_.merge.MergeClients(caller, target, source, req->request_id(),
                                          req->etag(), req->source_etag()));
        *resp->mutable_client() = ToProto(merged.target);
        resp->set_merged_client(
            names::ClientName{target.firm_id, merged.source_company_id}.ToString());
        resp->set_kept_client_number(merged.kept_client_number);
        resp->set_freed_client_number(merged.freed_client_number);
        resp->set_moved_notes(merged.moved_notes);
        resp->set_moved_todos(merged.moved_todos);
        resp->set_replayed(merged.replayed);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DirectoryService::ListClients(grpc::CallbackServerContext* ctx,
                                                        const v1::ListClientsRequest* req,
                                                        v1::ListClientsResponse* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        ClientListQuery query;
        CB_ASSIGN_OR_RETURN(const names::FirmName parent,
                            names::FirmName::Parse("parent", req->parent()));
        query.firm_id = parent.firm_id;
        CB_ASSIGN_OR_RETURN(query.lead_accountant,
                            OptionalMemberUserId("lead_accountant",
                                                 req->lead_accountant(), query.firm_id));
        query.page = PageOf(req->page_size(), req->page_token());
        // Before the first page is read: every change after it is in the feed.
        resp->set_change_token(
            changes::ListChangeToken(changes_, req->parent(), req->page_token()));
        query.name_query = req->name_query();
        query.client_number_query = req->client_number_query();
        query.client_type = req->client_type();
        query.status = req->status();
        query.show_inactive = req->show_inactive();
        query.order_by = req->order_by();
        CB_ASSIGN_OR_RETURN(const google::protobuf::FieldMask read_mask,
                            ClientReadMask(req->read_mask()));
        query.names_and_numbers_only = AsksNamesAndNumbersOnly(read_mask);
        CB_ASSIGN_OR_RETURN(Page<ClientRecord> page,
                            directory_.listing.ListClients(caller, query));
        for (const ClientRecord& c : page.items)
          ToProto(c, read_mask, *resp->add_clients());
        resp->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DirectoryService::DeactivateClient(
    grpc::CallbackServerContext* ctx, const v1::DeactivateClientRequest* req,
    v1::Client* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ClientName ref,
                            names::ClientName::Parse("name", req->name()));
        return server::Respond(
            directory_.clients.SetClientStatus(caller, ref, v1::ClientStatus::INACTIVE,
                                               req->etag(), req->request_id()),
            resp, kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::ReactivateClient(
    grpc::CallbackServerContext* ctx, const v1::ReactivateClientRequest* req,
    v1::Client* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ClientName ref,
                            names::ClientName::Parse("name", req->name()));
        return server::Respond(
            directory_.clients.SetClientStatus(caller, ref, v1::ClientStatus::ACTIVE,
                                               req->etag(), req->request_id()),
            resp, kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::DeleteClient(
    grpc::CallbackServerContext* ctx, const v1::DeleteClientRequest* req,
    google::protobuf::Empty* resp) {
  // Asks billing first.
  return frame_.AsksPeers(
      ctx, req, resp, [this, req](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ClientName ref,
                            names::ClientName::Parse("name", req->name()));
        return directory_.clients.DeleteClient(caller, ref, req->etag());
      });
}

grpc::ServerUnaryReactor* DirectoryService::ChangeClientPrimaryAdmin(
    grpc::CallbackServerContext* ctx, const v1::ChangeClientPrimaryAdminRequest* req,
    v1::Client* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ClientName ref,
                            names::ClientName::Parse("name", req->name()));
        return server::Respond(directory_.clients.ChangeClientPrimaryAdmin(
                                   caller, ref, req->new_primary_admin_user_id(),
                                   req->etag(), req->request_id()),
                               resp, kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::BatchUpdateClientNumbers(
    grpc::CallbackServerContext* ctx, const v1::BatchUpdateClientNumbersRequest* req,
    v1::BatchUpdateClientNumbersResponse* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        std::vector<ClientNumberUpdate> updates;
        std::vector<errors::FieldViolation> violations;
        for (int i = 0; i < req->requests_size(); ++i) {
          const auto& entry = req->requests(i);
          absl::StatusOr<names::ClientName> ref = names::ClientName::Parse(
              absl::StrCat("requests[", i, "].client"), entry.client());
          if (!ref.ok() || ref->firm_id != firm.firm_id) {
            violations.push_back(
                {absl::StrCat("requests[", i, "].client"),
                 absl::StrCat("'", entry.client(), "' is not a client name of ",
                              req->parent())});
            continue;
          }
          updates.push_back({ref->company_id, entry.client_number(), entry.etag()});
        }
        if (!violations.empty()) return errors::InvalidArgument(violations);
        CB_ASSIGN_OR_RETURN(const google::protobuf::FieldMask read_mask,
                            ClientReadMask(req->read_mask()));
        CB_ASSIGN_OR_RETURN(ClientNumberBatch batch,
                            directory_.numbers.BatchUpdateClientNumbers(
                                caller, firm, updates, req->validate_only(),
                                req->request_id(), AnswerBytes(read_mask)));
        for (const ClientRecord& c : batch.clients) {
          ToProto(c, read_mask, *resp->add_clients());
        }
        for (int i = 0; i < req->requests_size(); ++i) {
          const ClientNumberVerdict& verdict = batch.verdicts[i];
          v1::ClientNumberResult* result = resp->add_results();
          result->set_client(req->requests(i).client());
          result->set_refusal(verdict.refusal);
          result->set_field(verdict.field);
          result->set_description(verdict.description);
          result->set_changed(verdict.changed);
        }
        resp->set_replayed(batch.replayed);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DirectoryService::BatchGetClients(
    grpc::CallbackServerContext* ctx, const v1::BatchGetClientsRequest* req,
    v1::BatchGetClientsResponse* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        std::vector<uint64_t> ids;
        for (int i = 0; i < req->names_size(); ++i) {
          absl::StatusOr<names::ClientName> ref =
              names::ClientName::Parse(absl::StrCat("names[", i, "]"), req->names(i));
          if (ref.ok() && ref->firm_id == firm.firm_id) {
            ids.push_back(ref->company_id);
          } else {
            resp->add_missing(req->names(i));
          }
        }
        CB_ASSIGN_OR_RETURN(const google::protobuf::FieldMask read_mask,
                            ClientReadMask(req->read_mask()));
        CB_ASSIGN_OR_RETURN(std::vector<ClientRecord> found,
                            directory_.clients.BatchGetClients(caller, firm, ids,
                                                               AnswerBytes(read_mask)));
        absl::flat_hash_set<uint64_t> present;
        for (const ClientRecord& c : found) {
          present.insert(c.company_id());
          ToProto(c, read_mask, *resp->add_clients());
        }
        for (uint64_t id : ids) {
          if (!present.contains(id))
            resp->add_missing(names::ClientName{firm.firm_id, id}.ToString());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DirectoryService::GetClientListView(
    grpc::CallbackServerContext* ctx, const v1::GetClientListViewRequest* req,
    v1::ClientListView* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ClientListViewName ref,
                            names::ClientListViewName::Parse("name", req->name()));
        CB_ASSIGN_OR_RETURN(ListViewRecord view,
                            directory_.listing.GetListView(caller, ref));
        *resp = ToProto(ref.firm_id, ref.user_id, view);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DirectoryService::UpdateClientListView(
    grpc::CallbackServerContext* ctx, const v1::UpdateClientListViewRequest* req,
    v1::ClientListView* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(names::ClientListViewName ref,
                            names::ClientListViewName::Parse(
                                "client_list_view.name", req->client_list_view().name()));
        const auto& columns = req->client_list_view().columns();
        CB_ASSIGN_OR_RETURN(
            ListViewRecord view,
            directory_.listing.UpdateListView(
                caller, ref, std::vector<std::string>(columns.begin(), columns.end()),
                req->client_list_view().etag(), req->request_id()));
        *resp = ToProto(ref.firm_id, ref.user_id, view);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DirectoryService::CreateInvitation(
    grpc::CallbackServerContext* ctx, const v1::CreateInvitationRequest* req,
    v1::Invitation* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        return server::Respond(
            directory_.invitations.CreateInvitation(
                caller, DraftFromProto(req->invitation()), req->request_id()),
            resp, kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::ListInvitations(
    grpc::CallbackServerContext* ctx, const v1::ListInvitationsRequest* req,
    v1::ListInvitationsResponse* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(Page<InvitationRecord> page,
                            directory_.invitations.ListInvitations(
                                caller, req->invitee_email(),
                                PageOf(req->page_size(), req->page_token())));
        for (const InvitationRecord& inv : page.items) {
          *resp->add_invitations() = ToProto(inv);
        }
        resp->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DirectoryService::AcceptInvitation(
    grpc::CallbackServerContext* ctx, const v1::AcceptInvitationRequest* req,
    v1::Invitation* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const invitations::AcceptRequest ask,
                            invitations::ParseAccept(*req));
        CB_ASSIGN_OR_RETURN(auto accepted, directory_.invitations.AcceptInvitation(
                                               caller, ask.token, ask.firm_id));
        *resp = ToProto(accepted.first);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DirectoryService::DeclineInvitation(
    grpc::CallbackServerContext* ctx, const v1::DeclineInvitationRequest* req,
    v1::Invitation* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        if (req->token().empty()) return errors::InvalidField("token", "is required");
        return server::Respond(
            directory_.invitations.DeclineInvitation(caller, req->token()), resp,
            kToProto);
      });
}

grpc::ServerUnaryReactor* DirectoryService::ConnectInvitedClient(
    grpc::CallbackServerContext* ctx, const v1::ConnectInvitedClientRequest* req,
    v1::Client* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, ctx, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(
            const std::optional<auth::Caller> go_between,
            auth::AuthenticateGoBetween(frame_.authenticator(), ctx->client_metadata()));
        // The invitation's facts (its company, its inviter as the client's
        // primary admin) are accounts' word, never the invitee's.
        if (!go_between.has_value() || !go_between->HasRole(changes::kPlatformRole)) {
          return errors::RoleRequired(
              changes::kPlatformRole,
              "invited clients are connected by the accounts service, which keeps the "
              "invitations: call AcceptInvitation through the front door");
        }
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        CB_ASSIGN_OR_RETURN(const InvitationRecord invitation,
                            InvitedFromProto(req->invitation()));
        return server::Respond(directory_.invitations.ConnectInvitedClient(
                                   caller, firm, invitation, req->request_id()),
                               resp, kToProto);
      });
}

}  // namespace clientbook::directory
