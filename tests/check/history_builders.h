// One-line register operations for checker tests: a whole operation (invoke and completion).
#pragma once

#include <optional>
#include <string>

#include "runtime/time.h"
#include "testbed/check/history.h"

namespace amino::check::testing {

constexpr std::int64_t ms(std::int64_t n) { return n * kMillisecond; }

inline int op(History& h, int p, const std::string& f, const Json& key, const Json& in, EventType type, const Json& out,
              std::int64_t from, std::int64_t to) {
  const int i = h.invoke(p, f, key.is_null() ? std::nullopt : std::optional<Json>(key), in, ms(from));
  h.complete(i, type, out, ms(to));
  return i;
}
inline int write(History& h, int p, const std::string& k, const std::string& v, std::int64_t from, std::int64_t to) {
  return op(h, p, "write", k, v, EventType::kOk, v, from, to);
}
inline int read(History& h, int p, const std::string& k, std::optional<std::string> v, std::int64_t from, std::int64_t to) {
  return op(h, p, "read", k, nullptr, EventType::kOk, v ? Json(*v) : Json(nullptr), from, to);
}
inline int cas(History& h, int p, const std::string& k, const std::string& expected, const std::string& v, EventType type,
               std::int64_t from, std::int64_t to) {
  return op(h, p, "cas", k, Json::array({expected, v}), type, Json::array({expected, v}), from, to);
}

}  // namespace amino::check::testing
