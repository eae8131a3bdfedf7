#include "common/changes/json_value.h"

#include <cmath>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/stubs/strutil.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace clientbook::changes {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::Value;
using google::protobuf::util::TimeUtil;

constexpr int32_t kNanosPerSecond = 1'000'000'000;

absl::Status MessageValue(const Message& message, Value& out);

// Whether the printer writes `field` at all: a field with presence only
// when it is set.
bool Printed(const Message& message, const FieldDescriptor& field) {
  return field.is_repeated() || !field.has_presence() ||
         message.GetReflection()->HasField(message, &field);
}

// JSON has no NaN or infinity: the printer writes them as strings.
void SetNumber(double number, Value& out) {
  if (std::isnan(number)) {
    out.set_string_value("NaN");
  } else if (std::isinf(number)) {
    out.set_string_value(number > 0 ? "Infinity" : "-Infinity");
  } else {
    out.set_number_value(number);
  }
}

// A singular field's value, or element `index` of a repeated one.
absl::Status ElementValue(const Message& message, const FieldDescriptor& field, int index,
                          Value& out) {
  const Reflection& r = *message.GetReflection();
  const bool one = !field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      out.set_number_value(one ? r.GetInt32(message, &field)
                               : r.GetRepeatedInt32(message, &field, index));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      out.set_number_value(one ? r.GetUInt32(message, &field)
                               : r.GetRepeatedUInt32(message, &field, index));
      break;
    // 64-bit integers are strings in JSON: a double would round them.
    case FieldDescriptor::CPPTYPE_INT64:
      out.set_string_value(
          absl::StrCat(one ? r.GetInt64(message, &field)
                           : r.GetRepeatedInt64(message, &field, index)));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      out.set_string_value(
          absl::StrCat(one ? r.GetUInt64(message, &field)
                           : r.GetRepeatedUInt64(message, &field, index)));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      SetNumber(one ? r.GetDouble(message, &field)
                    : r.GetRepeatedDouble(message, &field, index),
                out);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT: {
      // Printed with a float's digits, then read back as a double.
      const float number =
          one ? r.GetFloat(message, &field) : r.GetRepeatedFloat(message, &field, index);
      SetNumber(std::isfinite(number)
                    ? std::strtod(google::protobuf::SimpleFtoa(number).c_str(), nullptr)
                    : number,
                out);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      out.set_bool_value(one ? r.GetBool(message, &field)
                             : r.GetRepeatedBool(message, &field, index));
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      if (field.enum_type()->full_name() == "google.protobuf.NullValue") {
        out.set_null_value(google::protobuf::NULL_VALUE);
        break;
      }
      const int number = one ? r.GetEnumValue(message, &field)
                             : r.GetRepeatedEnumValue(message, &field, index);
      // A value this build does not know is printed as its number.
      if (const auto* known = field.enum_type()->FindValueByNumber(number)) {
        out.set_string_value(known->name());
      } else {
        out.set_number_value(number);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string text = one ? r.GetString(message, &field)
                             : r.GetRepeatedString(message, &field, index);
      out.set_string_value(field.type() == FieldDescriptor::TYPE_BYTES
                               ? absl::Base64Escape(text)
                               : std::move(text));
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageValue(one ? r.GetMessage(message, &field)
                              : r.GetRepeatedMessage(message, &field, index),
                          out);
  }
  return absl::OkStatus();
}

// A printed field's value: a list for a repeated field, an object for a
// map (its keys as strings).
absl::Status FieldValue(const Message& message, const FieldDescriptor& field,
                        Value& out) {
  if (!field.is_repeated()) return ElementValue(message, field, -1, out);
  const Reflection& r = *message.GetReflection();
  const int size = r.FieldSize(message, &field);
  if (field.is_map()) {
    google::protobuf::Struct& entries = *out.mutable_struct_value();
    for (int i = 0; i < size; ++i) {
      const Message& entry = r.GetRepeatedMessage(message, &field, i);
      Value key;
      if (absl::Status s = ElementValue(entry, *field.message_type()->map_key(), -1, key);
          !s.ok()) {
        return s;
      }
      std::string name = key.has_bool_value() ? (key.bool_value() ? "true" : "false")
                         : key.has_number_value()
                             ? absl::StrCat(static_cast<int64_t>(key.number_value()))
                             : key.string_value();
      if (absl::Status s = ElementValue(entry, *field.message_type()->map_value(), -1,
                                        (*entries.mutable_fields())[name]);
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }
  google::protobuf::ListValue& list = *out.mutable_list_value();
  for (int i = 0; i < size; ++i) {
    if (absl::Status s = ElementValue(message, field, i, *list.add_values()); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// The types JSON maps other than as an object of their fields, beyond
// those above: Any, Struct, Value, ListValue, FieldMask and the wrappers
// (Int32Value …).
bool MappedByHand(absl::string_view type) {
  return type == "google.protobuf.Any" || type == "google.protobuf.Struct" ||
         type == "google.protobuf.FieldMask" ||
         (absl::StartsWith(type, "google.protobuf.") && absl::EndsWith(type, "Value"));
}

// The printer's own mapping, and its price: for the types none of our
// resources holds, and for times out of their range (which it refuses).
absl::Status PrintedValue(const Message& message, Value& out) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  auto printed = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (printed.ok()) printed = google::protobuf::util::JsonStringToMessage(json, &out);
  if (!printed.ok()) return absl::InternalError(std::string(printed.message()));
  return absl::OkStatus();
}

// The seconds and nanos a Timestamp or a Duration holds (fields 1 and 2 of
// both), read by reflection: CopyFrom aborts on a message whose descriptor
// is another pool's.
template <typename Time>
Time SecondsAndNanos(const Message& message) {
  const Reflection& r = *message.GetReflection();
  const google::protobuf::Descriptor& type = *message.GetDescriptor();
  Time time;
  time.set_seconds(r.GetInt64(message, type.FindFieldByNumber(1)));
  time.set_nanos(r.GetInt32(message, type.FindFieldByNumber(2)));
  return time;
}

absl::Status MessageValue(const Message& message, Value& out) {
  const std::string& type = message.GetDescriptor()->full_name();
  // A time in range is written as TimeUtil writes it; one out of range goes
  // to the printer, which refuses a timestamp and writes a duration whose
  // seconds and nanos differ in sign its own way.
  if (type == "google.protobuf.Timestamp") {
    const auto time = SecondsAndNanos<google::protobuf::Timestamp>(message);
    if (time.seconds() < TimeUtil::kTimestampMinSeconds ||
        time.seconds() > TimeUtil::kTimestampMaxSeconds || time.nanos() < 0 ||
        time.nanos() >= kNanosPerSecond) {
      return PrintedValue(message, out);
    }
    out.set_string_value(TimeUtil::ToString(time));
    return absl::OkStatus();
  }
  if (type == "google.protobuf.Duration") {
    const auto duration = SecondsAndNanos<google::protobuf::Duration>(message);
    if (duration.seconds() < TimeUtil::kDurationMinSeconds ||
        duration.seconds() > TimeUtil::kDurationMaxSeconds ||
        std::abs(duration.nanos()) >= kNanosPerSecond ||
        (duration.seconds() < 0 && duration.nanos() > 0) ||
        (duration.seconds() > 0 && duration.nanos() < 0)) {
      return PrintedValue(message, out);
    }
    out.set_string_value(TimeUtil::ToString(duration));
    return absl::OkStatus();
  }
  if (MappedByHand(type)) return PrintedValue(message, out);
  google::protobuf::Struct& fields = *out.mutable_struct_value();
  const google::protobuf::Descriptor& descriptor = *message.GetDescriptor();
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const FieldDescriptor& field = *descriptor.field(i);
    if (!Printed(message, field)) continue;
    if (absl::Status s =
            FieldValue(message, field, (*fields.mutable_fields())[field.name()]);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Value> JsonValueOf(const Message& message, const FieldDescriptor& field) {
  Value value;
  if (!Printed(message, field)) {
    value.set_null_value(google::protobuf::NULL_VALUE);
    return value;
  }
  if (absl::Status s = FieldValue(message, field, value); !s.ok()) return s;
  return value;
}

}  // namespace clientbook::changes
