#include "common/changes/backup_service.h"

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/requests/request_id.h"
#include "common/server/flags.h"
#include "common/server/metrics.h"
#include "common/server/respond.h"
#include "common/status/errors.h"
#include "common/status/macros.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, backup_dir, "",
          "where BackupService writes this service's backups (a second volume); "
          "empty: no backups");
ABSL_FLAG(absl::Duration, backup_interval, absl::ZeroDuration(),
          "how often the service backs itself up into --backup_dir (0: only when "
          "an operator calls CreateBackup)");
ABSL_FLAG(int, backup_keep, 7, "scheduled backups keep this many (1 to 1000)");

namespace clientbook::changes {
namespace {

constexpr char kBackupPrefix[] = "backups/";

absl::StatusOr<uint32_t> ParseBackupName(absl::string_view name) {
  uint32_t id = 0;
  if (!absl::ConsumePrefix(&name, kBackupPrefix) || !absl::SimpleAtoi(name, &id) ||
      id == 0 || name != absl::StrCat(id)) {
    return errors::InvalidField("name", "must be backups/{id}, e.g. backups/3");
  }
  return id;
}

}  // namespace

absl::StatusOr<BackupOptions> BackupOptions::FromFlags() {
  BackupOptions options{.dir = absl::GetFlag(FLAGS_backup_dir),
                        .interval = absl::GetFlag(FLAGS_backup_interval),
                        .keep = absl::GetFlag(FLAGS_backup_keep)};
  if (options.keep < 1 || options.keep > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--backup_keep must be from 1 to 1000, not ", options.keep));
  }
  if (options.interval < absl::ZeroDuration() ||
      (options.interval > absl::ZeroDuration() && options.interval < absl::Minutes(1))) {
    return absl::InvalidArgumentError("--backup_interval must be 0 or at least 1m");
  }
  if (options.interval > absl::ZeroDuration() && options.dir.empty()) {
    return absl::InvalidArgumentError("--backup_interval needs --backup_dir");
  }
  return options;
}

absl::StatusOr<ServiceBackups> OpenServiceBackups(const BackupOptions& options,
                                                  const ChangeLog& log,
                                                  std::string service,
                                                  const std::string& data_dir) {
  ServiceBackups backups;
  if (options.dir.empty()) return backups;
  CB_ASSIGN_OR_RETURN(backups.engine, storage::Backups::Open(options.dir));
  backups.store = std::make_unique<StoreBackups>(log, *backups.engine, std::move(service),
                                                 data_dir + "/backup-checkpoint");
  return backups;
}

absl::StatusOr<std::unique_ptr<BackupService>> BackupService::FromFlags(
    const ChangeLog& log, std::string service, server::Frame& frame) {
  CB_ASSIGN_OR_RETURN(BackupOptions options, BackupOptions::FromFlags());
  CB_ASSIGN_OR_RETURN(ServiceBackups backups,
                      OpenServiceBackups(options, log, std::move(service),
                                         absl::GetFlag(FLAGS_data_dir)));
  return std::make_unique<BackupService>(std::move(backups), frame, std::move(options));
}

v1::Backup ToBackup(const StoreBackup& backup) {
  v1::Backup out;
  out.set_name(absl::StrCat(kBackupPrefix, backup.info.id));
  out.set_service(backup.metadata.service());
  *out.mutable_create_time() = google::protobuf::util::TimeUtil::SecondsToTimestamp(
      absl::ToUnixSeconds(backup.info.create_time));
  out.set_size_bytes(static_cast<int64_t>(backup.info.size_bytes));
  out.set_file_count(static_cast<int32_t>(backup.info.file_count));
  out.set_change_sequence(backup.metadata.change_sequence());
  out.set_store_epoch(backup.metadata.store_epoch());
  return out;
}

absl::StatusOr<uint32_t> BackupService::BackupNamed(const auth::Caller& caller,
                                                    absl::string_view name) const {
  CB_RETURN_IF_ERROR(auth::RequireOperator(caller));
  CB_ASSIGN_OR_RETURN(const uint32_t id, ParseBackupName(name));
  if (backups_.store == nullptr)
    return absl::NotFoundError("this service keeps no backups");
  return id;
}

absl::StatusOr<StoreBackup> BackupService::Create(const BackupRequest& request) {
  if (backups_.store == nullptr) {
    return errors::WithReason(absl::StatusCode::kFailedPrecondition, "BACKUPS_OFF",
                              "this service keeps no backups (no --backup_dir)");
  }
  if (request.request_id.empty()) {
    return next_backup_.Run([this] { return BackUpNow({}); });
  }
  absl::MutexLock lock(&requested_mu_);
  CB_ASSIGN_OR_RETURN(std::optional<StoreBackup> earlier,
                      backups_.store->MadeFor(request));
  if (earlier.has_value()) return *std::move(earlier);
  return BackUpNow(request);
}

absl::StatusOr<StoreBackup> BackupService::BackUpNow(const BackupRequest& request) {
  absl::StatusOr<StoreBackup> made = backups_.store->Create(request);
  absl::MutexLock lock(&mu_);
  if (!made.ok()) {
    ++failures_;
    spdlog::error("backup failed: {}", made.status().ToString());
    return made.status();
  }
  last_success_ = made->info.create_time;
  last_size_ = made->info.size_bytes;
  spdlog::info("backup {} taken: {} bytes in {} files, changes up to {}", made->info.id,
               made->info.size_bytes, made->info.file_count,
               made->metadata.change_sequence());
  return made;
}

grpc::ServerUnaryReactor* BackupService::CreateBackup(grpc::CallbackServerContext* ctx,
                                                      const v1::CreateBackupRequest* req,
                                                      v1::Backup* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_RETURN_IF_ERROR(auth::RequireOperator(caller));
        CB_RETURN_IF_ERROR(requests::CheckStatus(req->request_id()));
        CB_ASSIGN_OR_RETURN(StoreBackup made,
                            Create({caller.user_id, req->request_id()}));
        *resp = ToBackup(made);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* BackupService::ListBackups(grpc::CallbackServerContext* ctx,
                                                     const v1::ListBackupsRequest* req,
                                                     v1::ListBackupsResponse* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_RETURN_IF_ERROR(auth::RequireOperator(caller));
        const storage::PageRequest page{.page_size = req->page_size(),
                                        .page_token = req->page_token()};
        if (backups_.store == nullptr)
          return storage::OpenPage(StoreBackups::kPageQuery, page).status();
        return server::RespondPage(
            backups_.store->List(page), resp,
            [](v1::ListBackupsResponse& out) { return out.add_backups(); }, ToBackup);
      });
}

grpc::ServerUnaryReactor* BackupService::GetBackup(grpc::CallbackServerContext* ctx,
                                                   const v1::GetBackupRequest* req,
                                                   v1::Backup* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const uint32_t id, BackupNamed(caller, req->name()));
        return server::Respond(backups_.store->Get(id), resp, ToBackup);
      });
}

grpc::ServerUnaryReactor* BackupService::VerifyBackup(grpc::CallbackServerContext* ctx,
                                                      const v1::VerifyBackupRequest* req,
                                                      v1::Backup* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req, resp](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const uint32_t id, BackupNamed(caller, req->name()));
        return server::Respond(backups_.store->Verify(id), resp, ToBackup);
      });
}

grpc::ServerUnaryReactor* BackupService::DeleteBackup(grpc::CallbackServerContext* ctx,
                                                      const v1::DeleteBackupRequest* req,
                                                      google::protobuf::Empty* resp) {
  return frame_.Blocking(
      ctx, req, resp, [this, req](const auth::Caller& caller) -> absl::Status {
        CB_ASSIGN_OR_RETURN(const uint32_t id, BackupNamed(caller, req->name()));
        return backups_.store->Delete(id);
      });
}

std::unique_ptr<server::PeriodicTask> BackupService::StartSchedule() {
  if (backups_.store == nullptr || options_.interval == absl::ZeroDuration())
    return nullptr;
  return std::make_unique<server::PeriodicTask>(options_.interval, [this] {
    if (!Create().ok()) return;
    if (absl::Status s = backups_.store->KeepNewest(static_cast<uint32_t>(options_.keep));
        !s.ok()) {
      spdlog::error("deleting old backups: {}", s.ToString());
    }
  });
}

std::vector<prometheus::MetricFamily> BackupService::Collect() const {
  absl::MutexLock lock(&mu_);
  return {
      server::OneSeries("clientbook_backup_last_success_timestamp_seconds",
                        "when the last backup completed (0: none since the start)",
                        prometheus::MetricType::Gauge,
                        static_cast<double>(absl::ToUnixSeconds(last_success_))),
      server::OneSeries("clientbook_backup_last_size_bytes",
                        "the files of the last backup, shared ones included",
                        prometheus::MetricType::Gauge, static_cast<double>(last_size_)),
      server::OneSeries("clientbook_backup_failures_total",
                        "backups that failed since the start",
                        prometheus::MetricType::Counter, static_cast<double>(failures_))};
}

}  // namespace clientbook::changes
