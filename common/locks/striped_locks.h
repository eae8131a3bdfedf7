#ifndef CLIENTBOOK_COMMON_LOCKS_STRIPED_LOCKS_H_
#define CLIENTBOOK_COMMON_LOCKS_STRIPED_LOCKS_H_

#include <algorithm>
#include <array>
#include <functional>
#include <initializer_list>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace clientbook::storage {

// Serializes check-then-write sequences (is this client number free? then
// write it) per scope such as a firm, while other firms proceed in parallel.
// Several scopes are locked in stripe order, so callers cannot deadlock.
class StripedLocks {
 public:
  class Guard {
   public:
    Guard(Guard&&) = default;
    ~Guard() {
      for (auto it = held_.rbegin(); it != held_.rend(); ++it) (*it)->Unlock();
    }

   private:
    friend class StripedLocks;
    explicit Guard(std::vector<absl::Mutex*> held) : held_(std::move(held)) {}
    std::vector<absl::Mutex*> held_;
  };

  Guard Lock(std::initializer_list<absl::string_view> scopes) {
    std::vector<size_t> stripes;
    for (absl::string_view scope : scopes) {
      stripes.push_back(absl::Hash<absl::string_view>{}(scope) % kStripes);
    }
    std::sort(stripes.begin(), stripes.end());
    stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
    std::vector<absl::Mutex*> held;
    for (size_t i : stripes) {
      mutexes_[i].Lock();
      held.push_back(&mutexes_[i]);
    }
    return Guard(std::move(held));
  }

 private:
  static constexpr size_t kStripes = 64;
  std::array<absl::Mutex, kStripes> mutexes_;
};

}  // namespace clientbook::storage

#endif  // CLIENTBOOK_COMMON_LOCKS_STRIPED_LOCKS_H_
