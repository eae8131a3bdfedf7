#ifndef CLIENTBOOK_TESTS_SUPPORT_TCP_RELAY_H_
#define CLIENTBOOK_TESTS_SUPPORT_TCP_RELAY_H_

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <list>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "tests/support/loopback.h"

namespace clientbook::testing {

// Passes TCP connections on 127.0.0.1:`port` to 127.0.0.1:`target_port`,
// byte for byte, until Silence(): from then on the connections open go
// quiet both ways and stay open, as a path through a node that was lost
// does (no FIN, no reset: nothing but silence), while new ones are passed
// on as before.
class TcpRelay {
 public:
  TcpRelay(int port, int target_port) : target_port_(target_port) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    const int on = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
          listen(listener_, 64) == 0;
    if (ok_) acceptor_ = std::thread([this] { Accept(); });
  }
  ~TcpRelay() {
    stopping_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    absl::MutexLock lock(&mu_);
    for (int fd : sockets_) shutdown(fd, SHUT_RDWR);  // a pump blocked in write returns
    for (std::thread& t : pumps_) t.join();
    for (int fd : sockets_) close(fd);
    close(listener_);
  }
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  bool ok() const { return ok_; }
  void Silence() { ++generation_; }

 private:
  static constexpr int kPollMs = 50;

  void Accept() {
    pollfd listening{.fd = listener_, .events = POLLIN, .revents = 0};
    while (!stopping_) {
      if (poll(&listening, 1, kPollMs) <= 0) continue;
      const int caller = accept(listener_, nullptr, nullptr);
      if (caller < 0) continue;
      const int target = ConnectToLoopback(target_port_);
      {
        absl::MutexLock lock(&mu_);
        sockets_.push_back(caller);
        if (target >= 0) sockets_.push_back(target);
      }
      if (target < 0) {
        shutdown(caller, SHUT_RDWR);
        continue;
      }
      const int born = generation_;
      absl::MutexLock lock(&mu_);
      pumps_.emplace_back([this, caller, target, born] { Pump(caller, target, born); });
      pumps_.emplace_back([this, caller, target, born] { Pump(target, caller, born); });
    }
  }
  // Copies `from` to `to` while the relay has not been silenced since the
  // connection's birth; then holds both open, reading nothing.
  void Pump(int from, int to, int born) {
    pollfd readable{.fd = from, .events = POLLIN, .revents = 0};
    char buffer[16384];
    while (!stopping_) {
      if (generation_ != born) {  // silenced: both held open, nothing read
        poll(nullptr, 0, kPollMs);
        continue;
      }
      if (poll(&readable, 1, kPollMs) <= 0) continue;
      const ssize_t n = read(from, buffer, sizeof buffer);
      if (n <= 0) {
        shutdown(to, SHUT_WR);
        return;
      }
      // MSG_NOSIGNAL, as raw_http2.h sends: a side that closed first ends
      // the pump, where write's SIGPIPE killed the whole test process.
      if (send(to, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) != n) return;
    }
  }

  const int target_port_;
  int listener_ = -1;
  bool ok_ = false;
  std::atomic<bool> stopping_ = false;
  std::atomic<int> generation_ = 0;
  std::thread acceptor_;
  absl::Mutex mu_;
  std::list<std::thread> pumps_ ABSL_GUARDED_BY(mu_);
  std::list<int> sockets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_TCP_RELAY_H_
