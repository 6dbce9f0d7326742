// One host of a scenario in a process of its own: the netns backend (pybind/amino/netns_backend.py)
// runs one `amino-scenario-node` per platform host, each in its own network namespace, and drives
// them through a line protocol (bin/scenario_node_main.cc reads it from stdin).
//
// The node is the host's software on the sockets backend: the OMS on the scenario's oms_host (or,
// with oms_replicas, an OMS replica on each of those hosts, keeping its Raft log in the node's
// storage directory, so a node started again after a kill recovers it), a kernel server (kernel_options_for its host: region, labels, name=<host>) anywhere else, listening
// on its address of the address map, wrapped in a FaultyEnv whose FaultState emulates every host
// pair's platform route (latency, bottleneck bandwidth) in the message layer, as LoopbackCluster
// does in one process. The workloads of this host run through the WorkloadDriver the scenario
// runner uses (workload_driver.h), so records and history are the sockets backend's, per node.
//
// Commands (one line each; every command gets exactly one answer line; "error <why>" on failure):
//   kernel_servers     -> "kernel_servers <N>": kernel servers registered (the OMS host only); on an
//                         OMS replica "kernel_servers <N> serving|follower" (N counts only when
//                         serving: a follower's copy of the state may lag)
//   create <i>         -> "created <i>": deployment i created here, its init calls made
//   start <t0>         -> "started": time 0 of the run is CLOCK_MONOTONIC <t0> ns (all processes of
//                         the machine share it); this host's workloads start then and stop at
//                         t0 + duration
//   collect            -> "result <json>": {"records", "history", "unfinished_calls", "frames"}
//   quit               -> "bye", then the process exits
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "pybind/scenario_spec.h"
#include "pybind/workload_driver.h"
#include "runtime/kernel.h"
#include "runtime/oms.h"
#include "replicated_oms/oms_replica.h"
#include "runtime/sockets/sockets_env.h"
#include "testbed/faulty_env.h"

namespace amino::pyrun {

// host name -> node id ("ADDRESS:PORT"), for every host of the platform.
using AddressMap = std::map<NodeId, NodeId>;

// Parses {"host": "10.77.0.1:7400", ...}. Throws std::invalid_argument for malformed JSON, a value
// that is not ADDRESS:PORT, a host the platform does not have, a platform host without an address,
// or two hosts at one address.
AddressMap parse_address_map(const std::string& json_text, const testbed::PlatformSpec& platform);

struct ScenarioNodeOptions {
  NodeId host;                        // this process's platform host
  AddressMap addresses;               // parse_address_map's
  std::string cluster_key;            // required: the nodes listen on non-loopback addresses
  std::filesystem::path storage_dir;  // the host's durable storage (empty: SocketsEnv's default)
};

class ScenarioNode {
 public:
  // Binds the host's address and boots its software. Throws std::invalid_argument for a scenario
  // that is not for the netns backend or a host it does not have, boost::system::system_error when
  // the address cannot be bound.
  ScenarioNode(sockets::SocketsLoop& loop, const Scenario& scenario, ScenarioNodeOptions options);
  ~ScenarioNode();
  ScenarioNode(const ScenarioNode&) = delete;
  ScenarioNode& operator=(const ScenarioNode&) = delete;

  const NodeId& address() const { return env_->self(); }
  // Handles one command line; `answer` is called once, now or later (from the loop thread).
  void command(const std::string& line, std::function<void(const std::string&)> answer);
  bool quit() const { return quit_; }

 private:
  void create(std::size_t index, const std::function<void(const std::string&)>& answer);
  void start(Time t0_monotonic);
  nlohmann::json collect() const;

  sockets::SocketsLoop& loop_;
  const Scenario& s_;
  ScenarioNodeOptions options_;
  std::unique_ptr<sockets::SocketsEnv> env_;
  // What start_node_software (testbed/cluster.h) or start_oms_replica (testbed/oms_replica_node.h)
  // fills: the OMS, an OMS replica or a kernel server on `faulty`.
  struct Software {
    std::unique_ptr<testbed::FaultyEnv> faulty;
    std::unique_ptr<Rpc> oms_rpc;
    std::unique_ptr<Oms> oms;
    std::unique_ptr<replicated_oms::OmsReplica> replica;  // replicated OMS hosts only
    std::unique_ptr<Kernel> kernel;
  } life_;
  WorkloadDriver driver_;
  bool started_ = false;
  bool quit_ = false;
};

}  // namespace amino::pyrun
