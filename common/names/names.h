#ifndef CLIENTBOOK_COMMON_NAMES_NAMES_H_
#define CLIENTBOOK_COMMON_NAMES_NAMES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Every resource name of the API as a small type, parsed and printed in one
// place. Parse accepts the canonical spelling only and fails with
// INVALID_ARGUMENT naming `field` and the expected pattern.
namespace clientbook::names {

// firms/{firm}
struct FirmName {
  uint64_t firm_id = 0;

  static absl::StatusOr<FirmName> Parse(absl::string_view field, absl::string_view name);
  std::string ToString() const;
  bool operator==(const FirmName&) const = default;
};

// firms/{firm}/members/{user}
struct MemberName {
  uint64_t firm_id = 0;
  std::string user_id;

  static absl::StatusOr<MemberName> Parse(absl::string_view field,
                                          absl::string_view name);
  std::string ToString() const;
  bool operator==(const MemberName&) const = default;
};

// firms/{firm}/members/{user}/clientListView
struct ClientListViewName {
  uint64_t firm_id = 0;
  std::string user_id;

  static absl::StatusOr<ClientListViewName> Parse(absl::string_view field,
                                                  absl::string_view name);
  std::string ToString() const;
  bool operator==(const ClientListViewName&) const = default;
};

// firms/{firm}/clients/{company}
struct ClientName {
  uint64_t firm_id = 0;
  uint64_t company_id = 0;

  static absl::StatusOr<ClientName> Parse(absl::string_view field,
                                          absl::string_view name);
  std::string ToString() const;
  FirmName firm() const { return {firm_id}; }
  bool operator==(const ClientName&) const = default;
};

// firms/{firm}/clients/{company}/subscription
struct SubscriptionName {
  uint64_t firm_id = 0;
  uint64_t company_id = 0;

  static absl::StatusOr<SubscriptionName> Parse(absl::string_view field,
                                                absl::string_view name);
  std::string ToString() const;
  ClientName client() const { return {firm_id, company_id}; }
  bool operator==(const SubscriptionName&) const = default;
};

// firms/{firm}/clients/{company}/subscription/transfer
struct BillingTransferName {
  uint64_t firm_id = 0;
  uint64_t company_id = 0;

  static absl::StatusOr<BillingTransferName> Parse(absl::string_view field,
                                                   absl::string_view name);
  std::string ToString() const;
  SubscriptionName subscription() const { return {firm_id, company_id}; }
  bool operator==(const BillingTransferName&) const = default;
};

// firms/{firm}/importJobs/{job}
struct ImportJobName {
  uint64_t firm_id = 0;
  uint64_t job_id = 0;

  static absl::StatusOr<ImportJobName> Parse(absl::string_view field,
                                             absl::string_view name);
  std::string ToString() const;
  bool operator==(const ImportJobName&) const = default;
};

// firms/{firm}/notes/{note}
struct NoteName {
  uint64_t firm_id = 0;
  uint64_t note_id = 0;
  static absl::StatusOr<NoteName> Parse(absl::string_view field, absl::string_view name);
  std::string ToString() const;
};

// firms/{firm}/todos/{todo}
struct TodoName {
  uint64_t firm_id = 0;
  uint64_t todo_id = 0;
  static absl::StatusOr<TodoName> Parse(absl::string_view field, absl::string_view name);
  std::string ToString() const;
};

// invitations/{invitation}
struct InvitationName {
  uint64_t invitation_id = 0;

  static absl::StatusOr<InvitationName> Parse(absl::string_view field,
                                              absl::string_view name);
  std::string ToString() const;
  bool operator==(const InvitationName&) const = default;
};

}  // namespace clientbook::names

#endif  // CLIENTBOOK_COMMON_NAMES_NAMES_H_
