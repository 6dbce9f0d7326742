#include "testbed/inproc_cluster.h"

#include <algorithm>
#include <stdexcept>

namespace amino::testbed {

namespace {

template <class... Ts> struct Overloaded : Ts... { using Ts::operator()...; };
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

inproc::WorldOptions world_options(const InProcClusterOptions& o) {
  inproc::WorldOptions w;
  w.seed = o.seed;
  w.latency = o.latency;
  return w;
}

}  // namespace

InProcCluster::InProcCluster(const ClassRegistry& classes, const DmRegistry& dms, InProcClusterOptions options)
    : classes_(classes), dms_(dms), options_(std::move(options)), world_(world_options(options_)),
      fault_rng_(options_.seed ^ 0x5EEDFA17ULL) {
  options_.platform.check();
  if (!options_.oms_replicas.empty()) {
    for (const auto& r : options_.oms_replicas) {
      if (!options_.platform.has_host(r)) throw std::invalid_argument("the OMS replica host " + r + " is not on the platform");
    }
    options_.oms_host = options_.oms_replicas.front();
    options_.kernel.oms_replicas = options_.oms_replicas;
    options_.replica.peers = options_.oms_replicas;
  }
  if (!options_.platform.has_host(options_.oms_host)) {
    throw std::invalid_argument("the OMS host " + options_.oms_host + " is not on the platform");
  }
  options_.kernel.oms = options_.oms_host;
  // Platform order: it is the order nodes fork the world's Rng and start.
  for (const auto& h : options_.platform.hosts) nodes_[h.name].host = &h;
  // The OMS (every replica of it) first, then the kernel servers.
  for (const auto& h : options_.platform.hosts) {
    if (is_oms(h.name)) boot(node(h.name), world_.add_node(h.name));
  }
  for (const auto& h : options_.platform.hosts) {
    if (!is_oms(h.name)) boot(node(h.name), world_.add_node(h.name));
  }
}

InProcCluster::~InProcCluster() = default;

void InProcCluster::boot(Node& n, Env& env) {
  auto life = std::make_unique<Incarnation>();
  life->faulty = std::make_unique<FaultyEnv>(env, fault_state_, fault_rng_.fork());
  if (is_listed(options_.oms_replicas, n.host->name)) {
    start_oms_replica(*life, dms_, options_.oms, options_.replica);
  } else {
    start_node_software(*life, *n.host, options_.oms_host, classes_, dms_, options_.kernel, options_.oms);
  }
  n.current = life.get();
  n.lives.push_back(std::move(life));
}

bool InProcCluster::wait_registered(Duration limit) {
  const std::size_t servers = nodes_.size() - std::max<std::size_t>(1, options_.oms_replicas.size());
  return world_.run_until(
      [this, servers] {
        if (!options_.oms_replicas.empty()) return !oms_leader().empty() && oms().nodes().size() == servers;
        const Node& o = node(options_.oms_host);
        return o.current != nullptr && o.current->oms->nodes().size() == servers;
      },
      world_.now() + limit);
}

NodeId InProcCluster::oms_leader() const {
  for (const auto& r : options_.oms_replicas) {
    const Node& n = node(r);
    if (n.current != nullptr && n.current->replica->serving()) return r;
  }
  return {};
}

bool InProcCluster::is_oms(const NodeId& name) const {
  return options_.oms_replicas.empty() ? name == options_.oms_host : is_listed(options_.oms_replicas, name);
}

bool InProcCluster::run_on(const NodeId& name, std::function<void()> fn, Duration limit) {
  auto done = std::make_shared<bool>(false);
  env(name).spawn("task", [fn = std::move(fn), done] {
    fn();
    *done = true;
  });
  return world_.run_until([done] { return *done; }, world_.now() + limit);
}

void InProcCluster::check(const Fault& fault) const {
  std::vector<std::string> problems = validate(fault, options_.platform);
  const bool supported = is_message_fault(fault) || std::holds_alternative<CrashFault>(fault) ||
                         std::holds_alternative<RestartFault>(fault);
  if (!supported) problems.push_back("not on the in-process backend (message faults, crash and restart only)");
  if (problems.empty()) return;
  std::string msg = describe(fault) + ":";
  for (const auto& p : problems) msg += " " + p + ";";
  throw std::invalid_argument(msg);
}

void InProcCluster::apply(const Fault& fault) {
  check(fault);
  if (apply_message_fault(fault, *fault_state_, host_names(), [](const NodeId& n) { return n; })) return;
  std::visit(Overloaded{
                 [&](const CrashFault& c) {
                   Node& n = node(c.node);
                   if (n.current == nullptr) throw std::invalid_argument("crash of " + c.node + ", which is down");
                   world_.crash(c.node);
                   n.current = nullptr;
                   n.wiped = c.wipe_storage;
                 },
                 [&](const RestartFault& r) {
                   Node& n = node(r.node);
                   if (n.current != nullptr) throw std::invalid_argument("restart of " + r.node + ", which is up");
                   boot(n, world_.restart(r.node, /*keep_storage=*/!n.wiped));
                 },
                 [&](const auto&) {},  // rejected by check()
             },
             fault);
}

void InProcCluster::schedule(Duration after, const Fault& fault) {
  check(fault);
  world_.at(world_.now() + std::max<Duration>(after, 0), [this, fault] {
    try {
      apply(fault);
    } catch (const std::exception& e) {
      errors_.push_back("fault " + describe(fault) + ": " + e.what());
    }
  });
}

std::vector<NodeId> InProcCluster::host_names() const {
  std::vector<NodeId> out;
  for (const auto& h : options_.platform.hosts) out.push_back(h.name);
  return out;
}

InProcCluster::Node& InProcCluster::node(const NodeId& name) {
  auto it = nodes_.find(name);
  if (it == nodes_.end()) throw std::invalid_argument("unknown host '" + name + "'");
  return it->second;
}

const InProcCluster::Node& InProcCluster::node(const NodeId& name) const {
  auto it = nodes_.find(name);
  if (it == nodes_.end()) throw std::invalid_argument("unknown host '" + name + "'");
  return it->second;
}

Kernel& InProcCluster::kernel(const NodeId& name) { return current_kernel(node(name).current, name); }
Oms& InProcCluster::oms() {
  const NodeId leader = oms_leader();
  return current_oms(node(leader.empty() ? options_.oms_host : leader).current);
}
Env& InProcCluster::env(const NodeId& name) { return current_env(node(name).current, name); }

}  // namespace amino::testbed
