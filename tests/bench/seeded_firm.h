#ifndef CLIENTBOOK_TESTS_BENCH_SEEDED_FIRM_H_
#define CLIENTBOOK_TESTS_BENCH_SEEDED_FIRM_H_

#include <cstdlib>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "services/directory/domain/directory.h"
#include "tests/support/callers.h"

// The firms the scale benchmarks list and search: created through the
// domain, with Italian, Spanish, French and German names and company kinds
// ("Rossi SRL 400", "Lefèvre SARL 1234"), numbers, ten lead accountants (one
// with only 20 clients) and one client in fifty a person.
namespace clientbook::bench {

inline constexpr const char* kSurnames[] = {
    "Rossi",    "Russo",   "Ferrari",  "Esposito", "Bianchi",  "Romano",  "Colombo",
    "Ricci",    "Marino",  "Greco",    "Bruno",    "Gallo",    "Conti",   "De Luca",
    "Mancini",  "Costa",   "Giordano", "Rizzo",    "Lombardi", "Moretti", "García",
    "Martínez", "López",   "Sánchez",  "Pérez",    "Martin",   "Bernard", "Dubois",
    "Thomas",   "Robert",  "Richard",  "Petit",    "Durand",   "Leroy",   "Moreau",
    "Simon",    "Laurent", "Lefèvre",  "Michel",   "Müller"};
inline constexpr const char* kKinds[] = {
    "SRL",  "SpA",     "SNC",        "SL",      "SA",
    "SARL", "& Figli", "Consulting", "Trading", "Società Agricola"};

struct SeededFirm {
  uint64_t id = 0;
  int clients = 0;
  std::string middle_token;  // a page token half way through the list
};

inline SeededFirm SeedFirm(directory::Directory& directory, const std::string& owner,
                           int clients) {
  SeededFirm firm;
  firm.id =
      directory.firms.CreateFirm(testing::As(owner), owner, owner + "@x.example", "", "")
          ->id();
  firm.clients = clients;
  // Nine lead accountants share the firm; a tenth leads only 20 clients.
  for (int lead = 0; lead < 10; ++lead) {
    directory::MemberRecord m;
    m.set_user_id(absl::StrCat("lead-", lead));
    m.set_role(v1::Role::STAFF);
    m.set_email(absl::StrCat("lead-", lead, "@x.example"));
    if (!directory.firms.AddMember(testing::As(owner), names::FirmName{firm.id}, m).ok())
      std::abort();
  }
  const absl::Time start = absl::Now();
  for (int i = 0; i < clients; ++i) {
    directory::ClientRecord c;
    c.set_client_type(i % 50 == 7 ? v1::INDIVIDUAL : v1::BUSINESS);
    c.set_lead_accountant_user_id(
        absl::StrCat("lead-", i % (clients / 20) == 0 ? 9 : i % 9));
    c.set_display_name(absl::StrCat(kSurnames[i % std::size(kSurnames)], " ",
                                    kKinds[(i / 40) % std::size(kKinds)], " ", i));
    c.set_client_number(absl::StrFormat("C-%07d", i));
    if (!directory.clients
             .CreateClient(testing::As(owner), names::FirmName{firm.id}, c, false, "")
             .ok())
      std::abort();
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  absl::PrintF("built firm of %d clients in %.1f s (%.0f creates/s)\n", clients, seconds,
               clients / seconds);
  directory::ClientListQuery q{.firm_id = firm.id,
                               .page = {.page_size = 1000, .page_token = ""}};
  for (int seen = 0; seen < clients / 2; seen += 1000) {
    auto page = directory.listing.ListClients(testing::As(owner), q);
    q.page.page_token = page->next_page_token;
  }
  firm.middle_token = q.page.page_token;
  return firm;
}

}  // namespace clientbook::bench

#endif  // CLIENTBOOK_TESTS_BENCH_SEEDED_FIRM_H_
