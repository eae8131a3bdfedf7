#ifndef CLIENTBOOK_TESTS_SUPPORT_FAKE_DIRECTORY_PEERS_H_
#define CLIENTBOOK_TESTS_SUPPORT_FAKE_DIRECTORY_PEERS_H_

#include <functional>

#include "absl/container/flat_hash_set.h"
#include "services/directory/domain/import_port.h"
#include "services/directory/domain/wholesale_port.h"

namespace clientbook::directory {

// Stands in for the billing service (tests/integration/billing and
// tests/e2e cover the real one): which clients are on wholesale, or an error.
class FakeWholesaleCheck final : public WholesaleCheck {
 public:
  absl::StatusOr<bool> IsOnWholesale(const auth::Caller& caller,
                                     const ClientRecord& client) override {
    if (while_asked) while_asked();
    if (!answer.ok()) return answer;
    return on_wholesale.contains(client.company_id());
  }
  absl::StatusOr<bool> HasSubscription(const auth::Caller& caller,
                                       const ClientRecord& client) override {
    if (!answer.ok()) return answer;
    return subscribed.contains(client.company_id()) ||
           on_wholesale.contains(client.company_id());
  }
  absl::Status answer = absl::OkStatus();
  absl::flat_hash_set<uint64_t> on_wholesale;
  absl::flat_hash_set<uint64_t> subscribed;
  // Runs while billing is being asked: a slow billing service.
  std::function<void()> while_asked;
};

// Stands in for the import service: which firms have a job running, or an
// error.
class FakeImportActivity final : public ImportActivity {
 public:
  absl::StatusOr<bool> ImportRunning(const auth::Caller& caller,
                                     uint64_t firm_id) override {
    if (!answer.ok()) return answer;
    return running.contains(firm_id);
  }
  absl::Status answer = absl::OkStatus();
  absl::flat_hash_set<uint64_t> running;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_TESTS_SUPPORT_FAKE_DIRECTORY_PEERS_H_
