// A field's JSON value made by reflection is what protobuf's JSON printer
// writes and its parser reads back, field by field, for every resource the
// audit shows, filled with every kind of value (and left empty), and for
// the types JSON maps by hand.
#include "common/changes/json_value.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "clientbook/v1/changes.pb.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientbook::changes {
namespace {

using ::clientbook::testing::ValueOrFail;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::Value;

// The value the printer and parser give `field`, null where it is not
// printed: what the audit made before.
Value ByJson(const Message& message, const FieldDescriptor& field) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json, options).ok());
  google::protobuf::Struct fields;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &fields).ok()) << json;
  auto it = fields.fields().find(field.name());
  if (it != fields.fields().end()) return it->second;
  Value null;
  null.set_null_value(google::protobuf::NULL_VALUE);
  return null;
}

// Sets every field of `message` (one member of each oneof, chosen by
// `variant`), down to `depth` messages deep: repeated fields and maps get
// two entries; variant 1 puts NaN, infinities and enum values this build
// does not know where they fit.
void Fill(Message& message, int variant, int depth) {
  const Descriptor& type = *message.GetDescriptor();
  const Reflection& r = *message.GetReflection();
  if (type.full_name() == "google.protobuf.Timestamp") {
    r.SetInt64(&message, type.FindFieldByName("seconds"), 1'790'000'000 + variant);
    r.SetInt32(&message, type.FindFieldByName("nanos"), variant == 1 ? 5 : 123'000'000);
    return;
  }
  if (type.full_name() == "google.protobuf.Duration") {
    r.SetInt64(&message, type.FindFieldByName("seconds"), variant == 1 ? -90 : 90);
    r.SetInt32(&message, type.FindFieldByName("nanos"),
               variant == 1 ? -500 : 500'000'000);
    return;
  }
  if (type.full_name() == "google.protobuf.Any") {
    google::protobuf::Duration packed;
    packed.set_seconds(7);
    r.SetString(&message, type.FindFieldByName("type_url"),
                "type.googleapis.com/google.protobuf.Duration");
    r.SetString(&message, type.FindFieldByName("value"), packed.SerializeAsString());
    return;
  }
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& field = *type.field(i);
    if (field.containing_oneof() != nullptr &&
        field.index_in_oneof() != variant % field.containing_oneof()->field_count()) {
      continue;
    }
    const int count = field.is_repeated() ? 2 : 1;
    for (int n = 0; n < count; ++n) {
      const bool add = field.is_repeated();
      switch (field.cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          add ? r.AddInt32(&message, &field, -7 - n)
              : r.SetInt32(&message, &field, -7 - variant);
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          add ? r.AddUInt32(&message, &field, 7 + n)
              : r.SetUInt32(&message, &field, 7 + variant);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          add ? r.AddInt64(&message, &field, -(int64_t{1} << 60) - n)
              : r.SetInt64(&message, &field, (int64_t{1} << 53) + 1 + variant);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          add ? r.AddUInt64(&message, &field, (uint64_t{1} << 63) + 5 + n)
              : r.SetUInt64(&message, &field, (uint64_t{1} << 63) + 5 + variant);
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE: {
          const double number =
              variant == 1 ? (n == 0 ? std::nan("") : -HUGE_VAL) : 0.1 + n;
          add ? r.AddDouble(&message, &field, number)
              : r.SetDouble(&message, &field, number);
          break;
        }
        case FieldDescriptor::CPPTYPE_FLOAT: {
          const float number = variant == 1 ? HUGE_VALF : 0.1f + static_cast<float>(n);
          add ? r.AddFloat(&message, &field, number)
              : r.SetFloat(&message, &field, number);
          break;
        }
        case FieldDescriptor::CPPTYPE_BOOL:
          add ? r.AddBool(&message, &field, n == 0)
              : r.SetBool(&message, &field, variant % 2 == 0);
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto& values = *field.enum_type();
          const bool open =
              field.file()->syntax() == google::protobuf::FileDescriptor::SYNTAX_PROTO3;
          const int number = variant == 1 && open
                                 ? 99
                                 : values.value(values.value_count() - 1)->number();
          add ? r.AddEnumValue(&message, &field, number)
              : r.SetEnumValue(&message, &field, number);
          break;
        }
        case FieldDescriptor::CPPTYPE_STRING: {
          const std::string text = field.type() == FieldDescriptor::TYPE_BYTES
                                       ? std::string("\0\xff\x01", 3)
                                       : absl::StrCat("Müller \"", variant, n, "\"");
          add ? r.AddString(&message, &field, text) : r.SetString(&message, &field, text);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE: {
          if (depth == 0) break;
          Message* sub =
              add ? r.AddMessage(&message, &field) : r.MutableMessage(&message, &field);
          Fill(*sub, variant + n, depth - 1);
          break;
        }
      }
    }
  }
}

void ExpectSameAsJson(const Message& message) {
  const Descriptor& type = *message.GetDescriptor();
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& field = *type.field(i);
    SCOPED_TRACE(absl::StrCat(type.full_name(), ".", field.name()));
    const Value made = ValueOrFail(JsonValueOf(message, field));
    const Value expected = ByJson(message, field);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(made, expected))
        << "made: " << made.ShortDebugString()
        << "\nprinted: " << expected.ShortDebugString();
  }
}

TEST(JsonValueTest, EveryResourceFieldIsWhatTheJsonPrinterWrites) {
  const Descriptor& resource = *v1::Resource::descriptor();
  for (int i = 0; i < resource.field_count(); ++i) {
    const Message& prototype =
        v1::Resource::default_instance().GetReflection()->GetMessage(
            v1::Resource::default_instance(), resource.field(i));
    for (int variant = 0; variant < 3; ++variant) {
      std::unique_ptr<Message> filled(prototype.New());
      Fill(*filled, variant, 3);
      ExpectSameAsJson(*filled);
    }
    ExpectSameAsJson(prototype);
  }
}

// A message of every kind of field no resource has yet, in a pool of its
// own over the generated one.
constexpr char kEveryKind[] = R"pb(
  name: "every_kind.proto"
  package: "test"
  syntax: "proto3"
  dependency: [
    "google/protobuf/wrappers.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/field_mask.proto",
    "google/protobuf/empty.proto"
  ]
  message_type {
    name: "EveryKind"
    field {
      name: "wrapped"
      number: 1
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Int64Value"
    }
    field {
      name: "object"
      number: 2
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Struct"
    }
    field {
      name: "value"
      number: 3
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Value"
    }
    field {
      name: "list"
      number: 4
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.ListValue"
    }
    field {
      name: "mask"
      number: 5
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.FieldMask"
    }
    field {
      name: "empty"
      number: 6
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Empty"
    }
    field {
      name: "by_number"
      number: 7
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".test.EveryKind.ByNumberEntry"
    }
    field {
      name: "by_flag"
      number: 8
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".test.EveryKind.ByFlagEntry"
    }
    field { name: "ratio" number: 9 type: TYPE_FLOAT }
    field { name: "ratios" number: 10 label: LABEL_REPEATED type: TYPE_DOUBLE }
    field {
      name: "maybe"
      number: 11
      type: TYPE_INT32
      proto3_optional: true
      oneof_index: 0
    }
    field {
      name: "flags"
      number: 12
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.BoolValue"
    }
    oneof_decl { name: "_maybe" }
    nested_type {
      name: "ByNumberEntry"
      options { map_entry: true }
      field { name: "key" number: 1 type: TYPE_SINT64 }
      field { name: "value" number: 2 type: TYPE_BYTES }
    }
    nested_type {
      name: "ByFlagEntry"
      options { map_entry: true }
      field { name: "key" number: 1 type: TYPE_BOOL }
      field {
        name: "value"
        number: 2
        type: TYPE_MESSAGE
        type_name: ".google.protobuf.Value"
      }
    }
  }
)pb";

TEST(JsonValueTest, TypesJsonMapsByHandAreWhatThePrinterWrites) {
  google::rpc::Status status;
  status.set_code(8);
  google::rpc::ErrorInfo info;
  info.set_reason("FIRM_OVER_CAPACITY");
  (*info.mutable_metadata())["firm"] = "firms/1";
  status.add_details()->PackFrom(info);
  status.add_details()->set_type_url("type.googleapis.com/no.such.Type");
  ExpectSameAsJson(status);

  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kEveryKind, &file));
  google::protobuf::DescriptorPool pool(
      google::protobuf::DescriptorPool::generated_pool());
  ASSERT_NE(pool.BuildFile(file), nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);
  const Message& prototype =
      *factory.GetPrototype(pool.FindMessageTypeByName("test.EveryKind"));
  for (int variant = 0; variant < 3; ++variant) {
    std::unique_ptr<Message> filled(prototype.New());
    Fill(*filled, variant, 3);
    ExpectSameAsJson(*filled);
  }
  ExpectSameAsJson(prototype);
}

// A Timestamp and a Duration of a pool of their own (not the generated
// types'): read by reflection, as the printer reads them.
TEST(JsonValueTest, TimesOfAnotherPoolAreWhatThePrinterWrites) {
  google::protobuf::DescriptorPool pool;
  for (const google::protobuf::FileDescriptor* file :
       {google::protobuf::Timestamp::descriptor()->file(),
        google::protobuf::Duration::descriptor()->file()}) {
    google::protobuf::FileDescriptorProto copy;
    file->CopyTo(&copy);
    ASSERT_NE(pool.BuildFile(copy), nullptr);
  }
  google::protobuf::FileDescriptorProto times;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "times.proto"
        package: "test"
        syntax: "proto3"
        dependency: [
          "google/protobuf/timestamp.proto",
          "google/protobuf/duration.proto"
        ]
        message_type {
          name: "Times"
          field {
            name: "at"
            number: 1
            type: TYPE_MESSAGE
            type_name: ".google.protobuf.Timestamp"
          }
          field {
            name: "took"
            number: 2
            type: TYPE_MESSAGE
            type_name: ".google.protobuf.Duration"
          }
        }
      )pb",
      &times));
  ASSERT_NE(pool.BuildFile(times), nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<Message> filled(
      factory.GetPrototype(pool.FindMessageTypeByName("test.Times"))->New());
  Fill(*filled, 0, 3);
  ExpectSameAsJson(*filled);
}

TEST(JsonValueTest, TimesOutOfRangeAreWhatThePrinterMakesOfThem) {
  v1::Client client;
  client.mutable_create_time()->set_seconds(253'402'300'800);  // year 10000
  std::string json;
  ASSERT_FALSE(google::protobuf::util::MessageToJsonString(client, &json).ok());
  EXPECT_FALSE(
      JsonValueOf(client, *client.GetDescriptor()->FindFieldByName("create_time")).ok());
  v1::Note note;
  note.mutable_call_duration()->set_seconds(60);
  note.mutable_call_duration()->set_nanos(-1);  // signs differ: printed, its own way
  ExpectSameAsJson(note);
}

}  // namespace
}  // namespace clientbook::changes
