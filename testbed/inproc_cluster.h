// InProcCluster: a deployment on the in-process backend — the OMS on one platform host and a kernel
// server on every other host, all in one InProcWorld (one thread, virtual time, deterministic).
// Each node's Env is wrapped in a FaultyEnv sharing one FaultState, so message-layer faults
// (partitions, loss, delay, ...) act as on the other backends; crash freezes a node (its synced
// storage survives unless wipe_storage), restart boots it again, fresh. With oms_replicas the OMS
// is replicated (replicated_oms/) over those hosts, as SimCluster does. Of the platform only names,
// regions and labels count: every message takes the world's fixed latency, and CPU is a fixed rate.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "runtime/inproc/inproc_world.h"
#include "testbed/cluster.h"
#include "testbed/faulty_env.h"
#include "testbed/oms_replica_node.h"

namespace amino::testbed {

struct InProcClusterOptions {
  PlatformSpec platform;
  NodeId oms_host;        // this host runs the OMS only
  KernelOptions kernel;   // defaults for every kernel server (oms, region, labels are set here)
  OmsOptions oms;
  std::uint64_t seed = 1;  // the world's (each node's Env::rng); the FaultyEnvs' Rngs come from it too
  Duration latency = 100 * kMicrosecond;  // one-way, every message
  // A replicated OMS (replicated_oms/): these hosts run one OMS replica each (and nothing else),
  // keeping its Raft log in the host's storage; oms_host is then ignored. Empty: the one OMS on
  // oms_host, in memory (the default). As SimClusterOptions::oms_replicas.
  std::vector<NodeId> oms_replicas;
  replicated_oms::OmsReplicaOptions replica;  // peers are set from oms_replicas
};

class InProcCluster : public Cluster {
 public:
  // Adds every host to the world and starts the OMS, then the kernel servers, in platform order.
  InProcCluster(const ClassRegistry& classes, const DmRegistry& dms, InProcClusterOptions options);
  ~InProcCluster() override;

  bool wait_registered(Duration limit) override;
  bool run_on(const NodeId& node, std::function<void()> fn, Duration limit) override;
  Kernel& kernel(const NodeId& node) override;
  Oms& oms() override;  // replicated: the serving leader's (else the first replica's, if up)
  NodeId oms_leader() const;  // replicated: the host whose replica serves now (empty if none)
  Env& env(const NodeId& node) override;
  Time now() const override { return world_.now(); }
  void run_until(Time t) override { world_.run_until(t); }
  // Message-layer faults, crash and restart; the rest are simulation-only.
  void schedule(Duration after, const Fault& fault) override;
  void crash(const NodeId& node) override { apply(CrashFault{node}); }
  void apply(const Fault& fault);  // now; throws std::invalid_argument as schedule() does

  inproc::InProcWorld& world() { return world_; }
  FaultState& fault_state() { return *fault_state_; }
  // Faults that failed when their time came (e.g. a restart of a node that is up).
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  struct Incarnation {
    std::unique_ptr<FaultyEnv> faulty;
    std::unique_ptr<Rpc> oms_rpc;  // OMS host only
    std::unique_ptr<Oms> oms;      // OMS host only
    std::unique_ptr<replicated_oms::OmsReplica> replica;  // replicated OMS hosts only
    std::unique_ptr<Kernel> kernel;
  };
  struct Node {
    const HostSpec* host = nullptr;
    bool wiped = false;  // crashed with wipe_storage: restart starts with empty storage
    Incarnation* current = nullptr;
    // Every incarnation, never freed before the cluster: a crashed node's contexts stay frozen in them.
    std::vector<std::unique_ptr<Incarnation>> lives;
  };

  void check(const Fault& fault) const;  // throws std::invalid_argument
  void boot(Node& node, Env& env);
  Node& node(const NodeId& name);
  const Node& node(const NodeId& name) const;
  bool is_oms(const NodeId& name) const;
  std::vector<NodeId> host_names() const;

  const ClassRegistry& classes_;
  const DmRegistry& dms_;
  InProcClusterOptions options_;
  inproc::InProcWorld world_;
  Rng fault_rng_;  // forks each incarnation's FaultyEnv Rng (the world's own stream stays untouched)
  std::shared_ptr<FaultState> fault_state_ = std::make_shared<FaultState>();
  std::map<NodeId, Node> nodes_;
  std::vector<std::string> errors_;
};

}  // namespace amino::testbed
