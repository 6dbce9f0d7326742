#include "testbed/sim_cluster.h"

#include <memory>

namespace amino::testbed {

SimCluster::SimCluster(sim::SimOptions world, const ClassRegistry& classes, const DmRegistry& dms,
                       SimClusterOptions options)
    : SimCluster(std::make_unique<sim::SimWorld>(std::move(world)), classes, dms, std::move(options)) {}

SimCluster::SimCluster(std::unique_ptr<sim::SimWorld> owned, const ClassRegistry& classes, const DmRegistry& dms,
                       SimClusterOptions options)
    : SimCluster(*owned, classes, dms, std::move(options)) {
  owned_world_ = std::move(owned);
}

SimCluster::SimCluster(sim::SimWorld& world, const ClassRegistry& classes, const DmRegistry& dms,
                       SimClusterOptions options)
    : world_(world), classes_(classes), dms_(dms), options_(std::move(options)) {
  if (!options_.oms_replicas.empty()) {
    for (const auto& r : options_.oms_replicas) {
      if (!world_.platform().has_host(r)) throw std::invalid_argument("the OMS replica host " + r + " is not on the platform");
    }
    options_.oms_host = options_.oms_replicas.front();
    options_.kernel.oms_replicas = options_.oms_replicas;
    options_.replica.peers = options_.oms_replicas;
  }
  if (!world_.platform().has_host(options_.oms_host)) {
    throw std::invalid_argument("the OMS host " + options_.oms_host + " is not on the platform");
  }
  options_.kernel.oms = options_.oms_host;
  for (const auto& node : world_.nodes()) {
    world_.set_boot(node, [this, node](Env& env) { boot(node, env); });
  }
}

// Members go in reverse order: the kernels and the OMS before owned_world_, whose Envs they use.
SimCluster::~SimCluster() = default;

void SimCluster::boot(const NodeId& node, Env& env) {
  if (is_oms_replica(node)) {
    // A replica restarted with its storage: its Raft log brings the state back (OmsReplica).
    auto it = oms_nodes_.find(node);
    if (it != oms_nodes_.end()) retired_oms_.push_back(std::move(it->second));
    OmsNode n;
    n.rpc = std::make_unique<Rpc>(env);
    n.oms = std::make_unique<Oms>(*n.rpc, dms_, options_.oms);
    n.replica = std::make_unique<replicated_oms::OmsReplica>(*n.rpc, *n.oms, options_.replica);
    n.replica->start();
    n.oms->start();
    oms_nodes_[node] = std::move(n);
    return;
  }
  if (node == options_.oms_host) {
    // The OMS keeps its state in memory only (as Amino.Run's does): a restarted OMS starts empty.
    oms_.reset();
    oms_rpc_ = std::make_unique<Rpc>(env);
    oms_ = std::make_unique<Oms>(*oms_rpc_, dms_, options_.oms);
    oms_->start();
    return;
  }
  KernelOptions ko = kernel_options_for(*world_.platform().find_host(node), options_.kernel);
  ko.client_only = std::find(options_.client_only.begin(), options_.client_only.end(), node) != options_.client_only.end();
  auto it = kernels_.find(node);
  if (it != kernels_.end()) retired_.push_back(std::move(it->second));
  auto k = std::make_unique<Kernel>(env, classes_, dms_, ko);
  k->start();
  kernels_[node] = std::move(k);
}

bool SimCluster::run_on(const NodeId& node, std::function<void()> fn, Duration limit) {
  auto done = std::make_shared<bool>(false);
  world_.env(node).spawn("task", [fn = std::move(fn), done] {
    fn();
    *done = true;
  });
  const Time end = world_.now() + limit;
  // Step in slices so that the run stops soon after fn returns rather than at `limit`.
  while (!*done && world_.now() < end) world_.run_until(std::min(end, world_.now() + 10 * kMillisecond));
  return *done;
}

bool SimCluster::wait_registered(Duration limit) {
  const Time end = world_.now() + limit;
  // Count from the platform: kernels boot inside the simulation, not all at once.
  const std::size_t oms_hosts = options_.oms_replicas.empty() ? 1 : options_.oms_replicas.size();
  const std::size_t servers = world_.platform().hosts.size() - oms_hosts - options_.client_only.size();
  auto all_in = [&] {
    if (options_.oms_replicas.empty()) return oms_ && oms_->nodes().size() == servers;
    return !oms_leader().empty() && oms().nodes().size() == servers;
  };
  while (world_.now() < end) {
    if (all_in()) return true;
    world_.run_until(std::min(end, world_.now() + 10 * kMillisecond));
  }
  return all_in();
}

Kernel& SimCluster::kernel(const NodeId& node) {
  auto it = kernels_.find(node);
  if (it == kernels_.end()) throw std::invalid_argument("no kernel server on " + node);
  return *it->second;
}

NodeId SimCluster::oms_leader() const {
  for (const auto& [node, n] : oms_nodes_) {
    // A crashed replica's frozen state may still say it serves.
    if (world_.up(node) && n.replica->serving()) return node;
  }
  return {};
}

Value SimCluster::oms_status(const NodeId& node) const {
  auto it = oms_nodes_.find(node);
  return it == oms_nodes_.end() ? Value() : it->second.replica->status();
}

const replicated_oms::OmsReplica* SimCluster::oms_replica(const NodeId& node) const {
  auto it = oms_nodes_.find(node);
  return it == oms_nodes_.end() ? nullptr : it->second.replica.get();
}

bool SimCluster::is_oms_replica(const NodeId& node) const {
  return std::find(options_.oms_replicas.begin(), options_.oms_replicas.end(), node) != options_.oms_replicas.end();
}

Oms& SimCluster::oms() {
  if (!options_.oms_replicas.empty()) {
    const NodeId leader = oms_leader();
    auto it = oms_nodes_.find(leader.empty() ? options_.oms_replicas.front() : leader);
    if (it == oms_nodes_.end()) it = oms_nodes_.begin();
    if (it == oms_nodes_.end()) throw std::logic_error("no OMS replica has booted");
    return *it->second.oms;
  }
  if (!oms_) throw std::logic_error("the OMS has not booted");
  return *oms_;
}

std::vector<NodeId> SimCluster::kernel_nodes() const {
  std::vector<NodeId> out;
  for (const auto& [node, k] : kernels_) out.push_back(node);
  return out;
}

}  // namespace amino::testbed
