#ifndef CLIENTBOOK_SERVICES_DIRECTORY_API_WORKSPACE_CONVERT_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_API_WORKSPACE_CONVERT_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clientbook/v1/workspace.pb.h"
#include "services/directory/domain/records.pb.h"

// Notes and to-dos: stored records -> public messages, and back.
namespace clientbook::directory {

v1::Note ToProto(const NoteRecord& note);
v1::Todo ToProto(const TodoRecord& todo);
// The same written into `out`, on `out`'s arena (a page's, ArenaMessages).
void ToProto(const NoteRecord& note, v1::Note& out);
void ToProto(const TodoRecord& todo, v1::Todo& out);

// The caller-settable fields of a note (the client is the caller's to
// parse); INVALID_ARGUMENT for a call time or duration out of range.
absl::StatusOr<NoteRecord> FromProto(const v1::Note& note, uint64_t company_id);

// The caller-settable fields of a to-do, its assignee given as a user id;
// INVALID_ARGUMENT for a due date that is no day.
absl::StatusOr<TodoRecord> FromProto(const v1::Todo& todo, uint64_t company_id,
                                     std::string assignee_user_id);

// A day (all zero: none) as a day number, named `field` in errors.
absl::StatusOr<std::optional<int32_t>> DayOf(absl::string_view field,
                                             const v1::Date& date);

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_API_WORKSPACE_CONVERT_H_
