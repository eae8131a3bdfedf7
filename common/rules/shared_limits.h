#ifndef CLIENTBOOK_COMMON_RULES_SHARED_LIMITS_H_
#define CLIENTBOOK_COMMON_RULES_SHARED_LIMITS_H_

#include <cstddef>

// Limits more than one service enforces, defined once.
namespace clientbook::limits {

// User ids (x-user-id, the user segment of member names) and request ids:
// 1 to 128 bytes of printable ASCII.
inline constexpr size_t kMaxIdBytes = 128;

// A client number: at most 100 characters. The directory enforces it; import
// checks it per row too, to report the row instead of failing the batch.
inline constexpr size_t kMaxClientNumberCharacters = 100;

}  // namespace clientbook::limits

#endif  // CLIENTBOOK_COMMON_RULES_SHARED_LIMITS_H_
