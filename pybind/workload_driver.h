// What a scenario's clients do, independent of where the nodes run: create a deployment (its spec,
// then its init calls) on its creator's kernel, run workloads (closed or open loop) and record every
// call twice, as a record (records_json) and as an operation of the history (pybind/history.h).
// The scenario runner drives every node of a scenario through one testbed::Cluster
// (scenario_runner.cc); the netns node program (scenario_node.h) drives the workloads of one host in
// its own process. Both use this, so a call is recorded the same way on every backend.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pybind/history.h"
#include "pybind/scenario_spec.h"
#include "runtime/kernel.h"
#include "runtime/rng.h"

namespace amino::pyrun {

// Creates deployment `d` from kernel `k` (its creator host) and runs its init calls, in the calling
// execution context. Returns "" on success, else what failed.
std::string create_deployment(Kernel& k, const DeploymentSpec& d);

// The workload's own random streams: one per workload of the scenario, in declaration order (every
// process that runs some of the workloads forks them all, so workload i gets the same stream).
std::vector<Rng> workload_rngs(const Scenario& s);

class WorkloadDriver {
 public:
  struct Nodes {
    std::function<Kernel&(const NodeId&)> kernel;  // a host's current kernel
    std::function<Env&(const NodeId&)> env;        // what a host's software runs on
    std::function<Time()> now;                     // true time of the run (not a node's clock)
  };

  // `s` and the functions in `nodes` must outlive the driver.
  WorkloadDriver(const Scenario& s, Nodes nodes) : s_(s), nodes_(std::move(nodes)) {}

  // Time 0 of the run and its end, in the time of nodes.now (and of every node's Env).
  void set_window(Time t0, Time end) {
    t0_ = t0;
    end_ = end;
  }
  // Spawns workload `wi` on its node now; it sleeps its own `start` first.
  void start(std::size_t wi, Rng rng);

  nlohmann::json records_json() const;
  nlohmann::json history_json() const { return history_.events(); }
  long long in_flight() const { return in_flight_; }

 private:
  struct Record {
    std::string client, node, microservice, method;
    Time start = 0;
    Duration latency = 0;
    std::string outcome;
    nlohmann::json value;
    std::string error;
  };

  void closed_loop(std::size_t wi);
  void open_loop(std::size_t wi, Rng rng);
  void one_call(std::size_t wi, Kernel& k, const CallSpec& c);
  nlohmann::json summarize_value(const Value& v) const;
  nlohmann::json summarize_args(const ValueList& args) const;
  Time since_t0() const { return nodes_.now() - t0_; }

  const Scenario& s_;
  Nodes nodes_;
  Time t0_ = 0;
  Time end_ = 0;
  std::vector<Record> records_;
  HistoryRecorder history_{s_.workloads.size()};
  long long in_flight_ = 0;
};

}  // namespace amino::pyrun
