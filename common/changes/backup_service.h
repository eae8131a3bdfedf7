#ifndef CLIENTBOOK_COMMON_CHANGES_BACKUP_SERVICE_H_
#define CLIENTBOOK_COMMON_CHANGES_BACKUP_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clientbook/v1/backup.grpc.pb.h"
#include "common/changes/store_backups.h"
#include "common/locks/shared_next_run.h"
#include "common/server/frame.h"
#include "common/server/periodic_task.h"
#include "prometheus/collectable.h"

namespace clientbook::changes {

// --backup_dir, --backup_interval, --backup_keep.
struct BackupOptions {
  // Where backups go ("": none; every BackupService call is refused).
  std::string dir;
  // How often the service backs itself up (zero: only when asked).
  absl::Duration interval;
  // Scheduled backups keep this many, deleting older ones.
  int keep = 7;

  static absl::StatusOr<BackupOptions> FromFlags();
};

// A service binary's backups: the engine over --backup_dir and the store's
// side of them. Both null when --backup_dir is empty.
struct ServiceBackups {
  std::unique_ptr<storage::Backups> engine;
  std::unique_ptr<StoreBackups> store;
};
// The checkpoint a backup is taken from goes under `data_dir`, on the
// store's own filesystem.
absl::StatusOr<ServiceBackups> OpenServiceBackups(const BackupOptions& options,
                                                  const ChangeLog& log,
                                                  std::string service,
                                                  const std::string& data_dir);

// clientbook.v1.BackupService over one service's store, for callers with
// the operator role on the operator address; with --backup_interval it
// also backs up on its own. Reports the last success and the failures as
// metrics.
class BackupService final : public v1::BackupService::CallbackService,
                            public prometheus::Collectable {
 public:
  BackupService(ServiceBackups backups, server::Frame& frame, BackupOptions options)
      : backups_(std::move(backups)), frame_(frame), options_(std::move(options)) {}

  // From --backup_dir, --backup_interval, --backup_keep and --data_dir, for
  // the binary of `service` ("directory") whose store keeps `log`.
  static absl::StatusOr<std::unique_ptr<BackupService>> FromFlags(const ChangeLog& log,
                                                                  std::string service,
                                                                  server::Frame& frame);

  grpc::ServerUnaryReactor* CreateBackup(grpc::CallbackServerContext* ctx,
                                         const v1::CreateBackupRequest* req,
                                         v1::Backup* resp) override;
  grpc::ServerUnaryReactor* ListBackups(grpc::CallbackServerContext* ctx,
                                        const v1::ListBackupsRequest* req,
                                        v1::ListBackupsResponse* resp) override;
  grpc::ServerUnaryReactor* GetBackup(grpc::CallbackServerContext* ctx,
                                      const v1::GetBackupRequest* req,
                                      v1::Backup* resp) override;
  grpc::ServerUnaryReactor* VerifyBackup(grpc::CallbackServerContext* ctx,
                                         const v1::VerifyBackupRequest* req,
                                         v1::Backup* resp) override;
  grpc::ServerUnaryReactor* DeleteBackup(grpc::CallbackServerContext* ctx,
                                         const v1::DeleteBackupRequest* req,
                                         google::protobuf::Empty* resp) override;

  // Backs up every --backup_interval while it lives, keeping the newest
  // --backup_keep; null when there is no schedule.
  std::unique_ptr<server::PeriodicTask> StartSchedule();

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  // A backup that started after the caller asked, shared with the callers
  // who asked while the one before it ran; for a request with an id, the
  // one made for that id (its own, never shared).
  absl::StatusOr<StoreBackup> Create(const BackupRequest& request = {});
  absl::StatusOr<StoreBackup> BackUpNow(const BackupRequest& request);
  // The id of backup `name` for an operator; NOT_FOUND without backups.
  absl::StatusOr<uint32_t> BackupNamed(const auth::Caller& caller,
                                       absl::string_view name) const;

  const ServiceBackups backups_;
  server::Frame& frame_;
  const BackupOptions options_;
  storage::SharedNextRun<absl::StatusOr<StoreBackup>> next_backup_;
  // Held from looking for a request id's backup until it is made, so
  // racing retries under one id make one.
  absl::Mutex requested_mu_;
  mutable absl::Mutex mu_;
  absl::Time last_success_ ABSL_GUARDED_BY(mu_) = absl::UnixEpoch();
  uint64_t last_size_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
};

// A backup as the API shows it.
v1::Backup ToBackup(const StoreBackup& backup);

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_BACKUP_SERVICE_H_
