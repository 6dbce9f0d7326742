// A deployment inside a SimWorld: the OMS on one host and a kernel server on every other host, each
// booted by the world's boot function (and booted again, fresh, after a crash and restart). Hosts'
// regions and labels become the kernel servers' regions and labels, plus name=<host>.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/kernel.h"
#include "replicated_oms/oms_replica.h"
#include "runtime/oms.h"
#include "sim/sim_world.h"
#include "testbed/cluster.h"

namespace amino::testbed {

struct SimClusterOptions {
  NodeId oms_host;                 // this host runs the OMS only
  KernelOptions kernel;            // defaults for every kernel server (oms, region, labels are set here)
  OmsOptions oms;
  std::vector<NodeId> client_only; // hosts whose kernels host nothing (pure callers)
  // A replicated OMS (replicated_oms/): these hosts run one OMS replica each (and nothing else),
  // keeping its Raft log in the host's storage; oms_host is then ignored. Empty: the one OMS on
  // oms_host, in memory (the default).
  std::vector<NodeId> oms_replicas;
  replicated_oms::OmsReplicaOptions replica;  // peers are set from oms_replicas
};

class SimCluster : public Cluster {
 public:
  // On a world the caller owns (and may drive directly).
  SimCluster(sim::SimWorld& world, const ClassRegistry& classes, const DmRegistry& dms, SimClusterOptions options);
  // On a world of its own, made from `world` (one per process: see sim/sim_world.h).
  SimCluster(sim::SimOptions world, const ClassRegistry& classes, const DmRegistry& dms, SimClusterOptions options);
  ~SimCluster() override;

  // Runs fn in an execution context on `node` and the simulation until fn returns or `limit` of
  // simulated time passes; false in the latter case.
  bool run_on(const NodeId& node, std::function<void()> fn, Duration limit) override;
  // Runs the simulation until every kernel server has registered (or `limit`).
  bool wait_registered(Duration limit) override;

  Kernel& kernel(const NodeId& node) override;  // the current incarnation
  Oms& oms() override;  // replicated: the serving leader's (else the first replica booted)
  // Replicated OMS: the replica that serves now (empty if none), a replica's status
  // (OmsReplica::status), and whether `node` runs an OMS replica.
  NodeId oms_leader() const;
  Value oms_status(const NodeId& node) const;
  bool is_oms_replica(const NodeId& node) const;
  const replicated_oms::OmsReplica* oms_replica(const NodeId& node) const;  // current incarnation, or null
  Env& env(const NodeId& node) override { return world_.env(node); }
  Time now() const override { return world_.now(); }
  void run_until(Time t) override { world_.run_until(t); }
  void schedule(Duration after, const Fault& fault) override { world_.schedule(world_.now() + after, fault); }
  void crash(const NodeId& node) override { world_.apply(CrashFault{node}); }
  void arm(ProbeTrigger trigger) override {
    trigger.from += world_.now();
    if (trigger.until) *trigger.until += world_.now();
    world_.arm(std::move(trigger));
  }

  sim::SimWorld& world() { return world_; }
  std::vector<NodeId> kernel_nodes() const;

 private:
  SimCluster(std::unique_ptr<sim::SimWorld> owned, const ClassRegistry& classes, const DmRegistry& dms,
             SimClusterOptions options);
  void boot(const NodeId& node, Env& env);

  std::unique_ptr<sim::SimWorld> owned_world_;  // first: outlives the kernels that use its Envs
  sim::SimWorld& world_;
  const ClassRegistry& classes_;
  const DmRegistry& dms_;
  SimClusterOptions options_;
  std::unique_ptr<Rpc> oms_rpc_;
  std::unique_ptr<Oms> oms_;
  struct OmsNode {
    std::unique_ptr<Rpc> rpc;
    std::unique_ptr<Oms> oms;
    std::unique_ptr<replicated_oms::OmsReplica> replica;
  };
  std::map<NodeId, OmsNode> oms_nodes_;  // replicated OMS: the current incarnation per host
  std::vector<OmsNode> retired_oms_;     // earlier incarnations (frozen contexts may refer to them)
  std::map<NodeId, std::unique_ptr<Kernel>> kernels_;
  // Earlier incarnations of restarted nodes: their frozen contexts may still refer to them.
  std::vector<std::unique_ptr<Kernel>> retired_;
};

}  // namespace amino::testbed
