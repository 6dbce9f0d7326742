// Linearizability checking (Herlihy & Wing): is there a total order of the operations, consistent
// with real time (one that completed before another was invoked comes first) and with the model's
// sequential semantics?
//
// Algorithm: Wing & Gong's search as improved by Lowe ("Testing for linearizability", 2017), used
// by Knossos and Porcupine: walk a linked list of call/return events; linearize a pending call if
// the model accepts it, backtrack at a return whose call is not linearized yet; memoise every
// (linearized set, model state) explored, which prunes the search to reachable configurations.
// The history is split per key first (P-compositionality: it is linearizable iff each key's
// sub-history is); keys are searched smallest first and the first key that is not linearizable
// decides, even when another key hit a limit.
//
// Outcomes: ok operations must be linearized; failed ones are dropped (they had no effect); info
// ones (and those never completed) return at +infinity, so they take effect at any point after
// their invocation or, placed last, not at all; info operations that change nothing (reads) are
// dropped.
//
// For a violation the checker finds the earliest point of the history that is already not
// linearizable (a binary search over prefixes: the history as observed at each return, with
// operations still running counted as unknown) and reports the window that shows it: the
// operation whose return made it so, every operation concurrent with it, and the last operation
// that completed before it began.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "testbed/check/history.h"
#include "testbed/check/model.h"

namespace amino::check {

struct CheckOptions {
  // Bound on search steps per key (and per prefix searched for the window); past it: unknown.
  std::uint64_t max_steps_per_key = 100'000'000;
  // Polled every few thousand steps; returning true stops the check with "unknown". The caller
  // owns the clock (a time limit), so the checker itself stays deterministic.
  std::function<bool()> out_of_time;
  // For a violation, search for the earliest failing prefix (about log2(returns) more searches,
  // each smaller). Off: the window is built around the return where the whole search got stuck
  // deepest, which is cheaper and usually close, but not guaranteed earliest.
  bool earliest_failure = true;
};

enum class Verdict { kLinearizable, kNotLinearizable, kUnknown };
const char* to_string(Verdict v);

struct Window {
  std::string key;
  int failing_op = -1;      // the operation (its id) whose return made the history non-linearizable
  std::int64_t start = 0;   // history time (ns, or line index in an untimed history)
  std::int64_t end = 0;
  std::vector<int> ops;     // operation ids in the window, by invocation
};

struct KeyResult {
  std::string key;  // compact JSON text; "" for the implicit key
  Verdict verdict = Verdict::kLinearizable;
  std::uint64_t steps = 0;
  std::size_t operations = 0;  // searched (failed and unknown reads dropped)
  std::string reason;          // unknown: the limit that stopped it
};

struct CheckResult {
  Verdict verdict = Verdict::kLinearizable;
  std::string model;
  std::size_t operations = 0;          // in the history
  std::size_t keys_total = 0;
  std::vector<KeyResult> keys;         // the keys searched, in search order (may stop early)
  std::optional<Window> window;        // set when not linearizable
  std::string explanation;             // a violation's story, or why the result is unknown
  std::string summary() const;         // one line, then the explanation
  Json to_json() const;
};

CheckResult check_linearizable(const History& history, const Model& model, const CheckOptions& options = {});

}  // namespace amino::check
