// What only one backend can report about a finished run, added to the scenario runner's result:
// the SimGrid backend's trace hash, frame counts, end time, trace files, probes (times in ns since
// `t0`, like the history's), the Raft invariants checked over them (testbed/check/invariants.h) and
// the triggers that fired; the loopback sockets
// backend's message-layer counts and end (real) time. The run itself is driven through
// testbed::Cluster alone (scenario_runner.cc).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "testbed/cluster.h"

namespace amino::pyrun {

// Adds the backend's own results to `out`, writes the traces asked for (sim only), and appends what
// went wrong inside the run to `errors`.
void add_backend_results(testbed::Cluster& cluster, Time t0, const std::string& chrome_trace,
                         const std::string& jsonl_trace, nlohmann::json& out, nlohmann::json& errors);

}  // namespace amino::pyrun
