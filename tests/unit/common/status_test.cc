#include "common/status/errors.h"
#include "common/status/status_mapping.h"
#include "common/storage/page_token.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace clientbook {
namespace {

TEST(StatusMappingTest, FieldViolationsBecomeBadRequestDetails) {
  absl::Status status = errors::InvalidArgument(
      {{"client.client_number", "too long"}, {"client.email", "not an email"}});
  grpc::Status rpc = ToGrpcStatus(status);
  EXPECT_EQ(rpc.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(rpc.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(0).field(), "client.client_number");
}

TEST(StatusMappingTest, RoundTripKeepsCodeMessageAndDetails) {
  absl::Status status = errors::WithReason(absl::StatusCode::kFailedPrecondition,
                                           "CLIENT_ON_WHOLESALE_BILLING", "on wholesale");
  absl::Status back = FromGrpcStatus(ToGrpcStatus(status));
  EXPECT_EQ(back.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(back.message(), "on wholesale");
  EXPECT_EQ(errors::ReasonOf(back), "CLIENT_ON_WHOLESALE_BILLING");
}

TEST(StatusMappingTest, PlainErrorsCarryNoDetails) {
  grpc::Status rpc = ToGrpcStatus(absl::NotFoundError("gone"));
  EXPECT_EQ(rpc.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(rpc.error_details().empty());
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(PageTokenTest, RoundTripsWithinTheSameQuery) {
  std::string token = storage::EncodePageToken("q1", std::string("cur\0sor", 7));
  EXPECT_EQ(*storage::DecodePageToken("q1", token), std::string("cur\0sor", 7));
  EXPECT_EQ(storage::EncodePageToken("q1", ""), "");
  EXPECT_EQ(*storage::DecodePageToken("q1", ""), "");
}

TEST(PageTokenTest, RejectsTokensOfOtherQueriesAndGarbage) {
  std::string token = storage::EncodePageToken("q1", "cursor");
  EXPECT_EQ(storage::DecodePageToken("q2", token).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(storage::DecodePageToken("q1", "%%%").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(storage::DecodePageToken("q1", "AAAA").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace clientbook
