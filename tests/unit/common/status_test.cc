#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/paging/page_token.h"
#include "common/server/status_mapping.h"
#include "common/status/error_budget.h"
#include "common/status/errors.h"
#include "common/text/text.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientbook {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;

TEST(StatusMappingTest, FieldViolationsBecomeBadRequestDetails) {
  absl::Status status = errors::InvalidArgument(
      {{"client.client_number", "too long"}, {"client.email", "not an email"}});
  grpc::Status rpc = ToGrpcStatus(status);
  EXPECT_THAT(rpc, StatusIs(absl::StatusCode::kInvalidArgument));
  const std::vector<errors::FieldViolation> bad =
      errors::FieldViolationsOf(FromGrpcStatus(rpc));
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0].field, "client.client_number");
}

TEST(StatusMappingTest, RoundTripKeepsCodeMessageAndDetails) {
  absl::Status status = errors::WithReason(absl::StatusCode::kFailedPrecondition,
                                           "CLIENT_ON_WHOLESALE_BILLING", "on wholesale");
  absl::Status back = FromGrpcStatus(ToGrpcStatus(status));
  EXPECT_THAT(back, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(back.message(), "on wholesale");
  EXPECT_EQ(errors::ReasonOf(back), "CLIENT_ON_WHOLESALE_BILLING");
}

// AIP-193: exactly one ErrorInfo in every error; one without a reason of
// its own gets its code's.
TEST(StatusMappingTest, EveryErrorCarriesExactlyOneErrorInfo) {
  auto error_infos = [](const grpc::Status& rpc) {
    google::rpc::Status details;
    EXPECT_TRUE(details.ParseFromString(rpc.error_details()));
    std::vector<google::rpc::ErrorInfo> infos;
    for (const auto& any : details.details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info)) infos.push_back(info);
    }
    return infos;
  };
  grpc::Status rpc = ToGrpcStatus(absl::UnavailableError("down"));
  EXPECT_THAT(rpc, StatusIs(absl::StatusCode::kUnavailable, "down"));
  std::vector<google::rpc::ErrorInfo> infos = error_infos(rpc);
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].reason(), "UNAVAILABLE");
  EXPECT_EQ(infos[0].domain(), "clientbook");

  infos = error_infos(ToGrpcStatus(errors::NotFound("firms/1001/notes/7")));
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].reason(), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(infos[0].metadata().at("resource"), "firms/1001/notes/7");
  infos = error_infos(ToGrpcStatus(errors::InvalidField("name", "is required")));
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].reason(), "INVALID_ARGUMENT");
  EXPECT_THAT(ToGrpcStatus(absl::OkStatus()), IsOk());
}

// absl visits a status's payloads in no set order: the same error reached
// callers with its details in either order.
TEST(StatusMappingTest, DetailsComeInOneOrderErrorInfoFirst) {
  auto types = [](const grpc::Status& rpc) {
    google::rpc::Status details;
    EXPECT_TRUE(details.ParseFromString(rpc.error_details()));
    std::vector<std::string> out;
    for (const auto& any : details.details()) out.push_back(any.type_url());
    return out;
  };
  const std::vector<std::string> expected = {
      "type.googleapis.com/google.rpc.ErrorInfo",
      "type.googleapis.com/google.rpc.QuotaFailure",
      "type.googleapis.com/google.rpc.RetryInfo"};
  for (int i = 0; i < 50; ++i) {
    absl::Status status = errors::QuotaExhausted("FIRM_OVER_CAPACITY", "firms/1001",
                                                 "too many calls", absl::Seconds(1));
    ASSERT_EQ(types(ToGrpcStatus(status)), expected);
  }
  absl::Status merged = errors::WithResource(
      errors::WithReason(absl::StatusCode::kNotFound, "CLIENT_MERGED", "merged"),
      "clientbook.v1.Client", "firms/1/clients/2");
  EXPECT_EQ(types(ToGrpcStatus(merged)),
            (std::vector<std::string>{"type.googleapis.com/google.rpc.ErrorInfo",
                                      "type.googleapis.com/google.rpc.ResourceInfo"}));
}

TEST(PageTokenTest, RoundTripsWithinTheSameQuery) {
  std::string token = storage::EncodePageToken("q1", std::string("cur\0sor", 7));
  EXPECT_EQ(*storage::DecodePageToken("q1", token), std::string("cur\0sor", 7));
  EXPECT_EQ(storage::EncodePageToken("q1", ""), "");
  EXPECT_EQ(*storage::DecodePageToken("q1", ""), "");
}

TEST(PageTokenTest, RejectsTokensOfOtherQueriesAndGarbage) {
  std::string token = storage::EncodePageToken("q1", "cursor");
  EXPECT_THAT(storage::DecodePageToken("q2", token),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(storage::DecodePageToken("q1", "%%%"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(storage::DecodePageToken("q1", "AAAA"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// The whole error as gRPC puts it on the wire: grpc-message percent-encoded
// (up to 3 bytes a byte) and the details trailer in base64.
size_t WireBytes(const grpc::Status& rpc) {
  return rpc.error_message().size() * 3 + (rpc.error_details().size() + 2) / 3 * 4;
}

TEST(ErrorBudgetTest, HugeMessagesAndManyViolationsFitUnderTheMetadataLimit) {
  std::vector<errors::FieldViolation> violations;
  for (int i = 0; i < 1000; ++i) {
    violations.push_back(
        {absl::StrCat("requests[", i, "].client_number"), std::string(5000, 'x')});
  }
  grpc::Status rpc =
      ToGrpcStatus(errors::FieldViolations(absl::StatusCode::kAlreadyExists, violations));
  EXPECT_THAT(rpc, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_LT(WireBytes(rpc), 6u * 1024);
  std::printf("1,000 violations of 5,000 bytes each: %zu bytes on the wire at most\n",
              WireBytes(rpc));
  EXPECT_THAT(rpc.error_message(), ::testing::HasSubstr("(and 992 more)"));
  const std::vector<errors::FieldViolation> bad =
      errors::FieldViolationsOf(FromGrpcStatus(rpc));
  ASSERT_EQ(bad.size(), 8u);
  EXPECT_EQ(bad[0].field, "requests[0].client_number");
}

TEST(ErrorBudgetTest, EchoedNamesAreCutOnACharacterBoundary) {
  std::string accented;
  for (int i = 0; i < 5000; ++i) accented += "\xC3\xA0";  // à
  grpc::Status rpc = ToGrpcStatus(errors::AlreadyExists(
      "clientbook.v1.Client", accented, absl::StrCat("'", accented, "' is taken")));
  EXPECT_LT(WireBytes(rpc), 6u * 1024);
  std::printf("a 10,000-byte name echoed twice: %zu bytes on the wire at most\n",
              WireBytes(rpc));
  EXPECT_LE(rpc.error_message().size(), errors::kMaxMessageBytes);
  EXPECT_TRUE(absl::EndsWith(rpc.error_message(), "\xE2\x80\xA6"));
  const std::optional<std::string> holder = errors::ResourceNameOf(FromGrpcStatus(rpc));
  ASSERT_TRUE(holder.has_value());
  EXPECT_TRUE(text::IsValidUtf8(*holder));
  EXPECT_TRUE(text::IsValidUtf8(rpc.error_message()));
}

TEST(ErrorBudgetTest, ErrorInfoMetadataReachesTheCallerWithinItsBudget) {
  std::map<std::string, std::string> metadata = {{"clients", "12"}, {"open_todos", "3"}};
  for (int i = 0; i < 100; ++i) {
    metadata[absl::StrCat("z", i)] = std::string(5000, 'x');
  }
  grpc::Status rpc = ToGrpcStatus(errors::WithReason(
      absl::StatusCode::kFailedPrecondition, "MEMBER_HAS_CLIENTS", "busy", metadata));
  EXPECT_LT(WireBytes(rpc), 6u * 1024);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(rpc.error_details()));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "MEMBER_HAS_CLIENTS");
  EXPECT_EQ(info.metadata_size(), static_cast<int>(errors::kMaxMetadataEntries));
  EXPECT_EQ(info.metadata().at("clients"), "12");
  EXPECT_EQ(info.metadata().at("open_todos"), "3");
  EXPECT_LE(info.metadata().at("z0").size(), errors::kMaxDetailTextBytes);
}

TEST(ErrorBudgetTest, SmallErrorsPassUnchanged) {
  absl::Status small = errors::InvalidField("name", "is required");
  EXPECT_EQ(errors::Bounded(small), small);
}

}  // namespace
}  // namespace clientbook
