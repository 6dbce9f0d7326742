// LoopbackCluster: a whole deployment on the sockets backend inside one process — the OMS and one
// kernel server per platform host, each a SocketsEnv on 127.0.0.1 (real TCP, real time) wrapped in a
// FaultyEnv that shares one FaultState. It is the sockets counterpart of SimCluster, so the
// Python scenario runner and tests can run the same platform, specs and fault schedule on either.
//
// Names. Nodes are named after the platform's hosts; on the wire a node is its address
// ("127.0.0.1:port"), so address(name) translates. Kernel servers carry the label name=<host>, their
// host's region and labels, exactly as in simulation.
//
// What the platform means here (docs/faults.md, "Sockets backend"):
//   - each host pair's route is emulated in the message layer (FaultState::set_path): frames of a
//     pair queue FIFO, take size / bottleneck bandwidth to serialize, then the route's one-way
//     latency (PlatformSpec::path_latency, path_bandwidth), so loopback shows the WiFi/3G round
//     trips and transfer times; unlike SimGrid, pairs do not share an uplink's bandwidth, and CPU
//     speed is not emulated (Env::compute is a no-op on sockets);
//   - message-layer faults act on the shared FaultState, as in simulation;
//   - crash = SocketsEnv::kill (connections reset, nothing of the node runs again; with
//     wipe_storage its storage directory is deleted); restart = a fresh SocketsEnv on the same port
//     and storage directory, booted again;
//   - link, pause/resume, clock and torn_write are rejected before the run (sockets_unsupported).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/kernel.h"
#include "testbed/faulty_env.h"
#include "testbed/oms_replica_node.h"
#include "runtime/oms.h"
#include "testbed/cluster.h"
#include "testbed/fault_timeline.h"
#include "runtime/sockets/sockets_env.h"
#include "testbed/fault_schedule.h"
#include "testbed/platform.h"

namespace amino::testbed {

struct LoopbackClusterOptions {
  PlatformSpec platform;
  NodeId oms_host;         // this host runs the OMS only
  KernelOptions kernel;    // defaults for every kernel server (oms, region, labels are set here)
  OmsOptions oms;
  std::uint64_t seed = 1;  // each node's Env::rng and FaultyEnv Rng are forked from it
  bool emulate_network = true;  // the platform's latencies and bandwidths, per host pair
  std::filesystem::path storage_root;  // empty: a fresh directory under the system temp dir
  LogLevel log_level = LogLevel::kError;
  // Every node's SocketsEnvOptions::cluster_key (empty: none; the cluster is on loopback anyway).
  std::string cluster_key;
  // Every node's SocketsEnvOptions::max_frame_bytes (0: its default, 16 MiB); the send queues grow
  // to hold two such frames. Stop-and-copy of an object near 16 MiB needs more.
  std::size_t max_frame_bytes = 0;
  // A replicated OMS (replicated_oms/): these hosts run one OMS replica each (and nothing else),
  // keeping its Raft log in the host's storage directory; oms_host is then ignored. Every replica
  // binds its port before any starts, so the peers (addresses) are known; a restarted replica
  // comes back on the same port. Empty: the one OMS on oms_host, in memory (the default).
  std::vector<NodeId> oms_replicas;
  replicated_oms::OmsReplicaOptions replica;  // peers are set from oms_replicas' addresses
};

// Every reason the schedule cannot run on a LoopbackCluster (plus validate's problems).
std::vector<std::string> validate_for_sockets(const FaultSchedule& schedule, const PlatformSpec& platform);

class LoopbackCluster : public Cluster {
 public:
  // Binds every node and starts the OMS and the kernel servers (they register asynchronously).
  LoopbackCluster(const ClassRegistry& classes, const DmRegistry& dms, LoopbackClusterOptions options);
  ~LoopbackCluster() override;
  LoopbackCluster(const LoopbackCluster&) = delete;
  LoopbackCluster& operator=(const LoopbackCluster&) = delete;

  // Runs the loop until every kernel server has registered with the OMS, or `limit` of real time.
  bool wait_registered(Duration limit) override;
  // Runs fn in an execution context on `node` and the loop until fn returns or `limit` passes.
  bool run_on(const NodeId& node, std::function<void()> fn, Duration limit) override;
  Time now() const override { return loop_.now(); }
  void run_until(Time t) override { loop_.run_for(std::max<Duration>(0, t - loop_.now())); }

  // Faults by host name. apply() acts now; schedule() `after` from now. Both throw
  // std::invalid_argument for faults this backend cannot apply or that name unknown hosts.
  void apply(const Fault& fault);
  void schedule(Duration after, const Fault& fault) override;
  void crash(const NodeId& node) override { apply(CrashFault{node}); }
  // Faults that failed when their time came (e.g. a restart of a node that is up).
  const std::vector<std::string>& errors() const { return errors_; }

  Kernel& kernel(const NodeId& node) override;  // the current incarnation
  Oms& oms() override;  // replicated: the serving leader's (else the first replica's, if up)
  NodeId oms_leader() const;  // replicated: the host whose replica serves now (empty if none)
  Env& env(const NodeId& node) override;        // the FaultyEnv over the node's SocketsEnv
  const NodeId& address(const NodeId& node) const;
  std::vector<NodeId> nodes() const;   // host names, in platform order
  bool up(const NodeId& node) const;
  FaultState& fault_state() { return *fault_state_; }
  FaultyStats message_stats() const;  // summed over every incarnation of every node
  sockets::SocketsLoop& loop() { return loop_; }

 private:
  struct Incarnation {
    std::unique_ptr<sockets::SocketsEnv> sockets;
    std::unique_ptr<FaultyEnv> faulty;
    std::unique_ptr<Rpc> oms_rpc;  // OMS host only
    std::unique_ptr<Oms> oms;      // OMS host only
    std::unique_ptr<replicated_oms::OmsReplica> replica;  // replicated OMS hosts only
    std::unique_ptr<Kernel> kernel;
  };
  struct Node {
    const HostSpec* host = nullptr;
    std::uint16_t port = 0;
    NodeId address;
    std::filesystem::path storage_dir;
    Rng rng{1};
    Incarnation* current = nullptr;
    // Every incarnation, never freed before the cluster: killed contexts stay suspended in them.
    std::vector<std::unique_ptr<Incarnation>> lives;
  };

  void check(const Fault& fault) const;  // throws std::invalid_argument
  void apply_scheduled(const Fault& fault);  // a failure goes to errors_
  void boot(Node& node);   // bind, then start
  void bind(Node& node);   // a new incarnation with its SocketsEnv on the node's port (its address)
  void start(Node& node);  // the node's software on its current incarnation
  bool is_oms(const NodeId& name) const;
  void crash(Node& node, bool wipe_storage);
  Node& node(const NodeId& name);
  const Node& node(const NodeId& name) const;
  void set_paths();

  const ClassRegistry& classes_;
  const DmRegistry& dms_;
  LoopbackClusterOptions options_;
  sockets::SocketsLoop loop_;
  std::shared_ptr<FaultState> fault_state_ = std::make_shared<FaultState>();
  std::map<NodeId, Node> nodes_;
  std::vector<std::string> errors_;
  FaultTimeline timeline_{loop_, [this](const Fault& f) { apply_scheduled(f); }};
  bool own_storage_root_ = false;
};

}  // namespace amino::testbed
