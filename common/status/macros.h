#ifndef CLIENTBOOK_COMMON_STATUS_MACROS_H_
#define CLIENTBOOK_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Early return on error, as in Google's status macros (not in this Abseil).
#define CB_RETURN_IF_ERROR(expr)                \
  do {                                          \
    if (::absl::Status _s = (expr); !_s.ok()) { \
      return _s;                                \
    }                                           \
  } while (0)

#define CB_CONCAT_INNER(a, b) a##b
#define CB_CONCAT(a, b) CB_CONCAT_INNER(a, b)

// `lhs` = value of the StatusOr `expr`, or return its error.
#define CB_ASSIGN_OR_RETURN(lhs, expr) \
  CB_ASSIGN_OR_RETURN_IMPL(CB_CONCAT(_status_or_, __LINE__), lhs, expr)
#define CB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(*tmp)

#endif  // CLIENTBOOK_COMMON_STATUS_MACROS_H_
