// Shared helpers for the simulator tests: small platforms, an echo client/server pair on a world,
// and a reachability prober for partition shapes. Each TEST builds at most one SimWorld (one per
// process; ctest runs every TEST in its own process).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "testbed/presets.h"
#include "sim/sim_world.h"
#include "tests/sim/echo_workload.h"

namespace amino::simtest {

inline testbed::PlatformSpec cloud_pair() {
  testbed::PlatformSpec p;
  p.hosts = {testbed::presets::cloud_server("client"), testbed::presets::cloud_server("server")};
  return p;
}

struct EchoSetup {
  std::unique_ptr<sim::SimWorld> world;
  std::shared_ptr<EchoServerStats> server = std::make_shared<EchoServerStats>();
  std::shared_ptr<EchoClientStats> client = std::make_shared<EchoClientStats>();
};

inline EchoSetup make_echo(EchoClientConfig ccfg, EchoServerConfig scfg = {}, testbed::PlatformSpec platform = cloud_pair(),
                           std::uint64_t seed = 1) {
  EchoSetup s;
  sim::SimOptions o;
  o.seed = seed;
  o.platform = std::move(platform);
  s.world = std::make_unique<sim::SimWorld>(std::move(o));
  if (ccfg.server.empty()) ccfg.server = "server";
  s.world->set_boot(ccfg.server, [scfg, st = s.server](Env& env) { start_echo_server(env, scfg, st); });
  s.world->set_boot("client", [ccfg, st = s.client](Env& env) { start_echo_client(env, ccfg, st); });
  return s;
}

// Every node pings every other node each `period`; receivers log (from, to) -> receive times.
struct Reachability {
  std::map<std::pair<NodeId, NodeId>, std::vector<Time>> heard;
  // Whether `to` received anything from `from` with a receive time in [a, b).
  bool heard_between(const NodeId& from, const NodeId& to, Time a, Time b) const {
    auto it = heard.find({from, to});
    if (it == heard.end()) return false;
    for (Time t : it->second) {
      if (t >= a && t < b) return true;
    }
    return false;
  }
};

inline void start_prober(Env& env, std::vector<NodeId> peers, Duration period, std::shared_ptr<Reachability> r) {
  env.set_inbox(Inbox{[&env, r](const NodeId& from, std::string) { r->heard[{from, env.self()}].push_back(env.now()); },
                      [](const NodeId&) {}});
  auto tick = std::make_shared<std::function<void()>>();
  *tick = [&env, peers, period, tick] {
    for (const auto& p : peers) {
      if (p != env.self()) env.send(p, "ping");
    }
    env.arm_timer(period, *tick);
  };
  env.post(*tick);
}

inline testbed::PlatformSpec cloud_nodes(const std::vector<NodeId>& names) {
  testbed::PlatformSpec p;
  for (const auto& n : names) p.hosts.push_back(testbed::presets::cloud_server(n));
  return p;
}

}  // namespace amino::simtest
