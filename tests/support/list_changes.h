#ifndef CLIENTBOOK_TESTS_SUPPORT_LIST_CHANGES_H_
#define CLIENTBOOK_TESTS_SUPPORT_LIST_CHANGES_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
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

// A consumer's copy of a list: each resource's name and etag.
using NamesToEtags = std::map<std::string, std::string>;

// A consumer's copy as a List answers it: every page of `request`, each
// read by `list` (a failing page ends it with its status), each item of a
// page `items_of` gives added with its etag. The first page's change_token
// goes to `change_token` when given.
template <typename Request, typename Response, typename ItemsOf>
grpc::Status ListIntoCopy(
    Request request, const std::function<grpc::Status(const Request&, Response&)>& list,
    const ItemsOf& items_of, NamesToEtags& copy, std::string* change_token = nullptr) {
  do {
    Response page;
    if (grpc::Status s = list(request, page); !s.ok()) return s;
    if (change_token != nullptr && request.page_token().empty()) {
      *change_token = page.change_token();
    }
    for (const auto& item : items_of(page)) copy[item.name()] = item.etag();
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return grpc::Status::OK;
}

// Applies one change to `copy`, as a consumer following the feed does: the
// resource after it replaces its entry; a resource gone leaves.
inline void ApplyToCopy(const v1::ChangeEvent& event, NamesToEtags& copy) {
  if (event.has_resource()) {
    copy[event.name()] = event.etag();
  } else {
    copy.erase(event.name());
  }
}

// Brings `copy`, listed at the change_token `request` resumes from, up to
// date as the bootstrap recipe does: every change since, in order. The
// first failing call's status ends it.
inline grpc::Status FollowInto(
    v1::ChangeService::StubInterface& feed, const v1::ListChangesRequest& request,
    const std::function<std::unique_ptr<grpc::ClientContext>()>& as, NamesToEtags& copy) {
  std::vector<v1::ChangeEvent> events;
  if (grpc::Status s = ListEveryChange(feed, request, as, events); !s.ok()) return s;
  for (const v1::ChangeEvent& event : events) ApplyToCopy(event, copy);
  return grpc::Status::OK;
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_LIST_CHANGES_H_
