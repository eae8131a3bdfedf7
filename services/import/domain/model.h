#ifndef CLIENTBOOK_SERVICES_IMPORT_DOMAIN_MODEL_H_
#define CLIENTBOOK_SERVICES_IMPORT_DOMAIN_MODEL_H_

#include <cstdint>

#include "clientbook/v1/import.pb.h"
#include "common/names/names.h"
#include "services/import/domain/records.pb.h"

// Records use the public enums (clientbook.v1 ImportJob.State,
// HeaderLanguage, ImportError.Code) directly: one definition of each.
namespace clientbook::importer {

// The three columns, in the order column_index and header sets use.
enum Column : int { kCompanyId = 0, kDisplayName = 1, kClientNumber = 2 };

inline bool IsTerminal(const JobRecord& job) {
  return job.state() == v1::ImportJob::SUCCEEDED ||
         job.state() == v1::ImportJob::PARTIALLY_SUCCEEDED ||
         job.state() == v1::ImportJob::FAILED;
}

// The three ways a job can fail, by what a retry with its request id does.
enum class Retry {
  kNo,              // final: the directory refused, or the job is unreadable
  kFromValidation,  // nothing was applied (known): check the rows again
  kResolveApply,    // the batch may have landed: resend it to find out
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_DOMAIN_MODEL_H_
