#ifndef CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_DIRECTORY_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_DIRECTORY_H_

#include "common/time/clock.h"
#include "services/directory/domain/client_listing.h"
#include "services/directory/domain/client_merge.h"
#include "services/directory/domain/client_numbers.h"
#include "services/directory/domain/clients.h"
#include "services/directory/domain/directory_core.h"
#include "services/directory/domain/firms.h"
#include "services/directory/domain/import_port.h"
#include "services/directory/domain/invitations.h"
#include "services/directory/domain/member_removal.h"
#include "services/directory/domain/notes.h"
#include "services/directory/domain/store_port.h"
#include "services/directory/domain/todos.h"
#include "services/directory/domain/wholesale_port.h"

namespace clientbook::directory {

// The client directory's rules, in rooms. Every operation takes its caller
// (auth::Caller) and the typed name of what it acts on (names.h), and checks
// the caller against the firm's members before anything else; callers who
// are not members learn nothing about the firm. The parts share
// one DirectoryCore, so a firm's writes serialize whichever part makes them.
struct Directory {
  Directory(DirectoryStore& store, const Clock& clock, WholesaleCheck& wholesale,
            ImportActivity& imports)
      : core(store, clock),
        firms(core),
        removal(core),
        clients(core, wholesale),
        merge(core, wholesale, imports),
        numbers(core),
        listing(core),
        invitations(core),
        notes(core),
        todos(core) {}

  DirectoryCore core;
  Firms firms;
  MemberRemoval removal;
  Clients clients;
  ClientMerge merge;
  ClientNumbers numbers;
  ClientListing listing;
  Invitations invitations;
  Notes notes;
  Todos todos;
};

}  // namespace clientbook::directory

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_DOMAIN_DIRECTORY_H_
