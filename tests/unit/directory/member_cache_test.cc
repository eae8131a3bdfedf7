// The membership cache: what it serves is never older than the last member
// write that returned.
#include "services/directory/store/member_cache.h"

#include "gtest/gtest.h"

namespace clientbook::directory {
namespace {

MemberRecord Member(v1::Role role) {
  MemberRecord m;
  m.set_firm_id(7);
  m.set_user_id("anna");
  m.set_role(role);
  return m;
}

TEST(MemberCacheTest, ServesWhatWasReadUntilAMemberWrite) {
  MemberCache cache;
  EXPECT_FALSE(cache.Find(7, "anna").has_value());
  cache.Insert(cache.Epoch(), 7, "anna", Member(v1::Role::STAFF));
  auto found = cache.Find(7, "anna");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->role(), v1::Role::STAFF);
  cache.Invalidate();
  EXPECT_FALSE(cache.Find(7, "anna").has_value());
}

TEST(MemberCacheTest, RemembersThatSomeoneIsNotAMember) {
  MemberCache cache;
  cache.Insert(cache.Epoch(), 7, "eve", std::nullopt);
  auto found = cache.Find(7, "eve");
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->has_value());
  EXPECT_FALSE(cache.Find(8, "eve").has_value());
}

// A read that began before a member write and finished after it may hold
// the old record: it is not kept.
TEST(MemberCacheTest, AReadThatRacedAWriteIsNotKept) {
  MemberCache cache;
  const uint64_t before = cache.Epoch();
  cache.Invalidate();  // the write commits meanwhile
  cache.Insert(before, 7, "anna", Member(v1::Role::ADMIN));
  EXPECT_FALSE(cache.Find(7, "anna").has_value());
}

TEST(MemberCacheTest, StaysWithinItsCapacity) {
  MemberCache cache(2);
  for (const char* user : {"a", "b", "c"}) {
    cache.Insert(cache.Epoch(), 7, user, std::nullopt);
  }
  EXPECT_TRUE(cache.Find(7, "c").has_value());
  int kept = 0;
  for (const char* user : {"a", "b", "c"}) kept += cache.Find(7, user).has_value();
  EXPECT_LE(kept, 2);
}

}  // namespace
}  // namespace clientbook::directory
