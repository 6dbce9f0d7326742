// Transactions for the transactional checker's tests: micro-operations and whole "txn" operations
// (invoke with the reads' values null, completion with what they returned).
#pragma once

#include "tests/check/history_builders.h"
#include "testbed/check/history.h"

namespace amino::check::testing {

inline Json append(const Json& k, const Json& v) { return Json::array({"append", k, v}); }
inline Json w(const Json& k, const Json& v) { return Json::array({"w", k, v}); }
// A read and what it returned (a list for list-append, a value for rw-register; null: never written).
inline Json r(const Json& k, const Json& v = nullptr) { return Json::array({"r", k, v}); }

// The invoke's form of micro-operations: reads' values are not known yet.
inline Json invoked(Json mops) {
  for (auto& m : mops) {
    if (m.is_array() && m.size() == 3 && m[0] == "r") m[2] = nullptr;
  }
  return mops;
}

// A whole transaction from `from` to `to` (ms); returns its operation id (for anomaly ops).
inline int txn(History& h, int process, const Json& mops, EventType type, std::int64_t from, std::int64_t to) {
  const int i = h.invoke(process, "txn", std::nullopt, invoked(mops), ms(from));
  h.complete(i, type, type == EventType::kOk ? mops : invoked(mops), ms(to));
  return h.operations()[static_cast<std::size_t>(i)].id;
}
inline int ok(History& h, int process, const Json& mops, std::int64_t from, std::int64_t to) {
  return txn(h, process, mops, EventType::kOk, from, to);
}

}  // namespace amino::check::testing
