// Rules every service shares about what a request may say: request ids,
// resource names, enum values, CSV separators, update masks.
#include <set>

#include "absl/strings/match.h"
#include "clientbook/v1/backup.pb.h"
#include "clientbook/v1/billing.pb.h"
#include "clientbook/v1/directory.pb.h"
#include "clientbook/v1/import.pb.h"
#include "clientbook/v1/workspace.pb.h"
#include "common/csv/csv.h"
#include "common/names/resource_name.h"
#include "common/requests/request_id.h"
#include "common/server/request_checks.h"
#include "common/server/update_mask.h"
#include "common/status/errors.h"
#include "gmock/gmock.h"
#include "google/api/field_behavior.pb.h"
#include "google/api/resource.pb.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientbook {
namespace {

// The contracts' files: every service and resource of the API.
std::vector<const google::protobuf::FileDescriptor*> ContractFiles() {
  return {v1::CreateFirmRequest::descriptor()->file(),
          v1::CreateNoteRequest::descriptor()->file(),
          v1::SubscribeClientRequest::descriptor()->file(),
          v1::StartImportRequest::descriptor()->file(),
          v1::CreateBackupRequest::descriptor()->file()};
}

// The methods of the contracts' services whose names start with `prefix`
// ("": all of them).
std::vector<const google::protobuf::MethodDescriptor*> ContractMethodsStartingWith(
    absl::string_view prefix) {
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  for (const google::protobuf::FileDescriptor* file : ContractFiles()) {
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        if (absl::StartsWith(service->method(m)->name(), prefix)) {
          methods.push_back(service->method(m));
        }
      }
    }
  }
  return methods;
}

// The contracts' resources (messages with a google.api.resource).
std::vector<const google::protobuf::Descriptor*> ContractResources() {
  std::vector<const google::protobuf::Descriptor*> resources;
  for (const google::protobuf::FileDescriptor* file : ContractFiles()) {
    for (int m = 0; m < file->message_type_count(); ++m) {
      if (file->message_type(m)->options().HasExtension(google::api::resource)) {
        resources.push_back(file->message_type(m));
      }
    }
  }
  return resources;
}

bool TakesARequestId(const google::protobuf::MethodDescriptor& method) {
  const google::protobuf::FieldDescriptor* request_id =
      method.input_type()->FindFieldByName("request_id");
  return request_id != nullptr &&
         request_id->type() == google::protobuf::FieldDescriptor::TYPE_STRING;
}

using ::clientbook::testing::IsOk;
using ::clientbook::testing::IsOkAndHolds;
using ::clientbook::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

TEST(RequestIdRulesTest, OptionalPrintableAsciiOfAtMost128BytesWithoutSlash) {
  EXPECT_FALSE(requests::Check("").has_value());
  EXPECT_FALSE(requests::Check(std::string(128, 'a')).has_value());
  EXPECT_TRUE(requests::Check(std::string(129, 'a')).has_value());
  EXPECT_TRUE(requests::Check("a b").has_value());
  EXPECT_TRUE(requests::Check("a/b").has_value());
  EXPECT_TRUE(requests::Check("caf\xC3\xA9").has_value());
}

TEST(RequestIdRulesTest, FingerprintsAreStableAndTellRequestsApart) {
  const std::string a = requests::Fingerprint("CreateClient", "firms/1", "body");
  EXPECT_EQ(a, requests::Fingerprint("CreateClient", "firms/1", "body"));
  EXPECT_NE(a, requests::Fingerprint("CreateClient", "firms/1", "other body"));
  EXPECT_NE(a, requests::Fingerprint("CreateClient", "firms/2", "body"));
  // Stored on disk, so it must not change between builds: FNV-1a of "body".
  EXPECT_EQ(a, "CreateClient|firms/1|cd4de79bc6c93295");
  EXPECT_THAT(requests::CheckSameRequest(a, a), IsOk());
  EXPECT_THAT(requests::CheckSameRequest(a, "x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ResourceNameTest, EachIdHasOneSpelling) {
  EXPECT_EQ(*names::MatchIds("name", "firms/1001/clients/1003", "firms/*/clients/*"),
            (std::vector<uint64_t>{1001, 1003}));
  for (const char* name :
       {"firms/ 1001", "firms/1001 ", "firms/01001", "firms/+1001", "firms/0",
        "firms/1e3", "firms/99999999999999999999", "firms//1001", "firms/1001/"}) {
    EXPECT_THAT(names::MatchIds("name", name, "firms/*"),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << name;
  }
  EXPECT_EQ(*names::MatchIds("name", "firms/18446744073709551615", "firms/*"),
            (std::vector<uint64_t>{18446744073709551615ULL}));
}

TEST(KnownEnumsTest, UnknownNumbersAreNamedAtAnyDepth) {
  v1::ExportClientsRequest export_request;
  export_request.set_header_language(static_cast<v1::HeaderLanguage>(9));
  absl::Status s = server::CheckKnownEnums(export_request);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(errors::FieldViolationsOf(s),
              ElementsAre(Field(&errors::FieldViolation::field, "header_language")));

  v1::SubscribeClientRequest subscribe;
  subscribe.mutable_subscription()->add_products(static_cast<v1::Product>(1));
  subscribe.mutable_subscription()->add_products(static_cast<v1::Product>(77));
  EXPECT_THAT(
      errors::FieldViolationsOf(server::CheckKnownEnums(subscribe)),
      ElementsAre(Field(&errors::FieldViolation::field, "subscription.products[1]")));

  v1::ListSubscriptionsRequest list;
  list.set_plan(static_cast<v1::Plan>(1));
  EXPECT_THAT(server::CheckKnownEnums(list), IsOk());
  list.set_trial_state(static_cast<v1::TrialState>(-3));
  EXPECT_THAT(server::CheckKnownEnums(list).message(), HasSubstr("trial_state"));
}

TEST(CsvSeparatorTest, TheHeaderLineDecides) {
  EXPECT_EQ(csv::DetectSeparator("a,b,c\n1;2;3;4;5\n"), ',');
  EXPECT_EQ(csv::DetectSeparator("\xEF\xBB\xBF\r\na;b;c\n"), ';');
  EXPECT_EQ(csv::DetectSeparator("a\tb\tc\n"), '\t');
  EXPECT_EQ(csv::DetectSeparator("\"a;b;c\",d\n"), ',');
  EXPECT_EQ(csv::DetectSeparator("single\n"), ',');
  EXPECT_EQ(csv::DetectSeparator(""), ',');
}

// The contract says, machine-readably, what every name field names.
// AIP-134: the paths sent; none, the updatable fields the resource sets
// (output-only ones it carries from a read ignored); "*" alone, every one.
// AIP-203: a mask's output-only paths are ignored.
TEST(UpdateMaskTest, AnOmittedMaskIsTheFieldsSetAndAStarIsEveryField) {
  constexpr std::array<absl::string_view, 3> kUpdatable = {"display_name", "email",
                                                           "products"};
  v1::Client client;
  client.set_name("firms/1001/clients/1002");
  client.set_etag("r3");
  client.set_status(v1::ACTIVE);
  client.set_display_name("Rossi SRL");
  client.add_products("Payroll");
  google::protobuf::FieldMask mask;
  EXPECT_THAT(server::UpdatePaths(mask, client, kUpdatable),
              IsOkAndHolds(ElementsAre("display_name", "products")));
  mask.add_paths("*");
  EXPECT_THAT(server::UpdatePaths(mask, client, kUpdatable),
              IsOkAndHolds(ElementsAre("display_name", "email", "products")));
  mask.add_paths("email");
  EXPECT_THAT(server::UpdatePaths(mask, client, kUpdatable),
              StatusIs(absl::StatusCode::kInvalidArgument, "'*'"));
  mask.clear_paths();
  for (const char* path : {"email", "status", "name", "etag", "update_time", "notes"}) {
    mask.add_paths(path);
  }
  EXPECT_THAT(server::UpdatePaths(mask, client, kUpdatable),
              IsOkAndHolds(ElementsAre("email", "notes")))
      << "output-only paths ignored (AIP-203); the rest are the method's to refuse";
  mask.clear_paths();
  mask.add_paths("update_time");
  EXPECT_THAT(server::UpdatePaths(mask, client, kUpdatable),
              IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(
      server::UpdatePaths(google::protobuf::FieldMask(), v1::Client(), kUpdatable),
      StatusIs(absl::StatusCode::kInvalidArgument, "name at least one field"));

  v1::Note note;
  note.set_client("firms/1001/clients/1002");
  note.set_kind(v1::Note::CALL);
  note.set_text("Telefonata");
  note.set_author("firms/1001/members/alice");
  constexpr std::array<absl::string_view, 1> kText = {"text"};
  EXPECT_THAT(server::UpdatePaths(google::protobuf::FieldMask(), note, kText),
              IsOkAndHolds(ElementsAre("client", "kind", "text")))
      << "IMMUTABLE fields a resource sets are the method's to see unchanged";
}

// AIP-203: every field of a resource says how it behaves, so an update can
// tell the output-only and immutable ones from those it changes.
TEST(ApiContractTest, EveryFieldOfEveryResourceHasAFieldBehavior) {
  for (const google::protobuf::Descriptor* message :
       {v1::Firm::descriptor(), v1::FirmMember::descriptor(), v1::Client::descriptor(),
        v1::ClientListView::descriptor(), v1::Invitation::descriptor(),
        v1::Note::descriptor(), v1::Todo::descriptor(), v1::Subscription::descriptor(),
        v1::BillingTransfer::descriptor(), v1::ImportJob::descriptor(),
        v1::Backup::descriptor()}) {
    for (int i = 0; i < message->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* field = message->field(i);
      EXPECT_GT(field->options().GetRepeatedExtension(google::api::field_behavior).size(),
                0)
          << field->full_name();
    }
  }
}

TEST(ApiContractTest, EveryRequestNameAndParentReferencesAResource) {
  int checked = 0;
  for (const char* service_name :
       {"clientbook.v1.DirectoryService", "clientbook.v1.BillingService",
        "clientbook.v1.BillingOperatorService", "clientbook.v1.ImportService"}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service_name);
    ASSERT_NE(service, nullptr) << service_name;
    for (int m = 0; m < service->method_count(); ++m) {
      const google::protobuf::Descriptor* request = service->method(m)->input_type();
      for (const char* field_name : {"name", "parent"}) {
        const google::protobuf::FieldDescriptor* field =
            request->FindFieldByName(field_name);
        if (field == nullptr) continue;
        const google::api::ResourceReference& reference =
            field->options().GetExtension(google::api::resource_reference);
        EXPECT_FALSE(reference.type().empty() && reference.child_type().empty())
            << request->full_name() << "." << field_name << " names no resource type";
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 30);
}

// AIP-155: every method that changes something takes a request id, so a
// caller whose answer was lost retries it: a create makes no second
// resource, a change is not ABORTED by the etag its own first call moved,
// an add is not ALREADY_EXISTS. Left out: reads; deletes, whose retry is
// NOT_FOUND (AIP-135), and undeletes, ALREADY_EXISTS (AIP-164); an
// invitation's answer, which its token names once; the operator's trial
// sweep, which records each trial once whoever runs it.
TEST(ApiContractTest, EveryChangeTakesARequestId) {
  int checked = 0;
  for (const google::protobuf::MethodDescriptor* method :
       ContractMethodsStartingWith("")) {
    const std::string& name = method->name();
    if (absl::StartsWith(name, "Get") || absl::StartsWith(name, "List") ||
        absl::StartsWith(name, "BatchGet") || absl::StartsWith(name, "Find") ||
        absl::StartsWith(name, "Watch") || absl::StartsWith(name, "Export") ||
        absl::StartsWith(name, "Download") || absl::StartsWith(name, "Verify") ||
        absl::StartsWith(name, "Delete") || absl::StartsWith(name, "Undelete") ||
        name == "AcceptInvitation" || name == "DeclineInvitation" ||
        name == "SweepExpiredTrials") {
      continue;
    }
    EXPECT_TRUE(TakesARequestId(*method)) << method->full_name();
    ++checked;
  }
  EXPECT_EQ(checked, 32);
}

// AIP-154: every resource that changes carries an etag, so a caller can
// change it only as read. A backup never changes once made.
TEST(ApiContractTest, EveryResourceThatChangesHasAnEtag) {
  int checked = 0;
  for (const google::protobuf::Descriptor* resource : ContractResources()) {
    if (resource == v1::Backup::descriptor()) continue;
    const google::protobuf::FieldDescriptor* etag = resource->FindFieldByName("etag");
    EXPECT_TRUE(etag != nullptr &&
                etag->type() == google::protobuf::FieldDescriptor::TYPE_STRING)
        << resource->full_name();
    ++checked;
  }
  EXPECT_EQ(checked, 10);
}

// AIP-154: a method that changes the resource it names takes that
// resource's etag, so that a caller changes it only as read (an Update*
// takes it inside the resource it sends).
TEST(ApiContractTest, EveryChangeOfANamedResourceTakesItsEtag) {
  std::set<std::string> with_etag;
  for (const google::protobuf::Descriptor* resource : ContractResources()) {
    if (resource->FindFieldByName("etag") != nullptr) {
      with_etag.insert(resource->options().GetExtension(google::api::resource).type());
    }
  }
  int checked = 0;
  for (const google::protobuf::MethodDescriptor* method :
       ContractMethodsStartingWith("")) {
    if (absl::StartsWith(method->name(), "Get") ||
        absl::StartsWith(method->name(), "Watch") ||
        absl::StartsWith(method->name(), "Download") ||
        absl::StartsWith(method->name(), "Export")) {
      continue;
    }
    const google::protobuf::FieldDescriptor* name =
        method->input_type()->FindFieldByName("name");
    if (name == nullptr ||
        !with_etag.contains(
            name->options().GetExtension(google::api::resource_reference).type())) {
      continue;
    }
    EXPECT_NE(method->input_type()->FindFieldByName("etag"), nullptr)
        << method->full_name();
    ++checked;
  }
  EXPECT_EQ(checked, 16);
}

TEST(ApiContractTest, EveryResourceHasAPatternAndAnIdentifier) {
  for (const google::protobuf::Descriptor* message :
       {v1::Firm::descriptor(), v1::FirmMember::descriptor(), v1::Client::descriptor(),
        v1::ClientListView::descriptor(), v1::Invitation::descriptor()}) {
    const google::api::ResourceDescriptor& resource =
        message->options().GetExtension(google::api::resource);
    EXPECT_FALSE(resource.pattern().empty()) << message->full_name();
    const google::protobuf::FieldDescriptor* name = message->FindFieldByName("name");
    ASSERT_NE(name, nullptr);
    const auto& behavior =
        name->options().GetRepeatedExtension(google::api::field_behavior);
    EXPECT_THAT(std::vector<int>(behavior.begin(), behavior.end()),
                ::testing::Contains(google::api::IDENTIFIER))
        << message->full_name();
  }
}

}  // namespace
}  // namespace clientbook
