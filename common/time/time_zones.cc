#include "common/time/time_zones.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace clientbook {
namespace {

// The longest IANA name is 32 characters ("America/Argentina/ComodRivadavia").
constexpr size_t kMaxTimeZoneNameBytes = 64;

// Names as the tz database spells them: ASCII letters, digits, '_', '-' and
// '+' in parts joined by '/'. No '.', so no part climbs out of the directory.
bool IsTimeZoneNameSyntax(absl::string_view name) {
  if (name.empty() || name.size() > kMaxTimeZoneNameBytes) return false;
  char previous = '/';
  for (char c : name) {
    const bool allowed = absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                         c == '-' || c == '+' || c == '/';
    if (!allowed || (c == '/' && previous == '/')) return false;
    previous = c;
  }
  return previous != '/';
}

// Files the zoneinfo directory holds beside the database's zones: the
// host's own zone, the POSIX default rules, and the zones again under
// posix/ and right/. Only the database's own names mean the same calendar
// on every host.
bool IsHostFile(absl::string_view name) {
  return name == "localtime" || name == "posixrules" ||
         absl::StartsWith(name, "posix/") || absl::StartsWith(name, "right/");
}

// Whether `name` is a regular file of the zoneinfo directory that starts as
// every compiled zone does ("TZif"); not a table, a directory or a device.
bool IsZoneFile(absl::string_view name) {
  const char* tzdir = std::getenv("TZDIR");
  const std::string path = absl::StrCat(
      tzdir != nullptr && *tzdir != '\0' ? tzdir : "/usr/share/zoneinfo", "/", name);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st;
  char magic[4];
  const bool zone = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                    ::pread(fd, magic, sizeof magic, 0) == sizeof magic &&
                    absl::string_view(magic, sizeof magic) == "TZif";
  ::close(fd);
  return zone;
}

}  // namespace

std::optional<absl::TimeZone> LoadIanaTimeZone(absl::string_view name) {
  if (name == "UTC") return absl::UTCTimeZone();
  absl::TimeZone zone;
  if (!IsTimeZoneNameSyntax(name) || IsHostFile(name) || !IsZoneFile(name) ||
      !absl::LoadTimeZone(std::string(name), &zone)) {
    return std::nullopt;
  }
  return zone;
}

}  // namespace clientbook
