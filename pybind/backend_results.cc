#include "pybind/backend_results.h"

#include <fstream>
#include <functional>
#include <sstream>

#include "runtime/probe_json.h"
#include "testbed/check/invariants.h"
#include "testbed/loopback_cluster.h"
#include "testbed/sim_cluster.h"

namespace amino::pyrun {

using nlohmann::json;

namespace {

void write(const std::string& path, const std::function<std::string()>& text, json& errors) {
  if (path.empty()) return;
  std::ofstream f(path);
  f << text();
  if (!f) errors.push_back("could not write trace file " + path);
}

// Probes, the invariants' violations and the fired triggers, with times in ns since t0.
void add_probe_results(const sim::SimWorld& world, Time t0, json& out) {
  json probes = json::array();
  for (const auto& p : world.probes()) {
    json j = probe_to_json(p);
    j["time"] = p.time - t0;
    j.erase("t");
    probes.push_back(std::move(j));
  }
  out["probes"] = std::move(probes);
  json violations = json::array();
  for (const auto& v : check::check_raft_invariants(world.probes())) {
    json j = v.to_json();
    j["time"] = v.time - t0;
    violations.push_back(std::move(j));
  }
  out["invariants"] = std::move(violations);
  json fired = json::array();
  for (const auto& f : world.firings()) {
    const ProbeRecord& p = world.probes().at(f.probe);
    json faults = json::array();
    for (const auto& sf : f.faults) {
      json j = testbed::fault_to_json(sf.fault);
      j["time"] = sf.at - t0;
      faults.push_back(std::move(j));
    }
    fired.push_back({{"trigger", f.trigger}, {"probe", f.probe}, {"time", p.time - t0}, {"node", p.node},
                     {"kind", p.kind}, {"faults", std::move(faults)}});
  }
  out["triggered"] = std::move(fired);
}

void add_sim_results(sim::SimWorld& world, Time t0, const std::string& chrome_trace, const std::string& jsonl_trace,
                     json& out, json& errors) {
  const sim::RunReport& rep = world.report();
  for (const auto& e : rep.errors) errors.push_back("simulation: " + e);
  write(chrome_trace, [&] { return world.chrome_trace(); }, errors);
  write(jsonl_trace, [&] { return world.trace().to_jsonl(); }, errors);
  std::ostringstream hash;
  hash << std::hex << world.trace_hash();
  out["trace_hash"] = hash.str();
  out["sim_end"] = to_seconds(world.now());
  out["frames"] = {{"sent", rep.frames_sent}, {"delivered", rep.frames_delivered}, {"lost", rep.frames_lost}};
  out["deadlock"] = rep.deadlock;
  add_probe_results(world, t0, out);
}

void add_sockets_results(testbed::LoopbackCluster& cluster, json& out, json& errors) {
  for (const auto& e : cluster.errors()) errors.push_back("sockets: " + e);
  const testbed::FaultyStats s = cluster.message_stats();
  out["trace_hash"] = nullptr;  // real time: no deterministic trace
  out["wall_end"] = to_seconds(cluster.now());
  out["frames"] = {{"sent", s.sent}, {"dropped", s.dropped + s.blocked}, {"duplicated", s.duplicated}};
  out["deadlock"] = false;
}

}  // namespace

void add_backend_results(testbed::Cluster& cluster, Time t0, const std::string& chrome_trace,
                         const std::string& jsonl_trace, json& out, json& errors) {
  if (auto* sim = dynamic_cast<testbed::SimCluster*>(&cluster)) {
    add_sim_results(sim->world(), t0, chrome_trace, jsonl_trace, out, errors);
  } else if (auto* sockets = dynamic_cast<testbed::LoopbackCluster*>(&cluster)) {
    add_sockets_results(*sockets, out, errors);
  }
}

}  // namespace amino::pyrun
