#include "services/directory/api/workspace_convert.h"

#include "common/names/names.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"
#include "services/directory/domain/notes.h"
#include "services/directory/domain/rules.h"
#include "services/directory/domain/todos.h"

namespace clientbook::directory {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp Timestamp(int64_t micros) {
  return TimeUtil::MicrosecondsToTimestamp(micros);
}

v1::Date DateOfDay(int32_t number) {
  const absl::CivilDay day = DayOfNumber(number);
  v1::Date out;
  out.set_year(static_cast<int32_t>(day.year()));
  out.set_month(day.month());
  out.set_day(day.day());
  return out;
}

}  // namespace

v1::Note ToProto(const NoteRecord& note) {
  v1::Note out;
  ToProto(note, out);
  return out;
}

void ToProto(const NoteRecord& note, v1::Note& out) {
  out.set_name(names::NoteName{note.firm_id(), note.id()}.ToString());
  out.set_client(names::ClientName{note.firm_id(), note.company_id()}.ToString());
  out.set_kind(note.kind());
  out.set_text(note.text());
  if (note.kind() == v1::Note::CALL) {
    *out.mutable_call_time() = Timestamp(note.call_time_us());
    *out.mutable_call_duration() =
        TimeUtil::MicrosecondsToDuration(note.call_duration_us());
    out.set_contact(note.contact());
  }
  out.set_author(names::MemberName{note.firm_id(), note.author_user_id()}.ToString());
  *out.mutable_create_time() = Timestamp(note.create_time_us());
  *out.mutable_update_time() = Timestamp(note.update_time_us());
  if (note.delete_time_us() != 0) {
    *out.mutable_delete_time() = Timestamp(note.delete_time_us());
    *out.mutable_purge_time() = Timestamp(Notes::PurgeTimeOf(note));
  }
  out.set_etag(EtagOf(note));
}

v1::Todo ToProto(const TodoRecord& todo) {
  v1::Todo out;
  ToProto(todo, out);
  return out;
}

void ToProto(const TodoRecord& todo, v1::Todo& out) {
  out.set_name(names::TodoName{todo.firm_id(), todo.id()}.ToString());
  out.set_client(names::ClientName{todo.firm_id(), todo.company_id()}.ToString());
  out.set_title(todo.title());
  out.set_description(todo.description());
  out.set_assignee(names::MemberName{todo.firm_id(), todo.assignee_user_id()}.ToString());
  if (todo.has_due_date()) *out.mutable_due_date() = DateOfDay(todo.due_day());
  out.set_state(todo.state());
  out.set_progress(todo.progress());
  if (todo.complete_time_us() != 0) {
    *out.mutable_complete_time() = Timestamp(todo.complete_time_us());
  }
  for (int64_t reopened : todo.reopen_time_us()) {
    *out.add_reopen_times() = Timestamp(reopened);
  }
  out.set_reopen_count(ReopenCount(todo));
  *out.mutable_create_time() = Timestamp(todo.create_time_us());
  *out.mutable_update_time() = Timestamp(todo.update_time_us());
  out.set_etag(EtagOf(todo));
}

absl::StatusOr<NoteRecord> FromProto(const v1::Note& note, uint64_t company_id) {
  NoteRecord out;
  out.set_company_id(company_id);
  out.set_kind(note.kind());
  out.set_text(note.text());
  if (note.has_call_time()) {
    const google::protobuf::Timestamp& t = note.call_time();
    if (t.seconds() < TimeUtil::kTimestampMinSeconds ||
        t.seconds() > TimeUtil::kTimestampMaxSeconds || t.nanos() < 0 ||
        t.nanos() > 999'999'999) {
      return errors::InvalidField("note.call_time", "is not a valid timestamp");
    }
    out.set_call_time_us(TimeUtil::TimestampToMicroseconds(t));
  }
  if (note.has_call_duration()) {
    const google::protobuf::Duration& d = note.call_duration();
    if (d.seconds() < TimeUtil::kDurationMinSeconds ||
        d.seconds() > TimeUtil::kDurationMaxSeconds || d.nanos() < -999'999'999 ||
        d.nanos() > 999'999'999) {
      return errors::InvalidField("note.call_duration", "is not a valid duration");
    }
    out.set_call_duration_us(TimeUtil::DurationToMicroseconds(d));
  }
  out.set_contact(note.contact());
  return out;
}

absl::StatusOr<std::optional<int32_t>> DayOf(absl::string_view field,
                                             const v1::Date& date) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) return std::nullopt;
  std::optional<int32_t> day = DayNumber(date.year(), date.month(), date.day());
  if (!day.has_value()) {
    return errors::InvalidField(field, "is not a calendar day (years 1 to 9999)");
  }
  return day;
}

absl::StatusOr<TodoRecord> FromProto(const v1::Todo& todo, uint64_t company_id,
                                     std::string assignee_user_id) {
  TodoRecord out;
  out.set_company_id(company_id);
  out.set_title(todo.title());
  out.set_description(todo.description());
  out.set_assignee_user_id(std::move(assignee_user_id));
  absl::StatusOr<std::optional<int32_t>> due = DayOf("todo.due_date", todo.due_date());
  if (!due.ok()) return due.status();
  out.set_has_due_date(due->has_value());
  out.set_due_day(due->value_or(0));
  out.set_state(todo.state());
  out.set_progress(todo.progress());
  return out;
}

}  // namespace clientbook::directory
