#ifndef CLIENTBOOK_TESTS_SUPPORT_LIST_CHANGES_H_
#define CLIENTBOOK_TESTS_SUPPORT_LIST_CHANGES_H_

#include <functional>
#include <memory>
#include <vector>

#include "clientbook/v1/changes.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace clientbook::testing {

// Appends to `events` every change `request` lists, in pages of 1,000 from
// its resume token until a page says it caught up, each call in a context
// `as` makes. The first call that fails ends it: its status, with the changes
// read before it appended.
inline grpc::Status ListEveryChange(
    v1::ChangeService::StubInterface& feed, v1::ListChangesRequest request,
    const std::function<std::unique_ptr<grpc::ClientContext>()>& as,
    std::vector<v1::ChangeEvent>& events) {
  request.set_page_size(1000);
  for (;;) {
    v1::ListChangesResponse page;
    if (grpc::Status s = feed.ListChanges(as().get(), request, &page); !s.ok()) return s;
    events.insert(events.end(), page.events().begin(), page.events().end());
    if (page.caught_up()) return grpc::Status::OK;
    request.set_resume_token(page.resume_token());
  }
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_LIST_CHANGES_H_
