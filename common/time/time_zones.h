#ifndef CLIENTBOOK_COMMON_TIME_TIME_ZONES_H_
#define CLIENTBOOK_COMMON_TIME_TIME_ZONES_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace clientbook {

// The IANA time zone called `name` ("Europe/Rome", "UTC"), if there is one;
// not the host's own ("localtime") nor Debian's copies of the database
// ("posix/…", "right/…", "posixrules"). A name reaches absl::LoadTimeZone
// only once it is a zone file of the zoneinfo directory ($TZDIR, else
// /usr/share/zoneinfo), as absl reads it:
// absl keeps every name it is asked to load, found or not, for the life of
// the process, so made-up names would grow a service's memory without end
// (100,000 of them took the directory 15–20 MB, never given back), and it
// takes a name starting with '/' as a path, which may be a device whose
// read never ends.
std::optional<absl::TimeZone> LoadIanaTimeZone(absl::string_view name);

}  // namespace clientbook

#endif  // CLIENTBOOK_COMMON_TIME_TIME_ZONES_H_
