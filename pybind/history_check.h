// Histories and the linearizability checker (testbed/check) for the Python module and its CLI, as
// JSON text in and out like the rest of the bindings. Knows nothing about Python: the adapter for
// models written in Python is pybind/python_model.h.
#pragma once

#include <string>

#include "testbed/check/history.h"
#include "testbed/check/model.h"
#include "testbed/check/transactions.h"

namespace amino::pyrun {

struct CheckLimits {
  unsigned long long max_steps = 0;  // per key; 0: the checker's default
  double time_limit_s = 0;           // wall seconds for the whole check; 0: none
  bool earliest_failure = true;      // check::CheckOptions::earliest_failure
};

// A history from JSON Lines text, or from the file at `path` (std::invalid_argument naming the
// file, or check::HistoryError naming the line).
check::History history_from_text(const std::string& jsonl);
check::History history_from_file(const std::string& path);
// The history's events as a JSON array (each in the JSON Lines field order), for Python.
std::string events_json(const check::History& h);

// Checks `h` against `model`; the result as JSON (check::CheckResult::to_json plus "elapsed_s",
// the wall time of the search).
std::string check_json(const check::History& h, const check::Model& model, const CheckLimits& limits);

// Checks `h` for transactional anomalies (check_transactions); the result as JSON
// (check::TxnCheckResult::to_json plus "elapsed_s"). model: "list-append" | "rw-register";
// time_limit_s: wall seconds for the cycle search (0: none). std::invalid_argument for an unknown
// model or level, check::TxnHistoryError for a malformed transaction.
std::string check_transactions_json(const check::History& h, const std::string& model, const std::string& consistency,
                                    double time_limit_s);
// The consistency levels (check::consistency_levels()) as a JSON array of {name, forbidden, order, description}.
std::string consistency_levels_json();

}  // namespace amino::pyrun
