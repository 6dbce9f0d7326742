// A whole simulated experiment described as JSON data, and its results as JSON data: the C++ side of
// the `amino` Python module (pybind/module.cc binds these functions; they know nothing of Python).
//
// Scenario JSON (times in seconds; the Python package builds it, pybind/README.md documents it):
//   {"seed": 1, "duration": 30, "oms_host": "oms",
//    "oms_replicas": ["oms1", "oms2", "oms3"],  // optional: a replicated OMS (pybind/README.md)
//    "platform": {"hosts": [...], "links": [...], "network_model": "CM02"},   // testbed/platform.h JSON
//    "deployments": [{"name": "board", "node": "phone1", "spec_yaml": "...",
//                     "init": [{"method": "setup", "args": ["board", "scores"]}]}],
//    "workloads": [{"client": "player1", "node": "phone1", "target": "board",
//                   "calls": [{"method": "read", "args": []}],      // cycled in order
//                   "count": 50, "think": 0.1, "rate": 0, "start": 0, "timeout": 5}],
//    "faults": [{"at": 10, "type": "partition", "groups": [["a"], ["b"]]}],  // testbed/fault_schedule.h
//    "max_value_chars": 160, "chrome_trace": "path or empty", "jsonl_trace": "path or empty"}
//
// Time 0 of `start`, `at` and record start times is the moment every deployment was created and
// initialised (boot, OMS registration and creation come before it and are not measured).
#pragma once

#include <string>
#include <vector>

namespace amino::pyrun {

// Every problem with the scenario (unknown hosts, DMs, classes, methods, unplaceable specs, faults
// naming unknown nodes...), as readable sentences; empty when it can run. Never starts SimGrid, so
// it is safe in a process that will fork simulations later.
std::vector<std::string> validate(const std::string& scenario_json);

// Runs the scenario in THIS process (creates the one SimWorld a process may ever have: call it only
// in a fresh child). Returns the results JSON: {"ok", "errors", "records", "history" (pybind/history.h),
// "trace_hash", ...; with oms_replicas "oms": {"replicas", "leader_at_t0", "leader_at_end", "status"
// (sim: each replica's Raft status)}}.
// Throws std::invalid_argument with the validation problems when the scenario is invalid, and for
// the netns backend, whose hosts are processes of their own (scenario_node.h, amino/netns_backend.py).
std::string run(const std::string& scenario_json);

// Preset hosts of testbed/presets.h as platform JSON: kind is cloud_server, edge_server, phone_wifi,
// phone_3g, tablet_wifi or tablet_3g.
std::string preset_host(const std::string& kind, const std::string& name, const std::string& region);

// Registered DM names, and classes with their methods ({"Board": {"read": {"arity":0,"read_only":true}}}).
std::string catalogue();

}  // namespace amino::pyrun
