// Cluster: a deployment under test that a test or an experiment drives the same way on every
// backend — run code in an execution context on a node until it returns or a limit of the
// cluster's time passes, reach a node's Kernel or the OMS, read the clock, let time pass, inject
// faults. Implemented by InProcCluster (in-process, virtual time), LoopbackCluster (sockets on
// 127.0.0.1, real time) and SimCluster (SimGrid, simulated time). Nodes are named after the
// platform's hosts on every backend (on sockets a node's wire id is its address; kernel servers
// also carry the label name=<host>).
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>

#include "runtime/kernel.h"
#include "runtime/oms.h"
#include "testbed/fault_schedule.h"
#include "testbed/platform.h"

namespace amino::testbed {

class Cluster {
 public:
  virtual ~Cluster() = default;

  // Lets the cluster run until every kernel server has registered with the OMS (or `limit`).
  virtual bool wait_registered(Duration limit) = 0;
  // Runs fn in an execution context on `node`, and the cluster until fn returns or `limit` of the
  // cluster's time passes; false in the latter case.
  virtual bool run_on(const NodeId& node, std::function<void()> fn, Duration limit) = 0;

  virtual Kernel& kernel(const NodeId& node) = 0;  // the node's current incarnation
  virtual Oms& oms() = 0;
  virtual Env& env(const NodeId& node) = 0;         // what the node's software runs on

  virtual Time now() const = 0;
  virtual void run_until(Time t) = 0;
  void run_for(Duration d) { run_until(now() + d); }

  // The fault acts `after` from now, by host name. Throws std::invalid_argument, before anything
  // happens, for a fault that is invalid or that this backend cannot apply.
  virtual void schedule(Duration after, const Fault& fault) = 0;
  // Arms a trigger (fault_schedule.h: faults timed to a probe); its from/until count from now. Only
  // a backend that records probes (the simulator) can; the others throw std::invalid_argument.
  virtual void arm(ProbeTrigger) { throw std::invalid_argument(kTriggersSimOnly); }
  // Stops a node abruptly, now (its synced storage survives).
  virtual void crash(const NodeId& node) = 0;
};

// A kernel server's options on `host`: the defaults, with the host's region (if any), its labels
// and name=<host>. The same on every backend, so node selectors mean the same everywhere.
KernelOptions kernel_options_for(const HostSpec& host, KernelOptions defaults);

// Boots a node's software on its fault-injecting Env `life.faulty`: the OMS on oms_host, a kernel
// server (kernel_options_for its host) anywhere else. The OMS keeps its state in memory only, on
// every backend: a restarted OMS starts empty.
template <typename Incarnation>
void start_node_software(Incarnation& life, const HostSpec& host, const NodeId& oms_host, const ClassRegistry& classes,
                         const DmRegistry& dms, const KernelOptions& kernel, const OmsOptions& oms) {
  if (host.name == oms_host) {
    life.oms_rpc = std::make_unique<Rpc>(*life.faulty);
    life.oms = std::make_unique<Oms>(*life.oms_rpc, dms, oms);
    life.oms->start();
  } else {
    life.kernel = std::make_unique<Kernel>(*life.faulty, classes, dms, kernel_options_for(host, kernel));
    life.kernel->start();
  }
}

// For clusters whose nodes crash and boot again (InProcCluster, LoopbackCluster): a node's current
// incarnation (nullptr while it is down) holds `kernel`, `oms` and its fault-injecting Env `faulty`;
// these give Cluster::kernel/oms/env, with the errors every such cluster reports.
template <typename Incarnation>
Kernel& current_kernel(const Incarnation* current, const NodeId& name) {
  if (current == nullptr || !current->kernel) throw std::invalid_argument(name + " runs no kernel server now");
  return *current->kernel;
}
template <typename Incarnation>
Oms& current_oms(const Incarnation* current) {
  if (current == nullptr) throw std::logic_error("the OMS is down");
  return *current->oms;
}
template <typename Incarnation>
Env& current_env(const Incarnation* current, const NodeId& name) {
  if (current == nullptr) throw std::invalid_argument(name + " is down");
  return *current->faulty;
}

}  // namespace amino::testbed
