// A call of a method an address does not serve is told what the address is.
#include "common/server/unserved_methods.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clientbook::server {
namespace {

using ::testing::Eq;
using ::testing::StartsWith;

TEST(UnservedMessageTest, NamesTheMethodAndWhatTheAddressIs) {
  EXPECT_THAT(UnservedMessage("/clientbook.v1.DirectoryService/GetFirm", "accounts' API"),
              Eq("/clientbook.v1.DirectoryService/GetFirm is not served at this address "
                 "(accounts' API); server reflection lists what is"));
}

// A caller can send any bytes as a path: only a plain one of 200 bytes at
// most is repeated.
TEST(UnservedMessageTest, AnOddOrLongPathIsNotRepeated) {
  for (const std::string& path :
       {std::string(""), std::string("/a\nb"), std::string("/x%2F"), std::string("/\xff"),
        "/" + std::string(200, 'x')}) {
    EXPECT_THAT(UnservedMessage(path, "billing's API"),
                StartsWith("the method is not served at this address (billing's API)"))
        << path;
  }
  EXPECT_THAT(UnservedMessage("/" + std::string(199, 'x'), "billing's API"),
              StartsWith("/xxx"));
}

}  // namespace
}  // namespace clientbook::server
