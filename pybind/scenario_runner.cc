#include "pybind/scenario_runner.h"

#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "dms/all.h"
#include "dms/catalogue.h"
#include "pybind/backend_results.h"
#include "pybind/scenario_spec.h"
#include "pybind/workload_driver.h"
#include "runtime/codec.h"
#include "runtime/spec.h"
#include "runtime/value_json.h"
#include "testbed/fault_schedule.h"
#include "testbed/loopback_cluster.h"
#include "testbed/presets.h"
#include "testbed/sim_cluster.h"

namespace amino::pyrun {

using nlohmann::json;

namespace {

// ---------------------------------------------------------------- the run

// Everything the running clients share; lives in the child for the whole run. The clients
// themselves (workloads, records, history) are the WorkloadDriver's (workload_driver.h), shared with
// the netns node program.
class Experiment {
 public:
  explicit Experiment(Scenario s) : s_(std::move(s)) {}

  json run();

 private:
  std::unique_ptr<testbed::Cluster> make_cluster() const;
  bool create_deployments(json& errors);
  NodeId oms_leader() const;

  // Replicated OMS: the replica serving at time 0 (before any fault) and at the end.
  NodeId leader_at_t0_;

  Scenario s_;
  std::unique_ptr<testbed::Cluster> cluster_;
  WorkloadDriver driver_{s_, {[this](const NodeId& n) -> Kernel& { return cluster_->kernel(n); },
                              [this](const NodeId& n) -> Env& { return cluster_->env(n); },
                              [this] { return cluster_->now(); }}};
};

// The scenario's deployment on its backend: SimGrid (simulated time, traces) or the sockets backend
// on loopback (real TCP in this process, real time, the platform's latencies emulated).
std::unique_ptr<testbed::Cluster> Experiment::make_cluster() const {
  if (s_.backend == "sockets") {
    testbed::LoopbackClusterOptions lo;
    lo.platform = s_.platform;
    lo.oms_host = s_.oms_host;
    lo.oms_replicas = s_.oms_replicas;
    lo.seed = s_.seed;
    lo.log_level = log_level_from(s_.log_level);
    return std::make_unique<testbed::LoopbackCluster>(classes(), dms::builtin(), lo);
  }
  sim::SimOptions so;
  so.seed = s_.seed;
  so.platform = s_.platform;
  so.log_level = log_level_from(s_.log_level);
  so.keep_trace_events = !s_.chrome_trace.empty() || !s_.jsonl_trace.empty();
  so.simgrid_args = {"--log=root.thres:critical"};
  testbed::SimClusterOptions co;
  co.oms_host = s_.oms_host;
  co.oms_replicas = s_.oms_replicas;
  return std::make_unique<testbed::SimCluster>(so, classes(), dms::builtin(), co);
}

bool Experiment::create_deployments(json& errors) {
  for (const auto& d : s_.deployments) {
    std::string failure;
    bool done = cluster_->run_on(d.node, [&] {
      try {
        failure = create_deployment(cluster_->kernel(d.node), d);
      } catch (const std::exception& e) {
        failure = e.what();
      }
    }, 60 * kSecond);
    if (!done) failure = "creation did not finish within 60 s";
    if (!failure.empty()) {
      errors.push_back("deployment '" + d.name + "' on " + d.node + ": " + failure);
      return false;
    }
  }
  return true;
}

// The replica serving now (empty if none, or with the single OMS): both clusters name it.
NodeId Experiment::oms_leader() const {
  if (s_.oms_replicas.empty()) return {};
  if (const auto* sim = dynamic_cast<const testbed::SimCluster*>(cluster_.get())) return sim->oms_leader();
  if (const auto* lo = dynamic_cast<const testbed::LoopbackCluster*>(cluster_.get())) return lo->oms_leader();
  return {};
}

json Experiment::run() {
  json errors = json::array();
  cluster_ = make_cluster();
  bool ok = cluster_->wait_registered(30 * kSecond);
  if (!ok) errors.push_back("not every kernel server registered with the OMS within 30 s");
  ok = ok && create_deployments(errors);
  const Time t0 = cluster_->now();
  leader_at_t0_ = oms_leader();
  driver_.set_window(t0, t0 + secs(s_.duration));
  if (ok) {
    for (const auto& f : s_.faults.faults) cluster_->schedule(f.at, f.fault);
    for (const auto& t : s_.faults.triggers) cluster_->arm(t);
    const std::vector<Rng> rngs = workload_rngs(s_);
    for (std::size_t wi = 0; wi < s_.workloads.size(); ++wi) driver_.start(wi, rngs[wi]);
    cluster_->run_until(t0 + secs(s_.duration));
  }
  json out{{"backend", s_.backend}, {"records", driver_.records_json()}, {"history", driver_.history_json()},
           {"t0", to_seconds(t0)}, {"unfinished_calls", driver_.in_flight()}};
  if (!s_.oms_replicas.empty()) {  // only then: results of the single OMS stay as they were
    out["oms"] = {{"replicas", s_.oms_replicas}, {"leader_at_t0", leader_at_t0_}, {"leader_at_end", oms_leader()}};
    // Simulated: each replica's Raft status at the end (role, term, commit, last index), so a
    // replica restarted from its storage can be seen to have caught up.
    if (const auto* sim = dynamic_cast<const testbed::SimCluster*>(cluster_.get())) {
      for (const auto& r : s_.oms_replicas) out["oms"]["status"][r] = to_json(sim->oms_status(r));
    }
  }
  add_backend_results(*cluster_, t0, s_.chrome_trace, s_.jsonl_trace, out, errors);
  out["ok"] = ok && errors.empty();
  out["errors"] = errors;
  return out;
}

}  // namespace

std::vector<std::string> validate(const std::string& scenario_json) {
  try {
    return validate_scenario(parse_scenario(scenario_json));
  } catch (const std::exception& e) {
    return {e.what()};
  }
}

std::string run(const std::string& scenario_json) {
  Scenario s = parse_scenario(scenario_json);
  const auto errors = validate_scenario(s);
  if (!errors.empty()) throw std::invalid_argument(join(errors));
  if (s.backend == "netns") {  // one process per host: amino.netns_backend starts bin/amino-scenario-node
    throw std::invalid_argument("the netns backend does not run in one process (amino.run launches its nodes)");
  }
  Experiment e(std::move(s));
  return e.run().dump();
}

std::string preset_host(const std::string& kind, const std::string& name, const std::string& region) {
  using namespace testbed::presets;
  static const std::map<std::string, testbed::HostSpec (*)(const std::string&, const std::string&)> table = {
      {"cloud_server", &cloud_server}, {"edge_server", &edge_server}, {"phone_wifi", &phone_wifi},
      {"phone_3g", &phone_3g},         {"tablet_wifi", &tablet_wifi}, {"tablet_3g", &tablet_3g}};
  auto it = table.find(kind);
  if (it == table.end()) {
    std::string known;
    for (const auto& [k, f] : table) known += (known.empty() ? "" : ", ") + k;
    throw std::invalid_argument("unknown preset '" + kind + "' (presets: " + known + ")");
  }
  testbed::HostSpec h = region.empty() ? it->second(name, kind.rfind("cloud", 0) == 0 ? "cloud" : kind.rfind("edge", 0) == 0 ? "edge" : "device")
                                   : it->second(name, region);
  json j = h;
  return j.dump();
}

std::string catalogue() {
  json j;
  j["dms"] = dms::builtin().names();
  j["descriptors"] = json::array();
  for (const auto& name : dms::builtin().names()) {
    j["descriptors"].push_back(to_json(dms::descriptor_value(*dms::builtin().find(name))));
  }
  j["categories"] = to_json(dms::categories_value(dms::builtin()));
  j["forbidden"] = to_json(dms::forbidden_value(dms::builtin()));
  for (const auto& name : classes().names()) {
    const ClassInfo* c = classes().find(name);
    json methods = json::object();
    for (const auto& [m, info] : c->methods) methods[m] = {{"arity", info.arity}, {"read_only", info.read_only}};
    j["classes"][name] = methods;
  }
  return j.dump();
}

}  // namespace amino::pyrun
