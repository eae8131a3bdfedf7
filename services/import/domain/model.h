#ifndef CLIENTBOOK_SERVICES_IMPORT_DOMAIN_MODEL_H_
#define CLIENTBOOK_SERVICES_IMPORT_DOMAIN_MODEL_H_

#include <cstdint>

#include "common/names/names.h"
#include "services/import/domain/records.pb.h"

// Names for the int fields of the records; values equal the public enums.
namespace clientbook::importer {

enum class JobState : int32_t {
  kValidating = 1,
  kApplying = 2,
  kSucceeded = 3,
  kPartiallySucceeded = 4,
  kFailed = 5,
};

enum class HeaderLanguage : int32_t {
  kEnglish = 1,
  kItalian = 2,
  kSpanish = 3,
  kFrench = 4
};

enum class ErrorCode : int32_t {
  kMalformedRow = 1,
  kWrongColumnCount = 2,
  kMissingCompanyId = 3,
  kUnknownCompanyId = 4,
  kDisplayNameChanged = 5,
  kClientNumberTooLong = 6,
  kDuplicateInFile = 7,
  kClientNumberTaken = 8,
  kInvalidClientNumber = 9,
};

// The three columns, in the order column_index and header sets use.
enum Column : int { kCompanyId = 0, kDisplayName = 1, kClientNumber = 2 };

inline JobState StateOf(const JobRecord& job) {
  return static_cast<JobState>(job.state());
}
inline bool IsTerminal(const JobRecord& job) {
  return StateOf(job) == JobState::kSucceeded ||
         StateOf(job) == JobState::kPartiallySucceeded ||
         StateOf(job) == JobState::kFailed;
}

// The three ways a job can fail, by what a retry with its request id does.
enum class Retry {
  kNo,              // final: the directory refused, or the job is unreadable
  kFromValidation,  // nothing was applied (known): check the rows again
  kResolveApply,    // the batch may have landed: resend it to find out
};

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_DOMAIN_MODEL_H_
