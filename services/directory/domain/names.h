#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_NAMES_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_NAMES_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "common/names/names.h"
#include "services/directory/domain/records.pb.h"

namespace clientbook::directory {

// A client as messages name it: 'Display Name' (firms/1/clients/2).
inline std::string DescribeClient(const ClientRecord& c) {
  return absl::StrCat("'", c.display_name(), "' (",
                      names::ClientName{c.firm_id(), c.company_id()}.ToString(), ")");
}

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_NAMES_H_
