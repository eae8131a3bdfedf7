#ifndef CLIENTBOOK_COMMON_CLIENT_FEED_FOLLOWER_H_
#define CLIENTBOOK_COMMON_CLIENT_FEED_FOLLOWER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "clientbook/v1/changes.grpc.pb.h"
#include "common/auth/caller.h"
#include "grpcpp/channel.h"

namespace clientbook::client {

// Follows another service's change feed (firms/-) for a consumer that keeps
// what it builds and its position: catches up page by page, then watches.
// The consumer applies each batch and keeps its resume token; applying must
// be idempotent, so a batch applied again after a crash changes nothing. A
// position the service no longer accepts (past retention, another store
// epoch) restarts the consumer. With `snapshot`, following from no position
// begins with a SNAPSHOT watch (every resource as it is now, then its
// changes) instead of the oldest change the service keeps.
class FeedFollower {
 public:
  // Why a consumer starts over.
  enum class StartOver {
    kSnapshot,       // a snapshot begins (again)
    kPastRetention,  // the feed no longer keeps the changes after the position
    kNewEpoch,       // the feed's store was restored or made anew
  };

  class Consumer {
   public:
    virtual ~Consumer() = default;
    // Where to resume; "" for the beginning.
    virtual absl::StatusOr<std::string> Position() = 0;
    // Applies `events`, then keeps `token` unless it is empty (a snapshot's
    // batches carry none until it is complete).
    virtual absl::Status Apply(
        const google::protobuf::RepeatedPtrField<v1::ChangeEvent>& events,
        const std::string& token) = 0;
    // Forgets the position, and with a snapshot what was built from it: the
    // feed refused it, or a snapshot begins again.
    virtual absl::Status Restart(StartOver why) = 0;
  };

  struct Options {
    // The AIP-160 filter of the changes followed.
    std::string filter;
    // Names the feed in errors and logs ("the directory's change feed").
    std::string peer;
    bool snapshot = false;
    // How long to wait after a failure before following again.
    absl::Duration retry = absl::Seconds(1);
  };

  FeedFollower(std::shared_ptr<grpc::Channel> channel, auth::Caller service,
               Options options, Consumer& consumer);
  // Stops following: cancels the call in progress and joins the thread.
  ~FeedFollower();

  // Follows on a thread of its own until destroyed.
  void Start();

  // Applies every change the feed has now, page by page; for tests and the
  // thread's catch-up before it watches.
  absl::Status CatchUp();

  // The age of the last change applied, when it was applied; zero once a
  // progress message says nothing is waiting.
  absl::Duration lag() const { return absl::Microseconds(lag_us_.load()); }

 private:
  absl::Status Apply(const google::protobuf::RepeatedPtrField<v1::ChangeEvent>& events,
                     const std::string& token);
  // Watches from the consumer's position (a snapshot without one) until the
  // stream ends.
  absl::Status Watch();
  void Run();
  absl::Status RestartIfRefused(const absl::Status& status);
  std::unique_ptr<grpc::ClientContext> NewContext(bool streaming) const;
  // Makes `context` the call the destructor cancels (null: none); false once
  // stopping.
  bool SetCalling(grpc::ClientContext* context);

  std::unique_ptr<v1::ChangeService::Stub> stub_;
  const auth::Caller service_;
  const Options options_;
  Consumer& consumer_;
  std::atomic<int64_t> lag_us_{0};

  absl::Notification stopping_;
  absl::Mutex mu_;
  // The call in progress, cancelled when following stops (a call waits for
  // a service that is down).
  grpc::ClientContext* calling_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace clientbook::client

#endif  // CLIENTBOOK_COMMON_CLIENT_FEED_FOLLOWER_H_
