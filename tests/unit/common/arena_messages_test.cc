// A page's request and response share one arena, given back with the call.
#include "common/server/arena_messages.h"

#include "clientbook/v1/directory.pb.h"
#include "gtest/gtest.h"

namespace clientbook::server {
namespace {

TEST(ArenaMessagesTest, RequestAndResponseLiveOnOneArenaOfTheirOwn) {
  ArenaMessages<v1::ListClientsRequest, v1::ListClientsResponse> messages;
  auto* first = messages.AllocateMessages();
  auto* second = messages.AllocateMessages();
  ASSERT_NE(first->request()->GetArena(), nullptr);
  EXPECT_EQ(first->request()->GetArena(), first->response()->GetArena());
  EXPECT_NE(first->response()->GetArena(), second->response()->GetArena());
  v1::Client* client = first->response()->add_clients();
  client->set_display_name(std::string(100, 'x'));
  EXPECT_EQ(client->GetArena(), first->response()->GetArena());
  first->Release();
  second->Release();
}

}  // namespace
}  // namespace clientbook::server
