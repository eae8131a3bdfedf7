#ifndef CLIENTBOOK_TESTS_SUPPORT_SEED_FIRM_H_
#define CLIENTBOOK_TESTS_SUPPORT_SEED_FIRM_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clientbook/v1/directory.grpc.pb.h"
#include "grpcpp/client_context.h"

namespace clientbook::testing {

// v1 is named in full here: in a test that includes clientbook.testing.v1
// (the fake clock's service), a bare v1 would mean testing::v1.

// A firm of "alice" with `clients` business clients named "Client 10000",
// "Client 10001", …, created over gRPC as a user would.
struct SeededFirm {
  std::string name;                      // firms/{firm}
  std::vector<std::string> company_ids;  // in creation order
  grpc::Status status;                   // the first failure, if any
};

inline SeededFirm SeedFirm(::clientbook::v1::DirectoryService::StubInterface& directory,
                           int clients) {
  auto as_alice = [] {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("x-user-id", "alice");
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  };
  SeededFirm seeded;
  ::clientbook::v1::CreateFirmRequest create_firm;
  create_firm.mutable_firm()->set_display_name("Studio");
  create_firm.set_creator_email("alice@studio.example");
  ::clientbook::v1::Firm firm;
  seeded.status = directory.CreateFirm(as_alice().get(), create_firm, &firm);
  seeded.name = firm.name();
  for (int i = 0; seeded.status.ok() && i < clients; ++i) {
    ::clientbook::v1::CreateClientRequest req;
    req.set_parent(seeded.name);
    req.mutable_client()->set_display_name(absl::StrCat("Client ", 10000 + i));
    req.mutable_client()->set_client_type(::clientbook::v1::BUSINESS);
    ::clientbook::v1::Client client;
    seeded.status = directory.CreateClient(as_alice().get(), req, &client);
    seeded.company_ids.push_back(client.company_id());
  }
  return seeded;
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_SEED_FIRM_H_
