#ifndef CLIENTBOOK_SERVICES_DIRECTORY_API_WORKSPACE_SERVICE_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_API_WORKSPACE_SERVICE_H_

#include "clientbook/v1/workspace.grpc.pb.h"
#include "common/changes/change_log.h"
#include "common/server/arena_messages.h"
#include "common/server/frame.h"
#include "services/directory/domain/directory.h"

namespace clientbook::directory {

// clientbook.v1.WorkspaceService (notes, to-dos, work summaries) over gRPC's
// callback API, served by the directory next to the clients they are about:
// reads on gRPC's threads, writes on the frame's blocking pool. No rules live here.
class WorkspaceService final : public v1::WorkspaceService::CallbackService {
 public:
  WorkspaceService(Directory& directory, server::Frame& frame,
                   const changes::ChangeLog& changes)
      : directory_(directory), frame_(frame), changes_(changes) {
    SetMessageAllocatorFor_ListNotes(&list_notes_messages_);
    SetMessageAllocatorFor_ListTodos(&list_todos_messages_);
  }

  grpc::ServerUnaryReactor* CreateNote(grpc::CallbackServerContext* ctx,
                                       const v1::CreateNoteRequest* req,
                                       v1::Note* resp) override;
  grpc::ServerUnaryReactor* GetNote(grpc::CallbackServerContext* ctx,
                                    const v1::GetNoteRequest* req,
                                    v1::Note* resp) override;
  grpc::ServerUnaryReactor* ListNotes(grpc::CallbackServerContext* ctx,
                                      const v1::ListNotesRequest* req,
                                      v1::ListNotesResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateNote(grpc::CallbackServerContext* ctx,
                                       const v1::UpdateNoteRequest* req,
                                       v1::Note* resp) override;
  grpc::ServerUnaryReactor* DeleteNote(grpc::CallbackServerContext* ctx,
                                       const v1::DeleteNoteRequest* req,
                                       v1::Note* resp) override;
  grpc::ServerUnaryReactor* UndeleteNote(grpc::CallbackServerContext* ctx,
                                         const v1::UndeleteNoteRequest* req,
                                         v1::Note* resp) override;
  grpc::ServerUnaryReactor* CreateTodo(grpc::CallbackServerContext* ctx,
                                       const v1::CreateTodoRequest* req,
                                       v1::Todo* resp) override;
  grpc::ServerUnaryReactor* GetTodo(grpc::CallbackServerContext* ctx,
                                    const v1::GetTodoRequest* req,
                                    v1::Todo* resp) override;
  grpc::ServerUnaryReactor* UpdateTodo(grpc::CallbackServerContext* ctx,
                                       const v1::UpdateTodoRequest* req,
                                       v1::Todo* resp) override;
  grpc::ServerUnaryReactor* ListTodos(grpc::CallbackServerContext* ctx,
                                      const v1::ListTodosRequest* req,
                                      v1::ListTodosResponse* resp) override;
  grpc::ServerUnaryReactor* GetClientWorkSummary(
      grpc::CallbackServerContext* ctx, const v1::GetClientWorkSummaryRequest* req,
      v1::ClientWorkSummary* resp) override;

 private:
  Directory& directory_;
  server::Frame& frame_;
  const changes::ChangeLog& changes_;
  // Pages of up to 1,000, each written in place on the call's arena.
  server::ArenaMessages<v1::ListNotesRequest, v1::ListNotesResponse> list_notes_messages_;
  server::ArenaMessages<v1::ListTodosRequest, v1::ListTodosResponse> list_todos_messages_;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_API_WORKSPACE_SERVICE_H_
