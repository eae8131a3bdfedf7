#include "tests/support/service_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

extern char** environ;

namespace clientbook::testing {

namespace {

// Below the kernel's ephemeral range (net.ipv4.ip_local_port_range, from
// 32768 by default): a port bind(0) hands out is one the kernel may give
// the next outgoing connection before the service binds it, which under
// load ends a test with "Address already in use".
constexpr int kFirstTestPort = 12000;
// The measure-* scripts take theirs from 26000 up (tests/bench/services.sh).
constexpr int kEndTestPorts = 26000;

bool Bindable(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return bound;
}

}  // namespace

PortPicker::PortPicker(const std::string& reservations, int first, int end)
    : first_(first),
      end_(end),
      // Not inherited by the services started from here: a reservation
      // ends with the process that made it, however it ends.
      fd_(open(reservations.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666)) {}

PortPicker::~PortPicker() {
  if (fd_ >= 0) close(fd_);
}

bool PortPicker::Reserve(int port) {
  if (fd_ < 0) return true;  // nowhere to coordinate: fall back on chance
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = port;
  lock.l_len = 1;
  // An open file description's lock: it conflicts with every other
  // description's, in this process or another.
  return fcntl(fd_, F_OFD_SETLK, &lock) == 0;
}

int PortPicker::Pick() {
  absl::MutexLock lock(&mu_);
  while (true) {
    const int port = absl::Uniform(bits_, first_, end_);
    if (given_.contains(port) || !Reserve(port) || !Bindable(port)) continue;
    given_.insert(port);
    return port;
  }
}

int FreePort() {
  // Without the reservations, two tests running at once could pick the same
  // port between one's pick and its service's bind, and one test would call
  // the other's service (a directory whose firm 1001 is another test's:
  // "alice is not a member").
  static PortPicker* picker = new PortPicker(
      std::filesystem::temp_directory_path() / "clientbook-test-ports.lock",
      kFirstTestPort, kEndTestPorts);
  return picker->Pick();
}

ServiceProcess::ServiceProcess(std::string binary, std::vector<std::string> args,
                               std::string log_path)
    : binary_(std::move(binary)),
      args_(std::move(args)),
      log_path_(std::move(log_path)) {}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0) Stop(SIGKILL);
}

bool ServiceProcess::Start() {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // The test binary may block signals; the child must start with none.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> argv;
  argv.push_back(binary_.data());
  for (std::string& a : args_) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(&pid_, binary_.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) pid_ = -1;
  return rc == 0;
}

std::optional<int> ServiceProcess::Stop(int signal) {
  if (pid_ <= 0) return std::nullopt;
  kill(pid_, signal);
  return Wait();
}

std::optional<int> ServiceProcess::Wait() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -WTERMSIG(status);
}

bool ServiceProcess::WaitServing(const std::string& target, int timeout_s) {
  return WaitServing(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()),
                     timeout_s);
}

bool ServiceProcess::WaitServing(const std::shared_ptr<grpc::Channel>& channel,
                                 int timeout_s) {
  auto health = grpc::health::v1::Health::NewStub(channel);
  const auto give_up = std::chrono::system_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::system_clock::now() < give_up) {
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    if (health->Check(&ctx, req, &resp).ok() &&
        resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return true;
    }
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;  // it died on its own
      return false;
    }
  }
  return false;
}

std::string ServiceProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunToEnd(const std::string& binary, std::vector<std::string> args,
             const std::string& log_path, std::string& output) {
  ServiceProcess tool(binary, std::move(args), log_path);
  if (!tool.Start()) return -1;
  const int code = tool.Wait().value_or(-1);
  output = tool.Log();
  return code;
}

}  // namespace clientbook::testing
