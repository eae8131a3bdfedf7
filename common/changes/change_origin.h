#ifndef CLIENTBOOK_COMMON_CHANGES_CHANGE_ORIGIN_H_
#define CLIENTBOOK_COMMON_CHANGES_CHANGE_ORIGIN_H_

#include <string>

namespace clientbook::changes {

// Who makes a write and how, as its change records name them. Plain C++:
// the domains fill it in, the stores write it.
struct ChangeOrigin {
  std::string actor;       // the caller's user id; "" for the service's own work
  std::string request_id;  // the caller's, when given
  // "api"; "sweep" (a periodic task); "directory" (billing following the
  // directory's feed); "import" (a job's rows).
  std::string source = "api";
};

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_CHANGE_ORIGIN_H_
