#include "pybind/scenario_node.h"

#include <charconv>
#include <chrono>
#include <optional>
#include <set>
#include <stdexcept>

#include "dms/all.h"
#include "testbed/cluster.h"
#include "testbed/oms_replica_node.h"

namespace amino::pyrun {

using nlohmann::json;

namespace {

// "ADDRESS:PORT" -> (ADDRESS, PORT); std::invalid_argument naming the host otherwise.
std::pair<std::string, std::uint16_t> split_endpoint(const NodeId& host, const std::string& id) {
  const auto colon = id.rfind(':');
  const std::string port = colon == std::string::npos ? "" : id.substr(colon + 1);
  const bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
  if (colon == 0 || !digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
    throw std::invalid_argument("host '" + host + "': address '" + id + "' is not ADDRESS:PORT (port 1-65535)");
  }
  return {id.substr(0, colon), static_cast<std::uint16_t>(std::stoi(port))};
}

// A command's argument: decimal digits only, and it fits; nullopt otherwise ("0x", "-1", "", " 7").
std::optional<long long> whole_number(const std::string& text) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || text[0] == '-' || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// CLOCK_MONOTONIC in ns: std::chrono::steady_clock on Linux, the clock Python's time.monotonic_ns()
// reads, the same in every network namespace of the machine.
Time monotonic_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

AddressMap parse_address_map(const std::string& json_text, const testbed::PlatformSpec& platform) {
  const json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw std::invalid_argument("the address map must be a JSON object {\"host\": \"ADDRESS:PORT\"}");
  AddressMap out;
  std::set<NodeId> seen;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!platform.has_host(it.key())) {
      std::string hosts;
      for (const auto& h : platform.hosts) hosts += (hosts.empty() ? "" : ", ") + h.name;
      throw std::invalid_argument("unknown host '" + it.key() + "' in the address map (platform hosts: " + hosts + ")");
    }
    if (!it.value().is_string()) throw std::invalid_argument("host '" + it.key() + "': address must be a string");
    const std::string id = it.value().get<std::string>();
    split_endpoint(it.key(), id);
    if (!seen.insert(id).second) throw std::invalid_argument("two hosts at " + id + " in the address map");
    out[it.key()] = id;
  }
  for (const auto& h : platform.hosts) {
    if (!out.count(h.name)) throw std::invalid_argument("host '" + h.name + "' has no address in the address map");
  }
  return out;
}

ScenarioNode::ScenarioNode(sockets::SocketsLoop& loop, const Scenario& scenario, ScenarioNodeOptions options)
    : loop_(loop),
      s_(scenario),
      options_(std::move(options)),
      driver_(s_, {[this](const NodeId& n) -> Kernel& {
                     if (n != options_.host || !life_.kernel) throw std::invalid_argument(n + " runs no kernel here");
                     return *life_.kernel;
                   },
                   [this](const NodeId& n) -> Env& {
                     if (n != options_.host) throw std::invalid_argument(n + " is another process");
                     return *life_.faulty;
                   },
                   [this] { return loop_.now(); }}) {
  if (s_.backend != "netns") throw std::invalid_argument("the scenario's backend is '" + s_.backend + "', not netns");
  const testbed::HostSpec* host = s_.platform.find_host(options_.host);
  if (host == nullptr) throw std::invalid_argument("host '" + options_.host + "' is not on the scenario's platform");
  if (!options_.addresses.count(options_.host)) throw std::invalid_argument("host '" + options_.host + "' has no address");
  // Seeds as LoopbackCluster forks them (one stream per host, in platform order).
  Rng seeds(s_.seed);
  Rng mine(0);
  for (const auto& h : s_.platform.hosts) {
    Rng r = seeds.fork();
    if (h.name == options_.host) mine = r;
  }
  const auto [listen, port] = split_endpoint(options_.host, options_.addresses.at(options_.host));
  sockets::SocketsEnvOptions so;
  so.listen_host = listen;
  so.port = port;
  so.storage_dir = options_.storage_dir;
  so.seed = mine.next();
  so.min_log_level = log_level_from(s_.log_level);
  so.cluster_key = options_.cluster_key;
  env_ = std::make_unique<sockets::SocketsEnv>(loop_, so);
  // Every host pair's route, emulated in the message layer (this process sends on its own pairs).
  auto state = std::make_shared<testbed::FaultState>();
  for (const auto& [a, ida] : options_.addresses) {
    for (const auto& [b, idb] : options_.addresses) {
      if (a != b) state->set_path(ida, idb, {s_.platform.path_latency(a, b), s_.platform.path_bandwidth(a, b)});
    }
  }
  life_.faulty = std::make_unique<testbed::FaultyEnv>(*env_, state, mine.fork());
  KernelOptions kernel;
  kernel.oms = options_.addresses.at(s_.oms_host);
  if (s_.oms_replicas.empty()) {
    testbed::start_node_software(life_, *host, s_.oms_host, classes(), dms::builtin(), kernel, OmsOptions{});
    return;
  }
  // Replicated: every replica and kernel server is given the replicas' addresses, as on sockets.
  replicated_oms::OmsReplicaOptions replica;
  for (const auto& r : s_.oms_replicas) replica.peers.push_back(options_.addresses.at(r));
  kernel.oms_replicas = replica.peers;
  if (is_oms_host(s_, options_.host)) {
    testbed::start_oms_replica(life_, dms::builtin(), OmsOptions{}, replica);
  } else {
    testbed::start_node_software(life_, *host, /*oms_host=*/"", classes(), dms::builtin(), kernel, OmsOptions{});
  }
}

ScenarioNode::~ScenarioNode() {
  if (env_) env_->kill();
}

void ScenarioNode::command(const std::string& line, std::function<void(const std::string&)> answer) {
  const auto space = line.find(' ');
  const std::string verb = line.substr(0, space);
  const std::string arg = space == std::string::npos ? "" : line.substr(space + 1);
  try {
    if (verb == "kernel_servers") {
      if (!life_.oms) throw std::invalid_argument("kernel_servers: " + options_.host + " is not the OMS host");
      const std::string count = "kernel_servers " + std::to_string(life_.oms->nodes().size());
      answer(life_.replica ? count + (life_.replica->serving() ? " serving" : " follower") : count);
    } else if (verb == "create") {
      const auto i = whole_number(arg);
      if (!i || *i >= static_cast<long long>(s_.deployments.size())) {
        throw std::invalid_argument("create: no deployment '" + arg + "' (0 .. " +
                                    std::to_string(s_.deployments.size()) + ", exclusive)");
      }
      create(static_cast<std::size_t>(*i), answer);
    } else if (verb == "start") {
      const auto t0 = whole_number(arg);
      if (!t0 || *t0 == 0) throw std::invalid_argument("start: expected a CLOCK_MONOTONIC time in ns, got '" + arg + "'");
      start(*t0);
      answer("started");
    } else if (verb == "collect") {
      answer("result " + collect().dump());
    } else if (verb == "quit") {
      quit_ = true;
      answer("bye");
    } else {
      throw std::invalid_argument("unknown command '" + verb + "'");
    }
  } catch (const std::exception& e) {
    answer(std::string("error ") + e.what());
  }
}

void ScenarioNode::create(std::size_t index, const std::function<void(const std::string&)>& answer) {
  const DeploymentSpec& d = s_.deployments[index];
  if (d.node != options_.host) throw std::invalid_argument("create: deployment '" + d.name + "' is " + d.node + "'s");
  if (!life_.kernel) throw std::invalid_argument("create: " + options_.host + " runs no kernel server");
  life_.faulty->spawn("create", [this, &d, index, answer] {
    const std::string failure = create_deployment(*life_.kernel, d);
    answer(failure.empty() ? "created " + std::to_string(index)
                           : "error deployment '" + d.name + "' on " + d.node + ": " + failure);
  });
}

void ScenarioNode::start(Time t0_monotonic) {
  if (started_) throw std::invalid_argument("start: already started");
  started_ = true;
  const Time t0 = loop_.now() + (t0_monotonic - monotonic_now());  // this process's loop time of t0
  driver_.set_window(t0, t0 + secs(s_.duration));
  std::vector<std::size_t> mine;
  for (std::size_t wi = 0; wi < s_.workloads.size(); ++wi) {
    if (s_.workloads[wi].node == options_.host) mine.push_back(wi);
  }
  if (mine.empty()) return;
  if (!life_.kernel) throw std::invalid_argument("start: workloads on " + options_.host + ", which runs no kernel server");
  auto rngs = std::make_shared<std::vector<Rng>>(workload_rngs(s_));
  life_.faulty->arm_timer(std::max<Duration>(0, t0 - loop_.now()), [this, mine, rngs] {
    for (std::size_t wi : mine) driver_.start(wi, (*rngs)[wi]);
  });
}

json ScenarioNode::collect() const {
  const testbed::FaultyStats& s = life_.faulty->stats();
  return {{"host", options_.host},
          {"records", driver_.records_json()},
          {"history", driver_.history_json()},
          {"unfinished_calls", driver_.in_flight()},
          {"frames", {{"sent", s.sent}, {"dropped", s.dropped + s.blocked}, {"duplicated", s.duplicated}}}};
}

}  // namespace amino::pyrun
