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
  const std::size_t servers = world_.platform().hosts.size() - 1 - options_.client_only.size();
  while (world_.now() < end) {
    if (oms_ && oms_->nodes().size() == servers) return true;
    world_.run_until(std::min(end, world_.now() + 10 * kMillisecond));
  }
  return oms_ && oms_->nodes().size() == servers;
}

Kernel& SimCluster::kernel(const NodeId& node) {
  auto it = kernels_.find(node);
  if (it == kernels_.end()) throw std::invalid_argument("no kernel server on " + node);
  return *it->second;
}

Oms& SimCluster::oms() {
  if (!oms_) throw std::logic_error("the OMS has not booted");
  return *oms_;
}

std::vector<NodeId> SimCluster::kernel_nodes() const {
  std::vector<NodeId> out;
  for (const auto& [node, k] : kernels_) out.push_back(node);
  return out;
}

}  // namespace amino::testbed
