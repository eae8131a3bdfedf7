#include "common/server/thread_limit.h"

#include <algorithm>
#include <fstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace clientbook::server {
namespace {

// The number in `dir`/pids.max; nothing for "max" or no such file.
std::optional<int64_t> PidsMax(const std::string& dir) {
  std::ifstream file(dir + "/pids.max");
  std::string text;
  int64_t limit = 0;
  if (!std::getline(file, text) || !absl::SimpleAtoi(text, &limit)) return std::nullopt;
  return limit;
}

// The smallest pids.max of the cgroup at `path` under the hierarchy mounted
// at `mount` and of its ancestors: each level bounds everything below it.
std::optional<int64_t> SmallestUpFrom(const std::string& mount, absl::string_view path) {
  std::optional<int64_t> smallest;
  std::string dir = absl::StrCat(mount, absl::StripSuffix(path, "/"));
  while (true) {
    if (std::optional<int64_t> limit = PidsMax(dir)) {
      smallest = std::min(smallest.value_or(*limit), *limit);
    }
    if (dir.size() <= mount.size()) return smallest;
    dir.resize(dir.rfind('/'));
  }
}

}  // namespace

std::optional<int64_t> ThreadLimit(const std::string& root) {
  const std::string base = root == "/" ? "" : root;
  std::ifstream cgroups(base + "/proc/self/cgroup");
  std::optional<int64_t> smallest;
  std::string line;
  while (std::getline(cgroups, line)) {
    // "id:controllers:path": v1's pids hierarchy, or v2's one ("0::path").
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (fields.size() != 3) continue;
    const std::vector<absl::string_view> controllers = absl::StrSplit(fields[1], ',');
    std::string mount;
    if (std::find(controllers.begin(), controllers.end(), "pids") != controllers.end()) {
      mount = base + "/sys/fs/cgroup/pids";
    } else if (fields[0] == "0" && fields[1].empty()) {
      mount = base + "/sys/fs/cgroup";
    } else {
      continue;
    }
    if (std::optional<int64_t> limit = SmallestUpFrom(mount, fields[2])) {
      smallest = std::min(smallest.value_or(*limit), *limit);
    }
  }
  return smallest;
}

int64_t ThreadsBesideStreams(int cores) {
  return std::max<int64_t>(128, 64 + int64_t{8} * cores);
}

StreamBounds FitToThreadLimit(StreamBounds wanted, std::optional<int64_t> limit,
                              int64_t beside) {
  const int64_t want = static_cast<int64_t>(wanted.streams) + wanted.watchers;
  if (!limit.has_value() || want <= 0) return wanted;
  const int64_t room = *limit - beside;
  if (want <= room) return wanted;
  auto cut = [&](int bound) {
    return bound <= 0 ? bound
                      : static_cast<int>(std::max<int64_t>(1, room * bound / want));
  };
  return {.streams = cut(wanted.streams), .watchers = cut(wanted.watchers)};
}

}  // namespace clientbook::server
