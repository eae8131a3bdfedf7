#include "common/changes/change_event.h"

#include <set>

#include "common/changes/change_service.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"

namespace clientbook::changes {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;

// The message a Resource holds (null when it holds none).
const Message* Held(const v1::Resource& resource) {
  const FieldDescriptor* field = resource.GetReflection()->GetOneofFieldDescriptor(
      resource, v1::Resource::descriptor()->oneof_decl(0));
  if (field == nullptr) return nullptr;
  return &resource.GetReflection()->GetMessage(resource, field);
}

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
  void ReportDeleted(const Message&, const Message&,
                     const std::vector<MessageDifferencer::SpecificField>& path) override {
    Add(path);
  }
  void ReportModified(const Message&, const Message&,
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

absl::Status ToChangeEvent(const ChangeRecord& record, const ChangeReaders& readers,
                           v1::ChangeEvent& event) {
  event.set_sequence(record.sequence());
  // A resource a snapshot found (EXISTS) has a state, not a commit.
  if (record.commit_time_us() != 0) {
    *event.mutable_commit_time() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(record.commit_time_us());
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
  event.mutable_actor_roles()->CopyFrom(record.actor_roles());
  if (!record.after().empty()) {
    if (absl::Status s = readers.ToResource(record, record.after(), *event.mutable_resource());
        !s.ok()) {
      return s;
    }
  }
  if (!record.before().empty()) {
    if (absl::Status s = readers.ToResource(record, record.before(), *event.mutable_prior());
        !s.ok()) {
      return s;
    }
  }
  const Message* after = Held(event.resource());
  const Message* before = Held(event.prior());
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
