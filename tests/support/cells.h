#ifndef CLIENTBOOK_TESTS_SUPPORT_CELLS_H_
#define CLIENTBOOK_TESTS_SUPPORT_CELLS_H_

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/names/cell.h"
#include "common/server/status_mapping.h"
#include "common/status/errors.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "tests/support/cluster.h"
#include "tests/support/service_process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook::testing {

// `status` is the refusal of a call that reached the wrong cell, naming
// `holder` ("cells/2"), the cell that holds the firm.
inline void ExpectWrongCell(const grpc::Status& status, const std::string& holder) {
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition))
      << status.error_message();
  const absl::Status mapped = FromGrpcStatus(status);
  EXPECT_EQ(errors::ReasonOf(mapped), "WRONG_CELL");
  EXPECT_EQ(errors::ReasonMetadataOf(mapped)["cell"], holder);
}

// One cell as an operator runs it: a directory, billing and import started
// with --cell_id, each on its own ports with its RocksDB under `dir`.
class CellProcesses {
 public:
  CellProcesses(const TempDir& dir, names::Cell cell)
      : cell_(cell),
        directory_data_dir_(dir.Sub(Name("directory"))),
        directory_target_(NewTarget()),
        billing_target_(NewTarget()),
        import_target_(NewTarget()),
        directory_(DIRECTORY_BINARY,
                   Flags("directory",
                         {"--billing_target=" + billing_target_,
                          "--import_target=" + import_target_},
                         dir, directory_target_),
                   dir.Sub(Name("directory.log"))),
        billing_(BILLING_BINARY,
                 Flags("billing", {"--directory_target=" + directory_target_}, dir,
                       billing_target_),
                 dir.Sub(Name("billing.log"))),
        import_(IMPORT_BINARY,
                Flags("import", {"--directory_target=" + directory_target_}, dir,
                      import_target_),
                dir.Sub(Name("import.log"))) {}

  // Starts the three; false if one could not be spawned.
  bool Start() { return directory_.Start() && billing_.Start() && import_.Start(); }
  // Waits until the three serve; false (with the log of the one that does
  // not in `why`). Cells started together come up together.
  bool WaitServing(std::string& why) {
    for (auto [process, target] :
         {std::pair{&directory_, &directory_target_},
          std::pair{&billing_, &billing_target_}, std::pair{&import_, &import_target_}}) {
      if (!process->WaitServing(*target)) {
        why = process->Log();
        return false;
      }
    }
    return true;
  }

  names::Cell cell() const { return cell_; }
  ServiceProcess& directory() { return directory_; }
  ServiceProcess& billing() { return billing_; }
  ServiceProcess& import() { return import_; }
  const std::string& directory_target() const { return directory_target_; }
  const std::string& directory_data_dir() const { return directory_data_dir_; }
  const std::string& billing_target() const { return billing_target_; }
  const std::string& import_target() const { return import_target_; }

 private:
  static std::string NewTarget() { return absl::StrCat("127.0.0.1:", FreePort()); }
  std::string Name(const std::string& what) const {
    return absl::StrCat("cell-", cell_.id, "-", what);
  }
  std::vector<std::string> Flags(const std::string& service,
                                 std::vector<std::string> flags, const TempDir& dir,
                                 const std::string& target) const {
    flags.insert(flags.end(),
                 {"--listen=" + target, "--data_dir=" + dir.Sub(Name(service)),
                  "--operator_listen=" + NewTarget(), "--metrics_listen=",
                  "--drain_delay=0s", absl::StrCat("--cell_id=", cell_.id)});
    return flags;
  }

  names::Cell cell_;
  std::string directory_data_dir_;
  std::string directory_target_;
  std::string billing_target_;
  std::string import_target_;
  ServiceProcess directory_;
  ServiceProcess billing_;
  ServiceProcess import_;
};

// The accounts service following the cells' directories in `directories`
// (--cell_directory: "0=host:port,1=host:port"); its operator address
// (BackupService) is `operator_target`, its backups under `dir`'s
// accounts-backups.
inline std::unique_ptr<ServiceProcess> AccountsFollowing(
    const TempDir& dir, const std::string& directories, const std::string& target,
    const std::string& operator_target = "") {
  return std::make_unique<ServiceProcess>(
      ACCOUNTS_BINARY,
      std::vector<std::string>{"--listen=" + target, "--data_dir=" + dir.Sub("accounts"),
                               "--metrics_listen=", "--drain_delay=0s",
                               "--operator_listen=" + operator_target,
                               "--backup_dir=" + dir.Sub("accounts-backups"),
                               "--cell_directory=" + directories},
      dir.Sub("accounts.log"));
}

// The accounts service following `cells`' directories, as deploy/local/run
// --cells N starts it.
inline std::unique_ptr<ServiceProcess> AccountsFor(
    const TempDir& dir, const std::vector<CellProcesses*>& cells,
    const std::string& target, const std::string& operator_target = "") {
  std::string directories;
  for (const CellProcesses* cell : cells) {
    absl::StrAppend(&directories, directories.empty() ? "" : ",", cell->cell().id, "=",
                    cell->directory_target());
  }
  return AccountsFollowing(dir, directories, target, operator_target);
}

// The front door: HAProxy with deploy/local/proxy-config's configuration in
// front of `cells`, as deploy/local/run --cells N starts it.
class FrontDoor {
 public:
  // With `accounts` (its address), ListMyFirms goes there; `extra` are more
  // arguments of proxy-config (--tls, --health_port, --cell of a cell run
  // otherwise).
  FrontDoor(const TempDir& dir, const std::vector<CellProcesses*>& cells,
            const std::string& accounts = "", const std::vector<std::string>& extra = {})
      : dir_(dir.Sub("proxy")),
        target_(absl::StrCat("127.0.0.1:", FreePort())),
        metrics_address_(absl::StrCat("127.0.0.1:", FreePort())) {
    std::vector<std::string> args = {dir_, "--listen", target_, "--metrics_listen",
                                     metrics_address_};
    if (!accounts.empty()) args.insert(args.end(), {"--accounts", accounts});
    args.insert(args.end(), extra.begin(), extra.end());
    for (const CellProcesses* cell : cells) {
      args.insert(args.end(),
                  {"--cell", absl::StrCat(cell->cell().id), cell->directory_target(),
                   cell->billing_target(), cell->import_target()});
    }
    config_ = std::make_unique<ServiceProcess>(DEV_TOOLS_DIR "/proxy-config", args,
                                               dir.Sub("proxy-config.log"));
    haproxy_ = std::make_unique<ServiceProcess>(
        HAPROXY_BINARY,
        std::vector<std::string>{"-dMglobal", "-f", dir_ + "/haproxy.cfg"},
        dir.Sub("haproxy.log"));
  }

  // Writes the configuration and starts HAProxy; false (with why) if either
  // failed or the front door does not answer health checks.
  // A door speaking TLS is probed over `probe` (a channel to target()).
  bool Start(std::string& why, std::shared_ptr<grpc::Channel> probe = nullptr) {
    if (!config_->Start() || config_->Wait() != 0) {
      why = config_->Log();
      return false;
    }
    if (probe == nullptr) probe = Channel(target_);
    if (!haproxy_->Start() || !haproxy_->WaitServing(probe)) {
      why = haproxy_->Log();
      return false;
    }
    return true;
  }

  // One command to HAProxy's runtime API ("set weight create_firm/c2 0");
  // its answer.
  std::string Command(const std::string& command) const {
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = dir_ + "/admin.sock";
    path.copy(address.sun_path, sizeof(address.sun_path) - 1);
    std::string answer;
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
      const std::string line = command + "\n";
      if (write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
        char buffer[4096];
        for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;)
          answer.append(buffer, n);
      }
    }
    close(fd);
    return answer;
  }

  // Waits until the door's health checks count `backend` up again: a
  // restarted service is back in only after two checks 500 ms apart, and
  // until then the door answers UNAVAILABLE for it. False after timeout_s.
  bool WaitBackendUp(const std::string& backend, int timeout_s = 15) const {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    const std::string row = backend + ",BACKEND,";
    while (std::chrono::steady_clock::now() < give_up) {
      // "show stat" is CSV: pxname,svname,…, and the status 18th.
      for (absl::string_view line : absl::StrSplit(Command("show stat"), '\n')) {
        if (!absl::StartsWith(line, row)) continue;
        std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
        if (fields.size() > 17 && fields[17] == "UP") return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  const std::string& target() const { return target_; }
  const std::string& metrics_address() const { return metrics_address_; }
  std::string Log() const { return haproxy_->Log(); }

 private:
  std::string dir_;
  std::string target_;
  std::string metrics_address_;
  std::unique_ptr<ServiceProcess> config_;
  std::unique_ptr<ServiceProcess> haproxy_;
};

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_CELLS_H_
