#ifndef CLIENTBOOK_TESTS_SUPPORT_TEXT_PROTO_H_
#define CLIENTBOOK_TESTS_SUPPORT_TEXT_PROTO_H_

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace clientbook::testing {

// A request written as text format; a typo fails the test that wrote it.
template <typename Message>
Message Text(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_TEXT_PROTO_H_
