#ifndef CLIENTBOOK_TESTS_SUPPORT_CLUSTER_H_
#define CLIENTBOOK_TESTS_SUPPORT_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clientbook/v1/billing.grpc.pb.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "clientbook/v1/import.grpc.pb.h"
#include "clientbook/v1/workspace.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/support/service_process.h"
#include "tests/support/temp_dir.h"

namespace clientbook::testing {

// A call context as `user`, with a deadline.
inline std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("x-user-id", user);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

// The same, holding `roles` ("operator", "platform"; comma-separated).
inline std::unique_ptr<grpc::ClientContext> As(const std::string& user,
                                               const std::string& roles) {
  auto ctx = As(user);
  ctx->AddMetadata("x-user-roles", roles);
  return ctx;
}

// `user` creates a firm ("Studio", creator email user@studio.example) and
// becomes its primary admin.
inline grpc::Status CreateFirmAs(v1::DirectoryService::Stub& stub,
                                 const std::string& user, v1::Firm* firm) {
  v1::CreateFirmRequest create;
  create.mutable_firm()->set_display_name("Studio");
  create.set_creator_email(absl::StrCat(user, "@studio.example"));
  return stub.CreateFirm(As(user).get(), create, firm);
}

// `user` creates a BUSINESS client named `display_name` in `firm`.
inline grpc::Status CreateClientAs(v1::DirectoryService::Stub& stub,
                                   const std::string& user, const std::string& firm,
                                   const std::string& display_name, v1::Client* client) {
  v1::CreateClientRequest create;
  create.set_parent(firm);
  create.mutable_client()->set_display_name(display_name);
  create.mutable_client()->set_client_type(v1::BUSINESS);
  return stub.CreateClient(As(user).get(), create, client);
}

// `admin` adds `user` to `firm` as STAFF (email user@studio.example).
inline grpc::Status AddStaffAs(v1::DirectoryService::Stub& stub, const std::string& admin,
                               const std::string& firm, const std::string& user,
                               v1::FirmMember* member) {
  v1::AddFirmMemberRequest add;
  add.set_parent(firm);
  add.mutable_member()->set_user_id(user);
  add.mutable_member()->set_email(absl::StrCat(user, "@studio.example"));
  add.mutable_member()->set_role(v1::STAFF);
  return stub.AddFirmMember(As(admin).get(), add, member);
}

inline std::shared_ptr<grpc::Channel> Channel(const std::string& target) {
  return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

// The three real binaries on ephemeral ports, each with its own RocksDB, as
// an operator runs them, each with its operator address (the directory's
// backs up into backup_dir("directory")). Import can be killed and started
// again over the same storage; the directory's volume can be lost and
// restored.
class Cluster {
 public:
  Cluster()
      : directory_target_(Target()),
        billing_target_(Target()),
        import_target_(Target()),
        operator_target_(Target()),
        directory_operator_target_(Target()),
        import_operator_target_(Target()),
        directory_(
            DIRECTORY_BINARY,
            {"--listen=" + directory_target_, "--data_dir=" + data_dir("directory"),
             "--metrics_listen=", "--drain_delay=0s",
             "--billing_target=" + billing_target_, "--import_target=" + import_target_,
             "--operator_listen=" + directory_operator_target_,
             "--backup_dir=" + backup_dir("directory")},
            dir_.Sub("directory.log")),
        billing_(BILLING_BINARY,
                 {"--listen=" + billing_target_, "--data_dir=" + data_dir("billing"),
                  "--metrics_listen=", "--drain_delay=0s",
                  "--operator_listen=" + operator_target_,
                  "--directory_target=" + directory_target_},
                 dir_.Sub("billing.log")) {}

  // Starts everything; false (with the logs in `why`) if a service did not
  // come up.
  bool Start(std::string& why) {
    if (!directory_.Start() || !billing_.Start()) return false;
    if (!directory_.WaitServing(directory_target_)) {
      why = directory_.Log();
      return false;
    }
    if (!billing_.WaitServing(billing_target_)) {
      why = billing_.Log();
      return false;
    }
    if (!StartImport()) {
      why = import_->Log();
      return false;
    }
    directory = v1::DirectoryService::NewStub(Channel(directory_target_));
    workspace = v1::WorkspaceService::NewStub(Channel(directory_target_));
    billing = v1::BillingService::NewStub(Channel(billing_target_));
    import = v1::ImportService::NewStub(Channel(import_target_));
    return true;
  }

  bool StartImport() {
    import_ = std::make_unique<ServiceProcess>(
        IMPORT_BINARY,
        std::vector<std::string>{"--listen=" + import_target_,
                                 "--data_dir=" + data_dir("import"),
                                 "--metrics_listen=", "--drain_delay=0s",
                                 "--operator_listen=" + import_operator_target_,
                                 "--directory_target=" + directory_target_},
        dir_.Sub("import.log"));
    return import_->Start() && import_->WaitServing(import_target_);
  }

  void KillImport() { import_->Stop(SIGKILL); }
  void KillBilling() { billing_.Stop(SIGKILL); }
  // Starts billing again on its storage.
  bool StartBilling() {
    return billing_.Start() && billing_.WaitServing(billing_target_);
  }
  // Stops the directory with `signal` and starts it again on its storage.
  bool RestartDirectory(int signal) {
    directory_.Stop(signal);
    return directory_.Start() && directory_.WaitServing(directory_target_);
  }
  // Stops the directory (its volume may then be replaced) and starts it.
  void StopDirectory() { directory_.Stop(SIGTERM); }
  bool StartDirectory() {
    return directory_.Start() && directory_.WaitServing(directory_target_);
  }
  std::string ImportLog() const { return import_->Log(); }
  std::string DirectoryLog() const { return directory_.Log(); }

  // The --data_dir and --backup_dir of "directory", "billing", "import".
  std::string data_dir(const std::string& service) const { return dir_.Sub(service); }
  std::string backup_dir(const std::string& service) const {
    return dir_.Sub("backups-" + service);
  }

  const std::string& directory_target() const { return directory_target_; }
  const std::string& billing_target() const { return billing_target_; }
  const std::string& import_target() const { return import_target_; }
  // Billing's operator-only services.
  const std::string& operator_target() const { return operator_target_; }
  const std::string& directory_operator_target() const {
    return directory_operator_target_;
  }
  const std::string& import_operator_target() const { return import_operator_target_; }

  // A service and an address of the three binaries that serves it.
  struct ServiceAt {
    std::string target;
    std::string service;
    // On an operator address: backups, billing's operator service, reconcile.
    bool operator_only = false;
  };
  // Every service of the three binaries, at each address that serves it.
  std::vector<ServiceAt> Services() const {
    return {{directory_target_, "clientbook.v1.DirectoryService"},
            {directory_target_, "clientbook.v1.WorkspaceService"},
            {directory_target_, "clientbook.v1.ChangeService"},
            {directory_operator_target_, "clientbook.v1.BackupService", true},
            {billing_target_, "clientbook.v1.BillingService"},
            {billing_target_, "clientbook.v1.ChangeService"},
            {operator_target_, "clientbook.v1.BillingOperatorService", true},
            {operator_target_, "clientbook.v1.ReconcileService", true},
            {operator_target_, "clientbook.v1.BackupService", true},
            {import_target_, "clientbook.v1.ImportService"},
            {import_target_, "clientbook.v1.ChangeService"},
            {import_operator_target_, "clientbook.v1.ReconcileService", true},
            {import_operator_target_, "clientbook.v1.BackupService", true}};
  }

  std::unique_ptr<v1::DirectoryService::Stub> directory;
  std::unique_ptr<v1::WorkspaceService::Stub> workspace;
  std::unique_ptr<v1::BillingService::Stub> billing;
  std::unique_ptr<v1::ImportService::Stub> import;

 private:
  static std::string Target() { return absl::StrCat("127.0.0.1:", FreePort()); }

  TempDir dir_;
  std::string directory_target_;
  std::string billing_target_;
  std::string import_target_;
  std::string operator_target_;
  std::string directory_operator_target_;
  std::string import_operator_target_;
  ServiceProcess directory_;
  ServiceProcess billing_;
  std::unique_ptr<ServiceProcess> import_;
};

// Readies `client` of `firm` for its move to the firm's wholesale billing:
// `member` makes `owner` its company's primary admin and subscribes it
// (DIRECT_DISCOUNT, PLUS), and `owner` authorizes the move. The first
// refusal, if any; the subscription in `subscription`.
inline grpc::Status AuthorizeMoveToWholesale(Cluster& cluster, const std::string& member,
                                             const std::string& firm,
                                             const std::string& client,
                                             const std::string& owner,
                                             v1::Subscription* subscription) {
  v1::ChangeClientPrimaryAdminRequest admin;
  admin.set_name(client);
  admin.set_new_primary_admin_user_id(owner);
  v1::Client changed;
  if (grpc::Status s =
          cluster.directory->ChangeClientPrimaryAdmin(As(member).get(), admin, &changed);
      !s.ok()) {
    return s;
  }
  v1::SubscribeClientRequest subscribe;
  subscribe.set_parent(client);
  subscribe.mutable_subscription()->set_plan(v1::DIRECT_DISCOUNT);
  subscribe.mutable_subscription()->add_products(v1::PLUS);
  if (grpc::Status s =
          cluster.billing->SubscribeClient(As(member).get(), subscribe, subscription);
      !s.ok()) {
    return s;
  }
  v1::AuthorizeBillingTransferRequest authorize;
  authorize.set_name(subscription->name());
  authorize.set_firm(firm);
  v1::BillingTransfer transfer;
  return cluster.billing->AuthorizeBillingTransfer(As(owner).get(), authorize, &transfer);
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_CLUSTER_H_
