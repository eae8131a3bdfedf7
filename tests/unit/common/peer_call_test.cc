// Through a real gRPC server: a call one service makes to another on a
// caller's behalf ends by the deadline of the call it serves, and rides
// through the peer's restart instead of being refused while the channel
// reconnects (README: What it is, "Calls between the services").
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "common/auth/authenticator.h"
#include "common/client/outgoing_call.h"
#include "common/client/service_clients.h"
#include "common/server/frame.h"
#include "common/server/server.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientbook::server {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::StatusIs;

constexpr names::FirmName kFirm{.firm_id = 1001};

// GetFirm noting the deadline the frame gave its caller.
class Firms final : public v1::DirectoryService::CallbackService {
 public:
  explicit Firms(Frame& frame) : frame_(frame) {}

  grpc::ServerUnaryReactor* GetFirm(grpc::CallbackServerContext* context,
                                    const v1::GetFirmRequest* request,
                                    v1::Firm* firm) override {
    return frame_.Unary(context, request, firm,
                        [this, request, firm](const auth::Caller& c) {
                          absl::MutexLock lock(&mu_);
                          deadline_ = c.deadline;
                          firm->set_name(request->name());
                          return absl::OkStatus();
                        });
  }
  std::optional<absl::Time> deadline() {
    absl::MutexLock lock(&mu_);
    return deadline_;
  }

 private:
  Frame& frame_;
  absl::Mutex mu_;
  std::optional<absl::Time> deadline_ ABSL_GUARDED_BY(mu_);
};

class PeerCallTest : public ::testing::Test {
 protected:
  // A server of its own frame (a stopped frame takes no calls again).
  void Serve(const std::string& listen) {
    frame_ = std::make_unique<Frame>(authenticator_);
    firms_ = std::make_unique<Firms>(*frame_);
    auto started = Server::Start({.listen = listen}, {firms_.get()}, frame_.get());
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }
  void Stop() {
    server_->Shutdown();
    server_.reset();
  }
  void TearDown() override {
    if (server_ != nullptr) Stop();
  }
  static auth::Caller Alice() {
    return {.user_id = "alice", .credentials = {{"x-user-id", "alice"}}};
  }

  auth::HeaderAuthenticator authenticator_;
  std::unique_ptr<Frame> frame_;
  std::unique_ptr<Firms> firms_;
  std::unique_ptr<Server> server_;
};

TEST_F(PeerCallTest, APeerCallEndsByTheDeadlineOfTheCallItServes) {
  ASSERT_NO_FATAL_FAILURE(Serve("127.0.0.1:0"));
  client::DirectoryClient peer(
      client::Connect(absl::StrCat("127.0.0.1:", server_->port())), absl::Minutes(5));
  auth::Caller caller = Alice();
  // Without a deadline of its own, the peer call has the configured one.
  ASSERT_THAT(peer.GetFirm(caller, kFirm).status(), IsOk());
  ASSERT_TRUE(firms_->deadline().has_value());
  EXPECT_GT(*firms_->deadline(), absl::Now() + absl::Minutes(4));
  // Serving a call that ends in 10 s, it ends a second before (a tenth of
  // the time left, to answer which peer did not answer).
  caller.deadline = absl::Now() + absl::Seconds(10);
  ASSERT_THAT(peer.GetFirm(caller, kFirm).status(), IsOk());
  EXPECT_LT(*firms_->deadline(), caller.deadline - absl::Milliseconds(500));
  EXPECT_GT(*firms_->deadline(), caller.deadline - absl::Seconds(2));
}

TEST_F(PeerCallTest, APeerBackFromARestartIsCalledWithoutARefusal) {
  ASSERT_NO_FATAL_FAILURE(Serve("127.0.0.1:0"));
  const std::string address = absl::StrCat("127.0.0.1:", server_->port());
  std::shared_ptr<grpc::Channel> channel = client::Connect(address);
  client::DirectoryClient quick(channel, absl::Milliseconds(300));
  client::DirectoryClient patient(channel, absl::Seconds(20));
  ASSERT_THAT(quick.GetFirm(Alice(), kFirm).status(), IsOk());
  Stop();
  // Down: the call waits out its deadline and says the peer did not answer.
  EXPECT_THAT(quick.GetFirm(Alice(), kFirm).status(),
              StatusIs(absl::StatusCode::kUnavailable));
  // Back on the same address: the next call on the channel is served,
  // though its last attempt to connect failed.
  ASSERT_NO_FATAL_FAILURE(Serve(address));
  EXPECT_THAT(patient.GetFirm(Alice(), kFirm).status(), IsOk());
}

}  // namespace
}  // namespace clientbook::server
