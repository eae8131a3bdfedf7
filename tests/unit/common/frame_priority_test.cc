// Through a real gRPC server: the frame runs a flood's pages at a lower
// priority while another firm calls, and every other call at the process's
// own (README: Fair share).
#include <sys/resource.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "common/auth/authenticator.h"
#include "common/server/frame.h"
#include "common/server/server.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace clientbook::server {
namespace {

constexpr char kFlood[] = "firms/1001";
constexpr char kQuiet[] = "firms/1002";
constexpr int kSeats = 4;
// How long a step may take before the test gives up on it, rather than hang.
constexpr absl::Duration kStepLimit = absl::Seconds(30);

int ThreadNiceness() { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); }

// ListClients as a page-reading handler: its body notes which call it is
// (the request's name_query) and the niceness of the thread it runs on, then
// holds its seat until the test lets every call go.
class HeldPages final : public v1::DirectoryService::CallbackService {
 public:
  struct Ran {
    std::string call;
    int nice = 0;
  };

  explicit HeldPages(Frame& frame) : frame_(frame) {}

  grpc::ServerUnaryReactor* ListClients(grpc::CallbackServerContext* context,
                                        const v1::ListClientsRequest* request,
                                        v1::ListClientsResponse* response) override {
    return frame_.Unary(context, request, response, [this, request](const auth::Caller&) {
      absl::MutexLock lock(&mu_);
      ran_.push_back({.call = request->name_query(), .nice = ThreadNiceness()});
      mu_.Await(absl::Condition(&released_));
      return absl::OkStatus();
    });
  }

  bool AwaitRunning(size_t calls) {
    absl::MutexLock lock(&mu_);
    auto enough = [&] { return ran_.size() >= calls; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), kStepLimit);
  }
  void ReleaseAll() {
    absl::MutexLock lock(&mu_);
    released_ = true;
  }
  std::vector<Ran> ran() {
    absl::MutexLock lock(&mu_);
    return ran_;
  }

 private:
  Frame& frame_;
  absl::Mutex mu_;
  std::vector<Ran> ran_ ABSL_GUARDED_BY(mu_);
  bool released_ ABSL_GUARDED_BY(mu_) = false;
};

class FramePriorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = Server::Start({.listen = "127.0.0.1:0"}, {&pages_}, &frame_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    stub_ = v1::DirectoryService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    pages_.ReleaseAll();
    for (std::thread& call : calls_) call.join();
    server_->Shutdown();
  }

  // Sends one ListClients of `firm` on a thread of its own.
  void Call(const std::string& firm, int page_size, const std::string& call) {
    calls_.emplace_back([this, firm, page_size, call] {
      grpc::ClientContext context;
      context.AddMetadata("x-user-id", "alice");
      v1::ListClientsRequest request;
      request.set_parent(firm);
      request.set_page_size(page_size);
      request.set_name_query(call);
      v1::ListClientsResponse response;
      const grpc::Status status = stub_->ListClients(&context, request, &response);
      EXPECT_TRUE(status.ok()) << call << ": " << status.error_message();
    });
  }
  bool AwaitQueued(int calls) {
    const absl::Time limit = absl::Now() + kStepLimit;
    while (frame_.fair_share().Report(0).queued < calls) {
      if (absl::Now() > limit) return false;
      std::this_thread::yield();
    }
    return true;
  }
  void Finish() {
    pages_.ReleaseAll();
    for (std::thread& call : calls_) call.join();
    calls_.clear();
  }

  auth::HeaderAuthenticator authenticator_;
  Frame frame_{authenticator_,
               {.blocking_threads = kSeats, .fair_share = {.seats = kSeats}}};
  HeldPages pages_{frame_};
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::DirectoryService::Stub> stub_;
  std::vector<std::thread> calls_;
};

TEST_F(FramePriorityTest, AFloodsBackloggedPagesRunNicedWhileAnotherFirmsCallDoesNot) {
  const int own = getpriority(PRIO_PROCESS, 0);
  // A firm alone takes every seat, one a page, and queues the rest.
  for (int i = 0; i < 2 * kSeats; ++i) Call(kFlood, 1000, absl::StrCat("flood ", i));
  ASSERT_TRUE(pages_.AwaitRunning(kSeats));
  ASSERT_TRUE(AwaitQueued(kSeats));
  // Another firm's call waits behind them: from now on, a flood's page with
  // more of its own behind it is seated as a flood's.
  Call(kQuiet, 1, "quiet");
  ASSERT_TRUE(AwaitQueued(kSeats + 1));
  Finish();

  const std::vector<HeldPages::Ran> ran = pages_.ran();
  ASSERT_EQ(ran.size(), static_cast<size_t>(2 * kSeats + 1));
  int niced_flood_pages = 0;
  for (size_t i = 0; i < ran.size(); ++i) {
    if (i < kSeats) {
      EXPECT_EQ(ran[i].nice, own) << ran[i].call << ": seated while its firm was alone";
    } else if (ran[i].call == "quiet") {
      EXPECT_EQ(ran[i].nice, own) << "the other firm's call";
    } else if (ran[i].nice >= 10) {
      ++niced_flood_pages;
    }
  }
  EXPECT_GT(niced_flood_pages, 0);
}

TEST_F(FramePriorityTest, AFirmAlonesQueuedPagesKeepTheProcesssPriority) {
  const int own = getpriority(PRIO_PROCESS, 0);
  for (int i = 0; i < 2 * kSeats; ++i) Call(kFlood, 1000, absl::StrCat("page ", i));
  ASSERT_TRUE(pages_.AwaitRunning(kSeats));
  ASSERT_TRUE(AwaitQueued(kSeats));
  Finish();

  const std::vector<HeldPages::Ran> ran = pages_.ran();
  ASSERT_EQ(ran.size(), static_cast<size_t>(2 * kSeats));
  for (const HeldPages::Ran& page : ran) EXPECT_EQ(page.nice, own) << page.call;
}

}  // namespace
}  // namespace clientbook::server
