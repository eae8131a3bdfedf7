#include "common/server/blocking_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace clientbook::server {
namespace {

// The niceness of the pool thread that runs one piece of work.
int NicenessOfWorkIn(BlockingPool& pool) {
  absl::Notification done;
  int nice = 0;
  pool.Run([&] {
    nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    done.Notify();
  });
  done.WaitForNotification();
  return nice;
}

TEST(BlockingPoolTest, ANicedPoolRunsItsWorkAtALowerPriority) {
  BlockingPool niced(1, 10);
  EXPECT_GE(NicenessOfWorkIn(niced), 10);
}

TEST(BlockingPoolTest, APlainPoolRunsItsWorkAtTheProcesssPriority) {
  BlockingPool plain(1);
  EXPECT_EQ(NicenessOfWorkIn(plain), getpriority(PRIO_PROCESS, 0));
}

}  // namespace
}  // namespace clientbook::server
