#include "services/import/api/import_reconcile_service.h"

#include "absl/strings/str_cat.h"
#include "common/client/change_snapshot.h"
#include "common/names/names.h"
#include "common/status/macros.h"

namespace clientbook::importer {
namespace {

constexpr char kFirmsOnly[] = "resource_type = \"clientbook.v1.Firm\"";

}  // namespace

grpc::ServerUnaryReactor* ImportReconcileService::Reconcile(
    grpc::CallbackServerContext* ctx, const v1::ReconcileRequest* req,
    v1::ReconcileResponse* resp) {
  return frame_.AsksPeers(
      ctx, req, resp, [this, resp](const auth::Caller& caller) -> absl::Status {
        CB_RETURN_IF_ERROR(auth::RequireOperator(caller));
        CB_ASSIGN_OR_RETURN(*resp, runs_.Run(caller.deadline, [&](absl::Time deadline) {
          return ReconcileNow(caller.WithDeadline(deadline));
        }));
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::ReconcileResponse> ImportReconcileService::ReconcileNow(
    const auth::Caller& caller) {
  auto directory_firms = [&]() -> absl::StatusOr<absl::flat_hash_set<uint64_t>> {
    absl::flat_hash_set<uint64_t> firms;
    CB_RETURN_IF_ERROR(client::ReadSnapshot(
        directory_, caller, kFirmsOnly, "the directory's change feed",
        [&](const v1::ChangeEvent& event) {
          absl::StatusOr<names::FirmName> name =
              names::FirmName::Parse("name", event.name());
          if (name.ok()) firms.insert(name->firm_id);
        }));
    return firms;
  };
  CB_ASSIGN_OR_RETURN(JobReconciliation found,
                      importer_.FindJobsWithoutFirm(directory_firms));
  v1::ReconcileResponse out;
  for (const JobRecord& job : found.jobs_without_firm) {
    v1::Mismatch& mismatch = *out.add_mismatches();
    mismatch.set_kind(v1::Mismatch::IMPORT_JOB_WITHOUT_FIRM);
    mismatch.set_name(names::ImportJobName{job.firm_id(), job.job_id()}.ToString());
    mismatch.set_detail(
        absl::StrCat("the directory has no ", names::FirmName{job.firm_id()}.ToString(),
                     ", so nobody can read this job (", job.file_name(), ", ",
                     v1::ImportJob::State_Name(job.state()),
                     "). A person decides: re-create the firm and upload the file again, "
                     "or leave the job to --job_retention"));
  }
  out.set_mismatch_count(found.mismatch_count);
  out.set_checked_count(found.checked_count);
  out.set_directory_resource_count(found.directory_firm_count);
  return out;
}

}  // namespace clientbook::importer
