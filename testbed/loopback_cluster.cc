#include "testbed/loopback_cluster.h"

#include <algorithm>

#include <unistd.h>

#include <stdexcept>

namespace amino::testbed {

namespace {

template <class... Ts> struct Overloaded : Ts... { using Ts::operator()...; };
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& e : v) out += (out.empty() ? "" : "; ") + e;
  return out;
}

std::filesystem::path fresh_storage_root() {
  static int counter = 0;
  return std::filesystem::temp_directory_path() /
         ("amino-loopback-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
}

}  // namespace

std::vector<std::string> validate_for_sockets(const FaultSchedule& schedule, const PlatformSpec& platform) {
  std::vector<std::string> errors = validate(schedule, platform);
  for (const auto& f : schedule.faults) {
    const std::string why = sockets_unsupported(f.fault);
    if (!why.empty()) errors.push_back(describe(f.fault) + ": not on the sockets backend: " + why);
  }
  for (const auto& t : schedule.triggers) errors.push_back(describe(t) + ": not on the sockets backend: " + kTriggersSimOnly);
  return errors;
}

LoopbackCluster::LoopbackCluster(const ClassRegistry& classes, const DmRegistry& dms, LoopbackClusterOptions options)
    : classes_(classes), dms_(dms), options_(std::move(options)) {
  options_.platform.check();
  for (const auto& r : options_.oms_replicas) {
    if (!options_.platform.has_host(r)) throw std::invalid_argument("the OMS replica host " + r + " is not on the platform");
  }
  if (!options_.oms_replicas.empty()) options_.oms_host = options_.oms_replicas.front();
  if (!options_.platform.has_host(options_.oms_host)) {
    throw std::invalid_argument("the OMS host " + options_.oms_host + " is not on the platform");
  }
  if (options_.storage_root.empty()) {
    options_.storage_root = fresh_storage_root();
    own_storage_root_ = true;
  }
  Rng seeds(options_.seed);
  for (const auto& h : options_.platform.hosts) {
    Node& n = nodes_[h.name];
    n.host = &h;
    n.storage_dir = options_.storage_root / h.name;
    n.rng = seeds.fork();
  }
  // The OMS first: kernel servers need its address. Replicas bind first, then start: each is
  // given every replica's address.
  if (options_.oms_replicas.empty()) {
    boot(node(options_.oms_host));
  } else {
    for (const auto& r : options_.oms_replicas) {
      bind(node(r));
      options_.replica.peers.push_back(node(r).address);
    }
    options_.kernel.oms_replicas = options_.replica.peers;
    for (const auto& r : options_.oms_replicas) start(node(r));
  }
  options_.kernel.oms = node(options_.oms_host).address;
  for (auto& [name, n] : nodes_) {
    if (!is_oms(name)) boot(n);
  }
  set_paths();
}

LoopbackCluster::~LoopbackCluster() {
  for (auto& [name, n] : nodes_) {
    if (n.current != nullptr) n.current->sockets->kill();
  }
  if (own_storage_root_) {
    std::error_code ec;
    std::filesystem::remove_all(options_.storage_root, ec);
  }
}

void LoopbackCluster::boot(Node& n) {
  bind(n);
  start(n);
}

void LoopbackCluster::bind(Node& n) {
  auto life = std::make_unique<Incarnation>();
  sockets::SocketsEnvOptions so;
  so.port = n.port;  // 0 the first time; the same port after a restart
  so.storage_dir = n.storage_dir;
  so.seed = n.rng.next();
  so.min_log_level = options_.log_level;
  so.cluster_key = options_.cluster_key;
  if (options_.max_frame_bytes > 0) {
    so.max_frame_bytes = options_.max_frame_bytes;
    so.max_send_queue_bytes = std::max(so.max_send_queue_bytes, 2 * options_.max_frame_bytes);
  }
  life->sockets = std::make_unique<sockets::SocketsEnv>(loop_, so);
  n.port = life->sockets->port();
  n.address = life->sockets->self();
  life->faulty = std::make_unique<FaultyEnv>(*life->sockets, fault_state_, n.rng.fork());
  n.current = life.get();
  n.lives.push_back(std::move(life));
}

void LoopbackCluster::start(Node& n) {
  if (is_listed(options_.oms_replicas, n.host->name)) {
    start_oms_replica(*n.current, dms_, options_.oms, options_.replica);
  } else {
    start_node_software(*n.current, *n.host, options_.oms_host, classes_, dms_, options_.kernel, options_.oms);
  }
}

bool LoopbackCluster::is_oms(const NodeId& name) const {
  return options_.oms_replicas.empty() ? name == options_.oms_host : is_listed(options_.oms_replicas, name);
}

NodeId LoopbackCluster::oms_leader() const {
  for (const auto& r : options_.oms_replicas) {
    const Node& n = node(r);
    if (n.current != nullptr && n.current->replica->serving()) return r;
  }
  return {};
}

void LoopbackCluster::crash(Node& n, bool wipe_storage) {
  if (n.current == nullptr) throw std::invalid_argument("crash of " + n.host->name + ", which is down");
  n.current->sockets->kill();
  n.current = nullptr;
  if (wipe_storage) {
    std::error_code ec;
    std::filesystem::remove_all(n.storage_dir, ec);
  }
}

void LoopbackCluster::set_paths() {
  if (!options_.emulate_network) return;
  const auto& p = options_.platform;
  for (const auto& [a, na] : nodes_) {
    for (const auto& [b, nb] : nodes_) {
      if (a != b) fault_state_->set_path(na.address, nb.address, {p.path_latency(a, b), p.path_bandwidth(a, b)});
    }
  }
}

bool LoopbackCluster::wait_registered(Duration limit) {
  const std::size_t servers = nodes_.size() - std::max<std::size_t>(1, options_.oms_replicas.size());
  return loop_.run_until(
      [this, servers] {
        if (!options_.oms_replicas.empty()) return !oms_leader().empty() && oms().nodes().size() == servers;
        const Node& o = node(options_.oms_host);
        return o.current != nullptr && o.current->oms->nodes().size() == servers;
      },
      limit);
}

bool LoopbackCluster::run_on(const NodeId& name, std::function<void()> fn, Duration limit) {
  auto done = std::make_shared<bool>(false);
  env(name).spawn("task", [fn = std::move(fn), done] {
    fn();
    *done = true;
  });
  return loop_.run_until([done] { return *done; }, limit);
}

void LoopbackCluster::check(const Fault& fault) const {
  std::vector<std::string> problems = validate(fault, options_.platform);
  if (const std::string why = sockets_unsupported(fault); !why.empty()) {
    problems.push_back("not on the sockets backend: " + why);
  }
  if (!problems.empty()) throw std::invalid_argument(describe(fault) + ": " + join(problems));
}

void LoopbackCluster::apply(const Fault& fault) {
  check(fault);
  const auto address_of = [this](const NodeId& name) { return node(name).address; };
  if (apply_message_fault(fault, *fault_state_, nodes(), address_of)) return;
  std::visit(Overloaded{
                 [&](const CrashFault& c) { crash(node(c.node), c.wipe_storage); },
                 [&](const RestartFault& r) {
                   Node& n = node(r.node);
                   if (n.current != nullptr) throw std::invalid_argument("restart of " + r.node + ", which is up");
                   boot(n);
                 },
                 [&](const auto&) {},  // rejected above
             },
             fault);
}

void LoopbackCluster::schedule(Duration after, const Fault& fault) {
  check(fault);
  timeline_.add(loop_.now() + std::max<Duration>(after, 0), fault);
}

void LoopbackCluster::apply_scheduled(const Fault& fault) {
  try {
    apply(fault);
  } catch (const std::exception& e) {
    errors_.push_back("fault " + describe(fault) + ": " + e.what());
  }
}

LoopbackCluster::Node& LoopbackCluster::node(const NodeId& name) {
  auto it = nodes_.find(name);
  if (it == nodes_.end()) throw std::invalid_argument("unknown host '" + name + "'");
  return it->second;
}

const LoopbackCluster::Node& LoopbackCluster::node(const NodeId& name) const {
  auto it = nodes_.find(name);
  if (it == nodes_.end()) throw std::invalid_argument("unknown host '" + name + "'");
  return it->second;
}

Kernel& LoopbackCluster::kernel(const NodeId& name) { return current_kernel(node(name).current, name); }
Oms& LoopbackCluster::oms() {
  const NodeId leader = oms_leader();
  return current_oms(node(leader.empty() ? options_.oms_host : leader).current);
}
Env& LoopbackCluster::env(const NodeId& name) { return current_env(node(name).current, name); }

const NodeId& LoopbackCluster::address(const NodeId& name) const { return node(name).address; }

bool LoopbackCluster::up(const NodeId& name) const { return node(name).current != nullptr; }

std::vector<NodeId> LoopbackCluster::nodes() const {
  std::vector<NodeId> out;
  for (const auto& h : options_.platform.hosts) out.push_back(h.name);
  return out;
}

FaultyStats LoopbackCluster::message_stats() const {
  FaultyStats sum;
  for (const auto& [name, n] : nodes_) {
    for (const auto& life : n.lives) sum += life->faulty->stats();
  }
  return sum;
}

}  // namespace amino::testbed
