#ifndef CLIENTBOOK_COMMON_CHANGES_CURRENT_CALL_H_
#define CLIENTBOOK_COMMON_CHANGES_CURRENT_CALL_H_

#include <string>

#include "common/auth/caller.h"
#include "google/protobuf/descriptor.h"

namespace clientbook::changes {

// What the serving frame knows of the call a thread is serving, for the
// change records its writes make: the RPC (by its request's type) and the
// caller as proven (never a header the caller could forge in jwt mode).
// Pointers only: a read that writes nothing pays for no copy.
struct CallInfo {
  const google::protobuf::Descriptor* request_type = nullptr;
  const auth::Caller* caller = nullptr;
};

// "/package.Service/Method" of the method whose request is `request_type`
// ("" when none in its file takes it).
std::string MethodOf(const google::protobuf::Descriptor* request_type);

// Marks this thread as serving `call` while it lives. Ambient like a trace
// context: the domains' signatures carry the caller's id, which is theirs
// to check, and not these fields, which only the log reads.
class CurrentCall {
 public:
  explicit CurrentCall(CallInfo call);
  ~CurrentCall();
  CurrentCall(const CurrentCall&) = delete;
  CurrentCall& operator=(const CurrentCall&) = delete;

  // The call this thread serves, or null (a sweep, a job, a feed).
  static const CallInfo* Get();

 private:
  const CallInfo call_;
  const CallInfo* outer_;
};

}  // namespace clientbook::changes

#endif  // CLIENTBOOK_COMMON_CHANGES_CURRENT_CALL_H_
