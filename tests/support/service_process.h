#ifndef CLIENTBOOK_TESTS_SUPPORT_SERVICE_PROCESS_H_
#define CLIENTBOOK_TESTS_SUPPORT_SERVICE_PROCESS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/channel.h"

namespace clientbook::testing {

// Free TCP ports on 127.0.0.1 in [first, end), each reserved in the file
// `reservations` (a byte a port, locked) until the picker goes or its
// process ends: pickers sharing the file, in one process or in test
// processes running at once, never hand out the same port.
class PortPicker {
 public:
  PortPicker(const std::string& reservations, int first, int end);
  ~PortPicker();
  PortPicker(const PortPicker&) = delete;
  PortPicker& operator=(const PortPicker&) = delete;

  // A port nothing is bound to now, that no picker of the file holds, and
  // that this one never gave before.
  int Pick();

 private:
  bool Reserve(int port);

  const int first_;
  const int end_;
  const int fd_;
  absl::Mutex mu_;
  absl::flat_hash_set<int> given_ ABSL_GUARDED_BY(mu_);
  absl::BitGen bits_ ABSL_GUARDED_BY(mu_);
};

// A free TCP port on 127.0.0.1 for a test's service, outside the kernel's
// ephemeral range, reserved among every test process on this machine.
int FreePort();

// A service binary run as a child process, the way operators run it. The
// destructor kills it (SIGKILL) if a test left it running.
class ServiceProcess {
 public:
  ServiceProcess(std::string binary, std::vector<std::string> args, std::string log_path);
  ~ServiceProcess();

  // Starts the process; false if it could not be spawned.
  bool Start();
  // Sends `signal` and waits; returns the exit code, or -signal if the
  // process died of a signal, or nullopt if it was not running.
  std::optional<int> Stop(int signal);
  // Waits for the process to exit by itself; same result as Stop().
  std::optional<int> Wait();
  // Waits until grpc.health.v1 on `target` says SERVING, or `timeout_s`
  // passes (each probe is one RPC with its own deadline; no sleeps).
  bool WaitServing(const std::string& target, int timeout_s = 20);
  // The same over `channel` (a TLS one, say).
  bool WaitServing(const std::shared_ptr<grpc::Channel>& channel, int timeout_s = 20);
  // The running process's id (-1 when not running), for signals.
  int pid() const { return pid_; }
  // What the process printed, for failure messages.
  std::string Log() const;

 private:
  std::string binary_;
  std::vector<std::string> args_;
  std::string log_path_;
  int pid_ = -1;
};

// Runs `binary` with `args` to its end (a tool, not a service): its exit
// code, -1 if it could not start; what it printed in `output`.
int RunToEnd(const std::string& binary, std::vector<std::string> args,
             const std::string& log_path, std::string& output);

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_SERVICE_PROCESS_H_
