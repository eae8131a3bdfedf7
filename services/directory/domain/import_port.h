#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_IMPORT_PORT_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_IMPORT_PORT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "common/auth/caller.h"

namespace clientbook::directory {

// Answers "is an import job of this firm still running?" before a merge of
// clients, asked on behalf of `caller`. The import service owns the answer;
// an error (import unreachable) must refuse the merge.
class ImportActivity {
 public:
  virtual ~ImportActivity() = default;
  virtual absl::StatusOr<bool> ImportRunning(const auth::Caller& caller,
                                             uint64_t firm_id) = 0;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_IMPORT_PORT_H_
