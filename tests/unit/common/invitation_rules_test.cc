// The rules an invitation follows wherever it is kept (directory, accounts).
#include "common/invitations/invitation_rules.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientbook::invitations {
namespace {

using ::clientbook::testing::IsOkAndHolds;
using ::clientbook::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::SizeIs;

// Pages of `size` firm ids, `total` in all; the cursor is the next index.
FirmIdPages Pages(uint64_t total, uint64_t size, int* calls) {
  return [=](absl::string_view cursor) -> absl::StatusOr<storage::StoredPage<uint64_t>> {
    ++*calls;
    uint64_t from = 0;
    if (!cursor.empty() && !absl::SimpleAtoi(cursor, &from)) {
      return absl::InvalidArgumentError("bad cursor");
    }
    storage::StoredPage<uint64_t> page;
    for (uint64_t id = from; id < std::min(total, from + size); ++id) {
      page.items.push_back(id);
    }
    if (from + size < total) page.cursor = absl::StrCat(from + size);
    return page;
  };
}

TEST(FirmsWeighedTest, ReadsEveryPageOfAFewFirms) {
  int calls = 0;
  EXPECT_THAT(FirmsWeighed(Pages(5, 2, &calls)),
              IsOkAndHolds(ElementsAre(0, 1, 2, 3, 4)));
  EXPECT_EQ(calls, 3);
}

TEST(FirmsWeighedTest, StopsReadingOnceItHasWeighedItsLimit) {
  int calls = 0;
  absl::StatusOr<std::vector<uint64_t>> firms =
      FirmsWeighed(Pages(10 * kMaxFirmsWeighed, 500, &calls));
  EXPECT_THAT(firms, IsOkAndHolds(SizeIs(kMaxFirmsWeighed)));
  EXPECT_EQ(calls, static_cast<int>(kMaxFirmsWeighed / 500));
}

TEST(FirmsWeighedTest, AFailedPageFailsTheWhole) {
  EXPECT_THAT(FirmsWeighed(
                  [](absl::string_view) -> absl::StatusOr<storage::StoredPage<uint64_t>> {
                    return absl::UnavailableError("store down");
                  }),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace clientbook::invitations
