#ifndef CLIENTBOOK_SERVICES_IMPORT_API_JOB_CONVERT_H_
#define CLIENTBOOK_SERVICES_IMPORT_API_JOB_CONVERT_H_

#include "clientbook/v1/import.pb.h"
#include "services/import/domain/model.h"

namespace clientbook::importer {

// A stored job as the API shows it (ImportService and the change feed).
v1::ImportJob ToProto(const JobRecord& job);

}  // namespace clientbook::importer

#endif  // CLIENTBOOK_SERVICES_IMPORT_API_JOB_CONVERT_H_
