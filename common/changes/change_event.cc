#include "common/changes/change_event.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/changes/change_service.h"
#include "common/changes/json_value.h"
#include "common/status/macros.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"

namespace clientbook::changes {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;

Message* MutableHeld(v1::Resource& resource) {
  const FieldDescriptor* field = resource.GetReflection()->GetOneofFieldDescriptor(
      resource, v1::Resource::descriptor()->oneof_decl(0));
  return resource.GetReflection()->MutableMessage(&resource, field);
}

// Collects the top-level fields in which two messages differ.
class TopLevelFields final : public MessageDifferencer::Reporter {
 public:
  void ReportAdded(const Message&, const Message&,
                   const std::vector<MessageDifferencer::SpecificField>& path) override {
    Add(path);
  }
  void ReportDeleted(
      const Message&, const Message&,
      const std::vector<MessageDifferencer::SpecificField>& path) override {
    Add(path);
  }
  void ReportModified(
      const Message&, const Message&,
      const std::vector<MessageDifferencer::SpecificField>& path) override {
    Add(path);
  }
  std::set<const FieldDescriptor*> fields;

 private:
  void Add(const std::vector<MessageDifferencer::SpecificField>& path) {
    if (!path.empty() && path.front().field != nullptr) fields.insert(path.front().field);
  }
};

// The etag field of a resource message, if it has one.
std::string EtagOf(const Message& message) {
  const FieldDescriptor* etag = message.GetDescriptor()->FindFieldByName("etag");
  if (etag == nullptr || etag->type() != FieldDescriptor::TYPE_STRING) return "";
  return message.GetReflection()->GetString(message, etag);
}

}  // namespace

const Message* HeldMessage(const v1::Resource& resource) {
  const FieldDescriptor* field = resource.GetReflection()->GetOneofFieldDescriptor(
      resource, v1::Resource::descriptor()->oneof_decl(0));
  if (field == nullptr) return nullptr;
  return &resource.GetReflection()->GetMessage(resource, field);
}

absl::Status ToAuditEntry(const ChangeRecord& record, const ChangeReaders& readers,
                          v1::AuditEntry& entry) {
  v1::ChangeEvent& event = *entry.mutable_change();
  if (absl::Status s = ToChangeEvent(record, readers, event); !s.ok()) return s;
  entry.set_actor_email(record.actor_email());
  entry.set_rows_read(record.rows_read());
  entry.set_read_filter(record.read_filter());
  const Message* after = HeldMessage(event.resource());
  if (after == nullptr) return absl::OkStatus();  // gone: `prior` is its last state
  const Message* before = HeldMessage(event.prior());
  if (before == nullptr) {
    // A creation: every field it set, from nothing.
    std::vector<const FieldDescriptor*> set;
    after->GetReflection()->ListFields(*after, &set);
    for (const FieldDescriptor* field : set) {
      if (field->name() == "etag") continue;
      v1::FieldChange& change = *entry.add_field_changes();
      change.set_path(field->name());
      change.mutable_before()->set_null_value(google::protobuf::NULL_VALUE);
      CB_ASSIGN_OR_RETURN(*change.mutable_after(), JsonValueOf(*after, *field));
    }
    return absl::OkStatus();
  }
  // The paths are top-level fields of the resource (ToChangeEvent).
  for (const std::string& path : event.changed_fields().paths()) {
    const FieldDescriptor* field = after->GetDescriptor()->FindFieldByName(path);
    if (field == nullptr || before->GetDescriptor() != after->GetDescriptor()) {
      return absl::InternalError(
          absl::StrCat(record.name(), ": no field ", path, " in both its states"));
    }
    v1::FieldChange& change = *entry.add_field_changes();
    change.set_path(path);
    CB_ASSIGN_OR_RETURN(*change.mutable_before(), JsonValueOf(*before, *field));
    CB_ASSIGN_OR_RETURN(*change.mutable_after(), JsonValueOf(*after, *field));
  }
  return absl::OkStatus();
}

absl::Status ToChangeEvent(const ChangeRecord& record, const ChangeReaders& readers,
                           v1::ChangeEvent& event) {
  event.set_sequence(record.sequence());
  // A resource a snapshot found (EXISTS) has a state, not a commit.
  if (record.commit_time_us() != 0) {
    *event.mutable_commit_time() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
            record.commit_time_us());
  }
  v1::ChangeEvent::Type type = v1::ChangeEvent::TYPE_UNSPECIFIED;
  v1::ChangeEvent::Type_Parse(record.type(), &type);
  event.set_type(type);
  event.set_resource_type(record.resource_type());
  event.set_name(record.name());
  event.set_actor(record.actor());
  event.set_request_id(record.request_id());
  event.set_source(record.source());
  event.set_merged_into(record.merged_into());
  event.set_method(record.method());
  event.set_via(record.via());
  event.mutable_actor_roles()->CopyFrom(record.actor_roles());
  if (!record.after().empty()) {
    if (absl::Status s =
            readers.ToResource(record, record.after(), *event.mutable_resource());
        !s.ok()) {
      return s;
    }
  }
  if (!record.before().empty()) {
    if (absl::Status s =
            readers.ToResource(record, record.before(), *event.mutable_prior());
        !s.ok()) {
      return s;
    }
  }
  const Message* after = HeldMessage(event.resource());
  const Message* before = HeldMessage(event.prior());
  if (after != nullptr) event.set_etag(EtagOf(*after));
  if (after == nullptr || before == nullptr) return absl::OkStatus();
  // An update: the changed fields, and in `prior` only their values before.
  TopLevelFields changed;
  {
    MessageDifferencer differ;
    differ.ReportDifferencesTo(&changed);
    differ.Compare(*before, *after);
  }
  Message* prior = MutableHeld(*event.mutable_prior());
  std::vector<const FieldDescriptor*> set;
  prior->GetReflection()->ListFields(*prior, &set);
  for (const FieldDescriptor* field : set) {
    if (!changed.fields.contains(field)) prior->GetReflection()->ClearField(prior, field);
  }
  // In the message's field order (the set's is the pointers').
  for (int i = 0; i < after->GetDescriptor()->field_count(); ++i) {
    const FieldDescriptor* field = after->GetDescriptor()->field(i);
    if (changed.fields.contains(field) && field->name() != "etag") {
      event.mutable_changed_fields()->add_paths(field->name());
    }
  }
  return absl::OkStatus();
}

}  // namespace clientbook::changes
