#include "common/changes/current_call.h"

namespace clientbook::changes {
namespace {

thread_local const CallInfo* current = nullptr;

}  // namespace

CurrentCall::CurrentCall(const CallInfo& call) : outer_(current) { current = &call; }

CurrentCall::~CurrentCall() { current = outer_; }

const CallInfo* CurrentCall::Get() { return current; }

}  // namespace clientbook::changes
