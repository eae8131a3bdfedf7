#ifndef CLIENTBOOK_TESTS_SUPPORT_KILL_ROUNDS_H_
#define CLIENTBOOK_TESTS_SUPPORT_KILL_ROUNDS_H_

#include <cstdlib>

namespace clientbook::testing {

// How many times a kill -9 test kills: $CLIENTBOOK_KILL_ROUNDS, 20 by
// default (tests/run); tests/reliability/kill_loop runs 200.
inline int KillRounds() {
  const char* rounds = std::getenv("CLIENTBOOK_KILL_ROUNDS");
  return rounds == nullptr ? 20 : std::atoi(rounds);
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_KILL_ROUNDS_H_
