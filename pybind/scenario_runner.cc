#include "pybind/scenario_runner.h"

#include <cmath>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "dms/all.h"
#include "dms/catalogue.h"
#include "pybind/backend_results.h"
#include "pybind/history.h"
#include "pybind/scenario_spec.h"
#include "runtime/codec.h"
#include "runtime/spec.h"
#include "runtime/value_json.h"
#include "runtime/wire.h"
#include "testbed/fault_schedule.h"
#include "testbed/loopback_cluster.h"
#include "testbed/presets.h"
#include "testbed/sim_cluster.h"

namespace amino::pyrun {

using nlohmann::json;

namespace {

// ---------------------------------------------------------------- the run

struct Record {
  std::string client, node, microservice, method;
  Time start = 0;
  Duration latency = 0;
  std::string outcome;
  json value;
  std::string error;
};

// Everything the running clients share; lives in the child for the whole run.
class Experiment {
 public:
  explicit Experiment(Scenario s) : s_(std::move(s)) {}

  json run();

 private:
  std::unique_ptr<testbed::Cluster> make_cluster() const;
  bool create_deployments(json& errors);
  void start_workload(std::size_t wi, Rng rng);
  void closed_loop(std::size_t wi);
  void open_loop(std::size_t wi, Rng rng);
  void one_call(std::size_t wi, Kernel& k, const CallSpec& c);
  json summarize_value(const Value& v) const;
  json summarize_args(const ValueList& args) const;
  Time since_t0() const { return cluster_->now() - t0_; }  // true time, not a node's (skewable) clock
  json records_json() const;

  Scenario s_;
  std::unique_ptr<testbed::Cluster> cluster_;
  Time t0_ = 0;
  Time end_ = 0;
  std::vector<Record> records_;
  HistoryRecorder history_{s_.workloads.size()};
  long long in_flight_ = 0;
};

LogLevel level_from(const std::string& s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "info") return LogLevel::kInfo;
  if (s == "warn") return LogLevel::kWarn;
  return LogLevel::kError;
}

// The scenario's deployment on its backend: SimGrid (simulated time, traces) or the sockets backend
// on loopback (real TCP in this process, real time, the platform's latencies emulated).
std::unique_ptr<testbed::Cluster> Experiment::make_cluster() const {
  if (s_.backend == "sockets") {
    testbed::LoopbackClusterOptions lo;
    lo.platform = s_.platform;
    lo.oms_host = s_.oms_host;
    lo.seed = s_.seed;
    lo.log_level = level_from(s_.log_level);
    return std::make_unique<testbed::LoopbackCluster>(classes(), dms::builtin(), lo);
  }
  sim::SimOptions so;
  so.seed = s_.seed;
  so.platform = s_.platform;
  so.log_level = level_from(s_.log_level);
  so.keep_trace_events = !s_.chrome_trace.empty() || !s_.jsonl_trace.empty();
  so.simgrid_args = {"--log=root.thres:critical"};
  testbed::SimClusterOptions co;
  co.oms_host = s_.oms_host;
  return std::make_unique<testbed::SimCluster>(so, classes(), dms::builtin(), co);
}

bool Experiment::create_deployments(json& errors) {
  for (const auto& d : s_.deployments) {
    std::string failure;
    bool done = cluster_->run_on(d.node, [&] {
      try {
        MicroServiceSpec spec = parse_spec(d.spec_yaml, dms::builtin());
        spec.name = d.name;
        Kernel& k = cluster_->kernel(d.node);
        Stub stub = k.create(spec);
        for (const auto& c : d.init) {
          Reply r = stub.invoke(c.method, c.args);
          if (!r.ok()) failure = "init call " + c.method + ": " + r.status.to_string();
        }
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

json Experiment::summarize_value(const Value& v) const {
  json j = to_json(v);
  if (s_.max_value_chars == 0) return nullptr;
  const std::string text = j.dump();
  if (text.size() <= s_.max_value_chars) return j;
  std::ostringstream os;
  os << "<" << kind_name(v.kind()) << " of " << text.size() << " chars, digest " << std::hex << wire::digest(v) << ">";
  return os.str();
}

json Experiment::summarize_args(const ValueList& args) const {
  json out = json::array();
  for (const auto& a : args) out.push_back(summarize_value(a));
  return out;
}

// The status of a SystemError thrown at the caller: its what() is "CODE: message" (status.h).
Status status_of(const SystemError& e) {
  const std::string prefix = std::string(code_name(e.code())) + ": ";
  std::string what = e.what();
  if (what.rfind(prefix, 0) == 0) what.erase(0, prefix.size());
  return Status{e.code(), what, {}};
}

// One call of workload `wi`: a record (records_json) and an operation of the history.
void Experiment::one_call(std::size_t wi, Kernel& k, const CallSpec& c) {
  const WorkloadSpec& w = s_.workloads[wi];
  const std::string& target = c.target.empty() ? w.target : c.target;
  Record r{w.client, w.node, target, c.method, k.env().now() - t0_, 0, "", nullptr, ""};
  HistoryRecorder::Op op = history_.invoke(wi, w.client, w.node, target, c.method, summarize_args(c.args), since_t0());
  ++in_flight_;
  bool issued = false;
  Status status;
  try {
    Stub stub = k.acquire(target);
    issued = true;
    Reply reply = stub.invoke(c.method, c.args, secs(w.timeout));
    status = reply.status;
    if (reply.ok()) r.value = summarize_value(reply.value);
    else r.error = reply.status.message;
  } catch (const SystemError& e) {
    status = status_of(e);
    r.error = e.what();
  }
  r.outcome = code_name(status.code);
  --in_flight_;
  r.latency = k.env().now() - t0_ - r.start;
  if (issued) history_.returned(op, status, r.value, since_t0());
  else history_.not_issued(op, status, since_t0());
  records_.push_back(std::move(r));
}

void Experiment::closed_loop(std::size_t wi) {
  const WorkloadSpec& w = s_.workloads[wi];
  Kernel& k = cluster_->kernel(w.node);
  Env& env = k.env();
  env.sleep_for(secs(w.start));
  for (long long i = 0; (w.count == 0 || i < w.count) && env.now() < end_; ++i) {
    one_call(wi, k, w.calls[static_cast<std::size_t>(i) % w.calls.size()]);
    if (w.think > 0) env.sleep_for(secs(w.think));
  }
}

// Poisson arrivals from the workload's own seeded stream; every call runs in its own context, so a
// slow reply does not hold back the next arrival.
void Experiment::open_loop(std::size_t wi, Rng rng) {
  const WorkloadSpec& w = s_.workloads[wi];
  Kernel& k = cluster_->kernel(w.node);
  Env& env = k.env();
  env.sleep_for(secs(w.start));
  for (long long i = 0; (w.count == 0 || i < w.count); ++i) {
    const double gap = -std::log(1.0 - rng.uniform()) / w.rate;
    env.sleep_for(secs(gap));
    if (env.now() >= end_) break;
    const CallSpec& c = w.calls[static_cast<std::size_t>(i) % w.calls.size()];
    env.spawn("call", [this, wi, &k, &c] { one_call(wi, k, c); });
  }
}

void Experiment::start_workload(std::size_t wi, Rng rng) {
  const WorkloadSpec& w = s_.workloads[wi];
  Env& env = cluster_->env(w.node);
  if (w.rate > 0) {
    env.spawn("open:" + w.client, [this, wi, rng]() mutable { open_loop(wi, rng); });
  } else {
    env.spawn("closed:" + w.client, [this, wi] { closed_loop(wi); });
  }
}

json Experiment::records_json() const {
  json out = json::array();
  for (const auto& r : records_) {
    out.push_back({{"client", r.client}, {"node", r.node}, {"microservice", r.microservice}, {"method", r.method},
                   {"start", to_seconds(r.start)}, {"latency", to_seconds(r.latency)}, {"outcome", r.outcome},
                   {"value", r.value}, {"error", r.error}});
  }
  return out;
}

json Experiment::run() {
  json errors = json::array();
  cluster_ = make_cluster();
  bool ok = cluster_->wait_registered(30 * kSecond);
  if (!ok) errors.push_back("not every kernel server registered with the OMS within 30 s");
  ok = ok && create_deployments(errors);
  t0_ = cluster_->now();
  end_ = t0_ + secs(s_.duration);
  if (ok) {
    for (const auto& f : s_.faults.faults) cluster_->schedule(f.at, f.fault);
    for (const auto& t : s_.faults.triggers) cluster_->arm(t);
    Rng workload_rng(s_.seed ^ 0xA5A5A5A5DEADBEEFULL);
    for (std::size_t wi = 0; wi < s_.workloads.size(); ++wi) start_workload(wi, workload_rng.fork());
    cluster_->run_until(end_);
  }
  json out{{"backend", s_.backend}, {"records", records_json()}, {"history", history_.events()},
           {"t0", to_seconds(t0_)}, {"unfinished_calls", in_flight_}};
  add_backend_results(*cluster_, t0_, s_.chrome_trace, s_.jsonl_trace, out, errors);
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
