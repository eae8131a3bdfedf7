#include "services/directory/api/workspace_service.h"

#include "common/changes/change_token.h"
#include "common/names/names.h"
#include "common/server/respond.h"
#include "common/server/update_mask.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "services/directory/api/convert.h"
#include "services/directory/api/workspace_convert.h"

namespace clientbook::directory {
namespace {

constexpr auto kToProto = [](const auto& record) { return ToProto(record); };
constexpr auto kIntoProto = [](const auto& record, auto& out) { ToProto(record, out); };

}  // namespace

grpc::ServerUnaryReactor* WorkspaceService::CreateNote(grpc::CallbackServerContext* ctx,
                                                       const v1::CreateNoteRequest* req,
                                                       v1::Note* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        CB_ASSIGN_OR_RETURN(
            uint64_t client,
            ClientOfFirm("note.client", req->note().client(), firm.firm_id));
        CB_ASSIGN_OR_RETURN(NoteRecord draft, FromProto(req->note(), client));
        return server::Respond(
            directory_.notes.CreateNote(caller, firm, draft, req->request_id()), resp,
            kToProto);
      });
}

grpc::ServerUnaryReactor* WorkspaceService::GetNote(grpc::CallbackServerContext* ctx,
                                                    const v1::GetNoteRequest* req,
                                                    v1::Note* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::NoteName ref,
                            names::NoteName::Parse("name", req->name()));
        return server::Respond(directory_.notes.GetNote(caller, ref), resp, kToProto);
      });
}

grpc::ServerUnaryReactor* WorkspaceService::ListNotes(grpc::CallbackServerContext* ctx,
                                                      const v1::ListNotesRequest* req,
                                                      v1::ListNotesResponse* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        NoteQuery query{
            .firm_id = firm.firm_id,
            .kind = req->kind(),
            .query = req->query(),
            .show_deleted = req->show_deleted(),
            .page = {.page_size = req->page_size(), .page_token = req->page_token()}};
        resp->set_change_token(
            changes::ListChangeToken(changes_, req->parent(), req->page_token()));
        if (!req->client().empty()) {
          CB_ASSIGN_OR_RETURN(query.company_id,
                              ClientOfFirm("client", req->client(), firm.firm_id));
        }
        CB_ASSIGN_OR_RETURN(query.author,
                            OptionalMemberUserId("author", req->author(), firm.firm_id));
        return server::RespondPage(
            directory_.notes.ListNotes(caller, query), resp,
            [](auto& out) { return out.add_notes(); }, kIntoProto);
      });
}

grpc::ServerUnaryReactor* WorkspaceService::UpdateNote(grpc::CallbackServerContext* ctx,
                                                       const v1::UpdateNoteRequest* req,
                                                       v1::Note* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::NoteName ref,
                            names::NoteName::Parse("note.name", req->note().name()));
        CB_ASSIGN_OR_RETURN(
            const uint64_t client,
            ClientNamed("note.client", req->note().client(), ref.firm_id));
        CB_ASSIGN_OR_RETURN(NoteRecord patch, FromProto(req->note(), client));
        CB_ASSIGN_OR_RETURN(
            std::vector<std::string> paths,
            server::UpdatePaths(req->update_mask(), req->note(), kUpdatableNoteFields));
        return server::Respond(
            directory_.notes.UpdateNote(caller, ref, patch, paths, req->note().etag(),
                                        req->request_id()),
            resp, kToProto);
      });
}

grpc::ServerUnaryReactor* WorkspaceService::DeleteNote(grpc::CallbackServerContext* ctx,
                                                       const v1::DeleteNoteRequest* req,
                                                       v1::Note* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::NoteName ref,
                            names::NoteName::Parse("name", req->name()));
        return server::Respond(directory_.notes.DeleteNote(caller, ref, req->etag()),
                               resp, kToProto);
      });
}

grpc::ServerUnaryReactor* WorkspaceService::UndeleteNote(
    grpc::CallbackServerContext* ctx, const v1::UndeleteNoteRequest* req,
    v1::Note* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::NoteName ref,
                            names::NoteName::Parse("name", req->name()));
        return server::Respond(directory_.notes.UndeleteNote(caller, ref, req->etag()),
                               resp, kToProto);
      });
}

grpc::ServerUnaryReactor* WorkspaceService::CreateTodo(grpc::CallbackServerContext* ctx,
                                                       const v1::CreateTodoRequest* req,
                                                       v1::Todo* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        CB_ASSIGN_OR_RETURN(
            uint64_t client,
            ClientOfFirm("todo.client", req->todo().client(), firm.firm_id));
        CB_ASSIGN_OR_RETURN(
            std::string assignee,
            OptionalMemberUserId("todo.assignee", req->todo().assignee(), firm.firm_id));
        CB_ASSIGN_OR_RETURN(TodoRecord draft,
                            FromProto(req->todo(), client, std::move(assignee)));
        return server::Respond(
            directory_.todos.CreateTodo(caller, firm, draft, req->request_id()), resp,
            kToProto);
      });
}

grpc::ServerUnaryReactor* WorkspaceService::GetTodo(grpc::CallbackServerContext* ctx,
                                                    const v1::GetTodoRequest* req,
                                                    v1::Todo* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::TodoName ref,
                            names::TodoName::Parse("name", req->name()));
        return server::Respond(directory_.todos.GetTodo(caller, ref), resp, kToProto);
      });
}

grpc::ServerUnaryReactor* WorkspaceService::UpdateTodo(grpc::CallbackServerContext* ctx,
                                                       const v1::UpdateTodoRequest* req,
                                                       v1::Todo* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::TodoName ref,
                            names::TodoName::Parse("todo.name", req->todo().name()));
        CB_ASSIGN_OR_RETURN(
            std::string assignee,
            OptionalMemberUserId("todo.assignee", req->todo().assignee(), ref.firm_id));
        CB_ASSIGN_OR_RETURN(
            const uint64_t client,
            ClientNamed("todo.client", req->todo().client(), ref.firm_id));
        CB_ASSIGN_OR_RETURN(TodoRecord patch,
                            FromProto(req->todo(), client, std::move(assignee)));
        CB_ASSIGN_OR_RETURN(
            std::vector<std::string> paths,
            server::UpdatePaths(req->update_mask(), req->todo(), kUpdatableTodoFields));
        return server::Respond(
            directory_.todos.UpdateTodo(caller, ref, patch, paths, req->todo().etag(),
                                        req->request_id()),
            resp, kToProto);
      });
}

grpc::ServerUnaryReactor* WorkspaceService::ListTodos(grpc::CallbackServerContext* ctx,
                                                      const v1::ListTodosRequest* req,
                                                      v1::ListTodosResponse* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::FirmName firm,
                            names::FirmName::Parse("parent", req->parent()));
        TodoQuery query{
            .firm_id = firm.firm_id,
            .state = req->state(),
            .open_only = req->open_only(),
            .page = {.page_size = req->page_size(), .page_token = req->page_token()}};
        resp->set_change_token(
            changes::ListChangeToken(changes_, req->parent(), req->page_token()));
        if (!req->client().empty()) {
          CB_ASSIGN_OR_RETURN(query.company_id,
                              ClientOfFirm("client", req->client(), firm.firm_id));
        }
        CB_ASSIGN_OR_RETURN(
            query.assignee,
            OptionalMemberUserId("assignee", req->assignee(), firm.firm_id));
        CB_ASSIGN_OR_RETURN(query.due_from,
                            DayOf("due_on_or_after", req->due_on_or_after()));
        CB_ASSIGN_OR_RETURN(query.due_to,
                            DayOf("due_on_or_before", req->due_on_or_before()));
        return server::RespondPage(
            directory_.todos.ListTodos(caller, query), resp,
            [](auto& out) { return out.add_todos(); }, kIntoProto);
      });
}

grpc::ServerUnaryReactor* WorkspaceService::GetClientWorkSummary(
    grpc::CallbackServerContext* ctx, const v1::GetClientWorkSummaryRequest* req,
    v1::ClientWorkSummary* resp) {
  return frame_.Unary(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const names::ClientName ref,
                            names::ClientName::Parse("client", req->client()));
        CB_ASSIGN_OR_RETURN(WorkSummary summary,
                            directory_.todos.GetClientWorkSummary(caller, ref));
        resp->set_client(req->client());
        resp->set_open_todos(summary.open);
        resp->set_overdue_todos(summary.overdue);
        resp->set_done_this_month(summary.done_this_month);
        resp->set_time_zone(summary.time_zone);
        return absl::OkStatus();
      });
}

}  // namespace clientbook::directory
