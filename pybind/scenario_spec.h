// A scenario as C++ data: the JSON that amino.Scenario writes (pybind/amino/scenario.py), parsed
// and validated without running anything. scenario_runner.cc runs one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/env.h"  // LogLevel
#include "runtime/microservice.h"
#include "runtime/time.h"
#include "runtime/value.h"
#include "testbed/fault_schedule.h"
#include "testbed/platform.h"

namespace amino::pyrun {

struct CallSpec {
  std::string method;
  ValueList args;
  std::string target;  // the microservice called; empty: the workload's target (init calls: their deployment)
};

struct DeploymentSpec {
  std::string name, node, spec_yaml;
  std::vector<CallSpec> init;
};

struct WorkloadSpec {
  std::string client, node, target;
  std::vector<CallSpec> calls;
  long long count = 0;  // closed loop: calls to make (0 with rate > 0: open loop until the end)
  double think = 0;     // closed loop: pause after each reply, s
  double rate = 0;      // open loop: Poisson arrivals per second (0: closed loop)
  double start = 0, timeout = 5;
};

struct Scenario {
  std::uint64_t seed = 1;
  double duration = 10;
  std::string oms_host = "oms";
  // A replicated OMS (replicated_oms/, docs/deploy.md section 4b): these hosts run one OMS replica
  // each and nothing else; the elected leader serves. Empty: the one OMS on oms_host. When given,
  // oms_host is one of them (by default the first): the replica the runners start counting from.
  std::vector<std::string> oms_replicas;
  testbed::PlatformSpec platform;
  std::vector<DeploymentSpec> deployments;
  std::vector<WorkloadSpec> workloads;
  testbed::FaultSchedule faults;  // at_ns relative to time 0 of the experiment
  std::size_t max_value_chars = 160;
  std::string chrome_trace, jsonl_trace;
  std::string log_level = "error";
  // "sim" (SimGrid), "sockets" (LoopbackCluster, real time) or "netns" (one process per host in its
  // own network namespace: pybind/scenario_node.h, pybind/amino/netns_backend.py)
  std::string backend = "sim";
};

inline Duration secs(double s) { return from_seconds(s); }

// The longest a run, a workload's start/think/timeout and its rate may be (11.6 days, or per second):
// seconds become int64 nanoseconds, and duration=1e12 used to overflow that conversion.
constexpr double kMaxScenarioSeconds = 1e6;

// A replicated OMS of 3, 5 or 7 replicas: Raft needs an odd count to gain from each replica added
// (four tolerate one failure, as three do), and runtime/limits.h kMaxOmsReplicas caps the list.
constexpr std::size_t kMinScenarioOmsReplicas = 3;

// Whether `host` runs the OMS (oms_host, or any of oms_replicas) and nothing else.
bool is_oms_host(const Scenario& s, const std::string& host);

// Parses the JSON shape; throws std::invalid_argument on a malformed document.
Scenario parse_scenario(const std::string& text);
// Every semantic problem (platform, placements, classes and methods, DM specs, faults), as sentences.
std::vector<std::string> validate_scenario(const Scenario& s);
std::string join(const std::vector<std::string>& errors);  // one per line
// A scenario's log_level ("debug", "info", "warn"; anything else: error) as the runtime's level.
LogLevel log_level_from(const std::string& level);

// The application classes every scenario may deploy (scenarios/registry.h).
const ClassRegistry& classes();

}  // namespace amino::pyrun
