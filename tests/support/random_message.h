#ifndef CLIENTBOOK_TESTS_SUPPORT_RANDOM_MESSAGE_H_
#define CLIENTBOOK_TESTS_SUPPORT_RANDOM_MESSAGE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "google/api/resource.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"

namespace clientbook::testing {

// Well-formed messages of any type, from its descriptor, holding what a
// careless or hostile caller sends: numbers at and past every edge, enum
// numbers no contract defines, strings empty, blank, one past a limit,
// 100 KB long, holding NUL or accents, resource names of the caller's own
// firm (`names`) and of no firm, timestamps outside their range, field
// masks naming anything, repeated fields of 1,001 entries. A message is
// plausible throughout, plausible but for about one value in ten, or
// hostile throughout, so that checks past the first are reached too. The
// same seed makes the same messages.
class RandomMessages {
 public:
  RandomMessages(uint64_t seed, std::vector<std::string> names)
      : rng_(seed), names_(std::move(names)) {}

  void Fill(google::protobuf::Message& message) {
    hostile_percent_ = Pick<int>({0, 10, 100});
    FillAt(message, 0, false);
  }

 private:
  using FieldDescriptor = google::protobuf::FieldDescriptor;

  template <typename T>
  T Pick(const std::vector<T>& values) {
    return values[std::uniform_int_distribution<size_t>(0, values.size() - 1)(rng_)];
  }
  bool Chance(int percent) {
    return std::uniform_int_distribution<int>(0, 99)(rng_) < percent;
  }
  bool Hostile() { return Chance(hostile_percent_); }

  // The pattern of the resource type `type` ("clientbook.example/Client")
  // names, from the contract message that declares it, found in `file`'s
  // pool; "" if none does.
  static std::string PatternOfType(const google::protobuf::FileDescriptor& file,
                                   const std::string& type) {
    const google::protobuf::DescriptorPool& pool = *file.pool();
    for (const char* name :
         {"clientbook/v1/directory.proto", "clientbook/v1/billing.proto",
          "clientbook/v1/import.proto", "clientbook/v1/workspace.proto",
          "clientbook/v1/backup.proto"}) {
      const google::protobuf::FileDescriptor* declaring = pool.FindFileByName(name);
      for (int i = 0; declaring != nullptr && i < declaring->message_type_count(); ++i) {
        const auto& resource =
            declaring->message_type(i)->options().GetExtension(google::api::resource);
        if (resource.type() == type && resource.pattern_size() > 0) {
          return resource.pattern(0);
        }
      }
    }
    return "";
  }

  // The pattern of the names `field` holds, from the contract's
  // annotations ("firms/{firm}/clients/{client}"); "" when it names none.
  static std::string PatternOf(const FieldDescriptor& field) {
    const auto& reference = field.options().GetExtension(google::api::resource_reference);
    if (!reference.type().empty()) return PatternOfType(*field.file(), reference.type());
    if (!reference.child_type().empty()) {
      std::string child = PatternOfType(*field.file(), reference.child_type());
      // The parent of firms/{firm}/members/{member} is firms/{firm}.
      for (int cut = 0; cut < 2 && !child.empty(); ++cut) {
        const size_t slash = child.rfind('/');
        child = slash == std::string::npos ? "" : child.substr(0, slash);
      }
      return child;
    }
    const auto& own =
        field.containing_type()->options().GetExtension(google::api::resource);
    return field.name() == "name" && own.pattern_size() > 0 ? own.pattern(0) : "";
  }

  // A name of `names_` that `pattern` matches, else any of them.
  std::string NameLike(const std::string& pattern) {
    const std::vector<absl::string_view> want = absl::StrSplit(pattern, '/');
    std::vector<std::string> fitting;
    for (const std::string& name : names_) {
      const std::vector<absl::string_view> have = absl::StrSplit(name, '/');
      bool fits = have.size() == want.size();
      for (size_t i = 0; fits && i < have.size(); ++i) {
        fits = absl::StartsWith(want[i], "{") || want[i] == have[i];
      }
      if (fits) fitting.push_back(name);
    }
    return Pick(fitting.empty() ? names_ : fitting);
  }

  std::string String(const FieldDescriptor& field, bool bulk) {
    const std::string pattern = PatternOf(field);
    if (!Hostile()) {
      if (!pattern.empty() && !names_.empty()) return NameLike(pattern);
      // Tokens, etags, filters and request ids are left out unless hostile.
      for (const char* opaque : {"token", "etag", "filter", "order_by", "request_id"}) {
        if (absl::EndsWith(field.name(), opaque)) return "";
      }
      return Pick<std::string>(
          {"Studio Rossi", "x", "bruno", "alice@studio.example", "1003", "Via Roma 1"});
    }
    if (!names_.empty() && Chance(30)) return Pick(names_);
    std::vector<std::string> values = {
        "",
        " ",
        std::string(2, '\0'),
        "Società Müller ✓",
        "firms/-",
        "firms/0",
        "firms/007",
        "firms/18446744073709551616",
        "firms/999999999999999/clients/1",
        "invitations/1",
        "*",
        "%s%n{}",
        "type = DELETED",
        "commit_time >= \"infinite-future\"",
        "display_name desc",
        std::string(101, 'a'),
        std::string(201, 'b'),
        "\xF0\x9F\x98\x80",
    };
    if (!bulk) values.push_back(std::string(100 * 1024 + 1, 'c'));
    return Pick(values);
  }

  int64_t Integer(int64_t min, int64_t max) {
    if (!Hostile()) {
      return std::clamp<int64_t>(Pick<int64_t>({0, 1, 2, 10, 50}), min, max);
    }
    const int64_t v = Chance(20)
                          ? std::uniform_int_distribution<int64_t>(min, max)(rng_)
                          : Pick<int64_t>({-1, 49, 51, 1000, 1001, 100000, min, max});
    return std::clamp(v, min, max);
  }

  // Timestamps and durations in and out of their range; field masks naming
  // fields of many messages, none, every one or no field.
  void FillWellKnown(google::protobuf::Message& message) {
    const auto* type = message.GetDescriptor();
    const auto* reflection = message.GetReflection();
    if (type->full_name() != "google.protobuf.FieldMask") {
      reflection->SetInt64(&message, type->FindFieldByName("seconds"),
                           Hostile()
                               ? Pick<int64_t>({-1, -62'135'596'801, 253'402'300'800,
                                                INT64_MAX, INT64_MIN})
                               : Pick<int64_t>({0, 3600, 1'800'000'000}));
      reflection->SetInt32(&message, type->FindFieldByName("nanos"),
                           Hostile() ? Pick<int32_t>({-1, 1'000'000'000}) : 0);
      return;
    }
    for (int n = Pick<int>({0, 1, 2}); n > 0; --n) {
      reflection->AddString(
          &message, type->FindFieldByName("paths"),
          Hostile() ? Pick<std::string>({"*", "", "no_such_field", "client.display_name",
                                         "a..b", std::string(300, 'p')})
                    : Pick<std::string>({"display_name", "client_number", "state",
                                         "products", "due_time", "text"}));
    }
  }

  void FillAt(google::protobuf::Message& message, int depth, bool bulk) {
    const auto* type = message.GetDescriptor();
    if (type->full_name() == "google.protobuf.Timestamp" ||
        type->full_name() == "google.protobuf.Duration" ||
        type->full_name() == "google.protobuf.FieldMask") {
      FillWellKnown(message);
      return;
    }
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor& field = *type->field(i);
      if (Chance(25)) continue;
      if (!field.is_repeated()) {
        SetOne(message, field, depth, bulk);
        continue;
      }
      const int entries = !bulk && Hostile() && Chance(20) ? 1001 : Pick<int>({0, 1, 2});
      for (int n = 0; n < entries; ++n) {
        SetOne(message, field, depth, bulk || entries > 2);
      }
    }
  }

  void SetOne(google::protobuf::Message& message, const FieldDescriptor& field, int depth,
              bool bulk) {
    const auto* r = message.GetReflection();
    const bool add = field.is_repeated();
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: {
        const auto v = static_cast<int32_t>(Integer(INT32_MIN, INT32_MAX));
        add ? r->AddInt32(&message, &field, v) : r->SetInt32(&message, &field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        const int64_t v = Integer(INT64_MIN, INT64_MAX);
        add ? r->AddInt64(&message, &field, v) : r->SetInt64(&message, &field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        const auto v = static_cast<uint32_t>(Integer(0, UINT32_MAX));
        add ? r->AddUInt32(&message, &field, v) : r->SetUInt32(&message, &field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        const uint64_t v = Hostile() && Chance(10)
                               ? UINT64_MAX
                               : static_cast<uint64_t>(Integer(0, INT64_MAX));
        add ? r->AddUInt64(&message, &field, v) : r->SetUInt64(&message, &field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        const double v = Hostile() ? Pick<double>({-1, 1e308, -INFINITY, NAN})
                                   : Pick<double>({0, 0.5});
        if (field.cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
          add ? r->AddFloat(&message, &field, static_cast<float>(v))
              : r->SetFloat(&message, &field, static_cast<float>(v));
        } else {
          add ? r->AddDouble(&message, &field, v) : r->SetDouble(&message, &field, v);
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        const bool v = Chance(50);
        add ? r->AddBool(&message, &field, v) : r->SetBool(&message, &field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* values = field.enum_type();
        const int v = Hostile() ? Pick<int>({-1, 99, INT32_MAX})
                                : values
                                      ->value(std::uniform_int_distribution<int>(
                                          0, values->value_count() - 1)(rng_))
                                      ->number();
        add ? r->AddEnumValue(&message, &field, v) : r->SetEnumValue(&message, &field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string v = String(field, bulk);
        add ? r->AddString(&message, &field, std::move(v))
            : r->SetString(&message, &field, std::move(v));
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        if (depth >= 3) break;
        google::protobuf::Message* child =
            add ? r->AddMessage(&message, &field) : r->MutableMessage(&message, &field);
        FillAt(*child, depth + 1, bulk);
        break;
      }
    }
  }

  std::mt19937_64 rng_;
  std::vector<std::string> names_;
  int hostile_percent_ = 0;
};

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_RANDOM_MESSAGE_H_
