// The ports tests give their services: two test processes running at once
// (ctest -j2) must never be handed the same one. Two pickers of one
// reservations file stand for two processes: their open file descriptions'
// locks conflict just as two processes' do.
#include <algorithm>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/service_process.h"
#include "tests/support/temp_dir.h"

namespace clientbook::testing {
namespace {

// A small range, so that pickers choosing at random would meet: two sets
// of 30 of 100 ports share 9 on average.
constexpr int kFirst = 40000;
constexpr int kEnd = 40100;
constexpr int kEach = 30;

std::vector<int> PickAll(PortPicker& picker) {
  std::vector<int> ports;
  for (int i = 0; i < kEach; ++i) ports.push_back(picker.Pick());
  std::sort(ports.begin(), ports.end());
  return ports;
}

TEST(PortPickerTest, PickersOfOneFileNeverHandOutTheSamePort) {
  TempDir dir;
  PortPicker first(dir.Sub("ports.lock"), kFirst, kEnd);
  PortPicker second(dir.Sub("ports.lock"), kFirst, kEnd);
  const std::vector<int> a = PickAll(first);
  const std::vector<int> b = PickAll(second);

  std::vector<int> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  EXPECT_THAT(both, ::testing::IsEmpty());
  EXPECT_EQ(std::adjacent_find(a.begin(), a.end()), a.end()) << "a port given twice";
  for (int port : a) {
    EXPECT_GE(port, kFirst);
    EXPECT_LT(port, kEnd);
  }
}

TEST(PortPickerTest, APickersPortsAreFreeForOthersOnceItIsGone) {
  TempDir dir;
  int port = 0;
  {
    PortPicker gone(dir.Sub("ports.lock"), kFirst, kEnd);
    port = gone.Pick();
  }
  // A range of that one port: the pick ends only if it is free again.
  PortPicker next(dir.Sub("ports.lock"), port, port + 1);
  EXPECT_EQ(next.Pick(), port);
}

}  // namespace
}  // namespace clientbook::testing
