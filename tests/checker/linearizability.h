// Linearizability checking of key-value histories (Herlihy & Wing's definition): is there a total
// order of the operations, consistent with real time (an operation that completed before another
// was invoked comes first) and with a register's sequential semantics per key?
//
// Algorithm: Wing & Gong's search as improved by Lowe ("Testing for linearizability", 2017) and
// used by Knossos and Porcupine: walk a linked list of call/return events; linearize a pending call
// if the model accepts it, backtrack at a return whose call is not linearized yet; memoize every
// (set of linearized operations, model state) already explored, which prunes the search to the
// reachable configurations. The history is split per key first (P-compositionality: a history is
// linearizable iff each key's sub-history is), so each search stays small.
//
// Outcomes: ok operations must be linearized; failed ones are dropped (they certainly had no
// effect); info (unknown) writes and cas are given a return time of +infinity, so they may take
// effect at any point after their invocation or, placed last, not at all; info reads are dropped
// (they observe nothing we know of). Pending operations count as info.
//
// Model per key: a register, initially absent (nil). read returns the current value; write sets
// it; cas(expected, new) sets it iff it equals `expected` and reports whether it did.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/checker/history.h"

namespace amino::checker {

struct CheckOptions {
  // Bound on search steps per key; past it the result is "unknown" rather than a verdict.
  std::uint64_t max_steps_per_key = 20'000'000;
};

struct KeyResult {
  std::string key;
  bool linearizable = true;
  bool decided = true;  // false: the step bound was hit
  std::uint64_t steps = 0;
  std::size_t operations = 0;
  std::string explanation;  // for a violation: the longest linearization found and what blocked it
};

struct CheckResult {
  bool linearizable = true;  // every key linearizable (and decided)
  bool decided = true;
  std::vector<KeyResult> keys;  // by key name
  std::string summary() const;
};

CheckResult check_linearizable(const History& history, const CheckOptions& options = {});

}  // namespace amino::checker
