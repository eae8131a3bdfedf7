#ifndef CLIENTBOOK_TESTS_SUPPORT_STATUS_MATCHERS_H_
#define CLIENTBOOK_TESTS_SUPPORT_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"

// EXPECT_THAT(result, StatusIs(absl::StatusCode::kNotFound)) and IsOk() for
// absl::Status, absl::StatusOr<T> and grpc::Status, printing the status on
// failure (a bare EXPECT_TRUE(s.ok()) prints only "false").
namespace clientbook::testing {

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}
// gRPC's codes are absl's, number for number.
inline absl::Status StatusOf(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

MATCHER_P(StatusIs, code, absl::StrCat("has status ", absl::StatusCodeToString(code))) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "which is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_part,
           absl::StrCat("has status ", absl::StatusCodeToString(code), " saying \"",
                        message_part, "\"")) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "which is " << status;
  return status.code() == code &&
         status.message().find(message_part) != absl::string_view::npos;
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "which is " << status;
  return status.ok();
}

// An OK StatusOr whose value matches `matcher`:
// EXPECT_THAT(Load(id), IsOkAndHolds(Property(&Client::name, "…"))).
MATCHER_P(IsOkAndHolds, matcher, "is OK and holds a value that matches") {
  if (!arg.ok()) {
    *result_listener << "which is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(matcher, *arg, result_listener);
}

// The value of `result`; else a test failure naming the error and a
// default T, so a fixture fails with a message instead of dereferencing an
// error.
template <typename T>
T ValueOrFail(absl::StatusOr<T> result) {
  if (result.ok()) return std::move(*result);
  ADD_FAILURE() << "expected a value, got " << result.status();
  return T();
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_STATUS_MATCHERS_H_
