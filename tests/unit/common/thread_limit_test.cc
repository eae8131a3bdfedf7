#include "common/server/thread_limit.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace clientbook::server {
namespace {

// A file system root holding /proc/self/cgroup and the cgroup files given.
class ThreadLimitTest : public ::testing::Test {
 protected:
  void Write(const std::string& path, const std::string& text) {
    const std::filesystem::path file = root_.path() + path;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }

  testing::TempDir root_;
};

TEST_F(ThreadLimitTest, APodsLimitAboveTheContainerBoundsItUnderCgroupV1) {
  Write("/proc/self/cgroup",
        "12:memory:/kubepods/pod1/c1\n8:pids:/kubepods/pod1/c1\n0::/\n");
  Write("/sys/fs/cgroup/pids/kubepods/pod1/c1/pids.max", "max\n");
  Write("/sys/fs/cgroup/pids/kubepods/pod1/pids.max", "1024\n");
  Write("/sys/fs/cgroup/pids/kubepods/pids.max", "max\n");
  EXPECT_EQ(ThreadLimit(root_.path()), 1024);
}

TEST_F(ThreadLimitTest, TheSmallestOfTheCgroupAndItsAncestorsUnderCgroupV2) {
  Write("/proc/self/cgroup", "0::/a/b\n");
  Write("/sys/fs/cgroup/a/b/pids.max", "300\n");
  Write("/sys/fs/cgroup/a/pids.max", "200\n");
  EXPECT_EQ(ThreadLimit(root_.path()), 200);
}

TEST_F(ThreadLimitTest, AContainersOwnRootCgroup) {
  Write("/proc/self/cgroup", "0::/\n");
  Write("/sys/fs/cgroup/pids.max", "4096\n");
  EXPECT_EQ(ThreadLimit(root_.path()), 4096);
}

TEST_F(ThreadLimitTest, NoLimitWhereNoneIsSetOrNothingIsReadable) {
  EXPECT_EQ(ThreadLimit(root_.path()), std::nullopt);
  Write("/proc/self/cgroup", "8:pids:/user.slice\n0::/user.slice\n");
  Write("/sys/fs/cgroup/pids/user.slice/pids.max", "max\n");
  EXPECT_EQ(ThreadLimit(root_.path()), std::nullopt);
}

// The tests give 128 threads to the rest of the process.
constexpr int64_t kBeside = 128;

TEST(FitToThreadLimitTest, BoundsThatFitOrNoLimitAreKept) {
  const StreamBounds wanted{.streams = 1000, .watchers = 10000};
  EXPECT_EQ(FitToThreadLimit(wanted, std::nullopt, kBeside).watchers, 10000);
  const StreamBounds roomy = FitToThreadLimit(wanted, 11000 + kBeside, kBeside);
  EXPECT_EQ(roomy.streams, 1000);
  EXPECT_EQ(roomy.watchers, 10000);
}

TEST(FitToThreadLimitTest, BoundsPastTheLimitAreCutInProportionBelowIt) {
  const StreamBounds fitted =
      FitToThreadLimit({.streams = 1000, .watchers = 10000}, 4096, kBeside);
  EXPECT_EQ(fitted.streams, 360);    // 3,968 threads left: an eleventh of them
  EXPECT_EQ(fitted.watchers, 3607);  // and ten elevenths
  EXPECT_LE(fitted.streams + fitted.watchers + kBeside, 4096);
  const StreamBounds one_short =
      FitToThreadLimit({.streams = 100, .watchers = 100}, 200 + kBeside - 1, kBeside);
  EXPECT_LT(one_short.streams + one_short.watchers, 200);
}

TEST(FitToThreadLimitTest, EachBoundKeepsOneAndNoneStaysNone) {
  const StreamBounds tiny =
      FitToThreadLimit({.streams = 1000, .watchers = 10000}, 100, kBeside);
  EXPECT_EQ(tiny.streams, 1);
  EXPECT_EQ(tiny.watchers, 1);
  EXPECT_EQ(FitToThreadLimit({.streams = 1000, .watchers = 0}, 300, kBeside).watchers, 0);
}

// gRPC sizes its pools by the machine's cores.
TEST(FitToThreadLimitTest, TheThreadsBesideStreamsGrowWithTheCores) {
  EXPECT_EQ(ThreadsBesideStreams(2), 128);
  EXPECT_EQ(ThreadsBesideStreams(64), 576);
}

}  // namespace
}  // namespace clientbook::server
