#include "common/time/time_zones.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <initializer_list>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace clientbook {
namespace {

TEST(TimeZonesTest, TheTzDatabasesNamesLoad) {
  for (const char* name : {"UTC", "Europe/Rome", "America/Argentina/ComodRivadavia",
                           "Etc/GMT+5", "America/Port-au-Prince", "Asia/Calcutta"}) {
    ASSERT_TRUE(LoadIanaTimeZone(name).has_value()) << name;
    EXPECT_EQ(LoadIanaTimeZone(name)->name(), name);
  }
}

TEST(TimeZonesTest, NamesOfNoZoneOfTheDatabaseAreRefused) {
  for (const std::string& name : std::initializer_list<std::string>{
           "", "Mars/Olympus", "../../etc/passwd", "/dev/stdin", "file:/dev/zero",
           "/usr/share/zoneinfo/Europe/Rome", "Europe/Rome\n", "Europe//Rome",
           "Europe/Rome/", "Europe", "leapseconds", "Fixed/UTC+01:00:00", "localtime",
           "posixrules", "posix/Europe/Rome", "right/Europe/Rome",
           std::string(65, 'A')}) {
    EXPECT_FALSE(LoadIanaTimeZone(name).has_value()) << name;
  }
}

// A zoneinfo directory of the test's own, so zones can appear in it.
class TimeZonesInDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "Clientbook");
    ASSERT_EQ(setenv("TZDIR", dir_.c_str(), 1), 0);
  }
  void TearDown() override { unsetenv("TZDIR"); }

  testing::TempDir temp_;
  const std::filesystem::path dir_ = temp_.path();
};

// absl remembers a name it failed to load and answers that failure from
// then on: a name handed to it before its file existed would still be
// refused here, and every made-up name would stay in its memory.
TEST_F(TimeZonesInDirectoryTest, ANameIsLoadedOnlyOnceItsZoneFileExists) {
  EXPECT_FALSE(LoadIanaTimeZone("Clientbook/Later").has_value());
  std::filesystem::copy_file("/usr/share/zoneinfo/Europe/Rome",
                             dir_ / "Clientbook/Later");
  EXPECT_TRUE(LoadIanaTimeZone("Clientbook/Later").has_value());
}

// Opening a FIFO for reading waits for a writer: absl would wait forever.
TEST_F(TimeZonesInDirectoryTest, AFileThatIsNoZoneIsRefusedWithoutReadingIt) {
  ASSERT_EQ(mkfifo((dir_ / "Clientbook/Fifo").c_str(), 0600), 0);
  EXPECT_FALSE(LoadIanaTimeZone("Clientbook/Fifo").has_value());
  std::filesystem::create_directories(dir_ / "Clientbook/Directory");
  EXPECT_FALSE(LoadIanaTimeZone("Clientbook/Directory").has_value());
}

}  // namespace
}  // namespace clientbook
