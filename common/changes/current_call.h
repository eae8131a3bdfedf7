#ifndef CLIENTBOOK_COMMON_CHANGES_CURRENT_CALL_H_
#define CLIENTBOOK_COMMON_CHANGES_CURRENT_CALL_H_

#include <string>
#include <vector>

namespace clientbook::changes {

// What the serving frame knows of the call a thread is serving, for the
// change records its writes make: the RPC and the caller as proven (never a
// header the caller could forge in jwt mode).
struct CallInfo {
  std::string method;  // "/clientbook.v1.DirectoryService/CreateClient"
  std::string user_id;
  std::string verified_email;
  std::vector<std::string> roles;
};

// Marks this thread as serving `call` while it lives. Ambient like a trace
// context: the domains' signatures carry the caller's id, which is theirs
// to check, and not these fields, which only the log reads.
class CurrentCall {
 public:
  explicit CurrentCall(const CallInfo& call);
  ~CurrentCall();
  CurrentCall(const CurrentCall&) = delete;
  CurrentCall& operator=(const CurrentCall&) = delete;

  // The call this thread serves, or null (a sweep, a job, a feed).
  static const CallInfo* Get();

 private:
  const CallInfo* outer_;
};

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_CURRENT_CALL_H_
