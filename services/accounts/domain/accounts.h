#ifndef CLIENTBOOK_SERVICES_ACCOUNTS_DOMAIN_ACCOUNTS_H_
#define CLIENTBOOK_SERVICES_ACCOUNTS_DOMAIN_ACCOUNTS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clientbook/v1/changes.pb.h"
#include "common/paging/paging.h"
#include "services/accounts/domain/store_port.h"

// Accounts answers the calls no one cell can: which firms a user belongs to,
// across every cell. It keeps an index built from each cell's directory
// feed (firms and memberships): eventually consistent, and never trusted to
// grant access — every cell checks its own members on every call.
namespace clientbook::accounts {

class Accounts {
 public:
  explicit Accounts(AccountsStore& store) : store_(store) {}

  // Applies one batch of `feed` and keeps `token` as its position. Applying
  // a batch again changes nothing: each change says what a firm or a
  // membership is now. Another cell's firms, and other resources, are not
  // this feed's and are left alone.
  absl::Status Apply(FeedOf feed,
                     const google::protobuf::RepeatedPtrField<v1::ChangeEvent>& events,
                     const std::string& token);
  absl::StatusOr<std::string> Position(FeedOf feed) const {
    return store_.Position(feed);
  }
  // Starts the feed over: forgets its position and what it built.
  absl::Status Forget(FeedOf feed) { return store_.Forget(feed); }

  // The firms `user` is a member of, in every cell, in id order.
  absl::StatusOr<storage::Page<v1::Firm>> ListMyFirms(absl::string_view user,
                                                      const storage::PageRequest& page);

 private:
  AccountsStore& store_;
};

}  // namespace clientbook::accounts

#endif  // CLIENTBOOK_SERVICES_ACCOUNTS_DOMAIN_ACCOUNTS_H_
