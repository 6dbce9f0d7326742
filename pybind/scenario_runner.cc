#include "pybind/scenario_runner.h"

#include <cmath>
#include <limits>
#include <type_traits>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "dms/all.h"
#include "dms/catalogue.h"
#include "pybind/backend_results.h"
#include "runtime/codec.h"
#include "runtime/spec.h"
#include "runtime/value_json.h"
#include "runtime/wire.h"
#include "scenarios/registry.h"
#include "testbed/fault_schedule.h"
#include "testbed/loopback_cluster.h"
#include "testbed/presets.h"
#include "testbed/sim_cluster.h"

namespace amino::pyrun {

using nlohmann::json;

namespace {

// ---------------------------------------------------------------- scenario as C++ data

struct CallSpec {
  std::string method;
  ValueList args;
};

struct DeploymentSpec {
  std::string name, node, spec_yaml;
  std::vector<CallSpec> init;
};

struct WorkloadSpec {
  std::string client, node, target;
  std::vector<CallSpec> calls;
  long long count = 0;  // closed loop: calls to make (0 with rate > 0: open loop until the end)
  double think = 0;     // closed loop: pause after each reply, s
  double rate = 0;      // open loop: Poisson arrivals per second (0: closed loop)
  double start = 0, timeout = 5;
};

struct Scenario {
  std::uint64_t seed = 1;
  double duration = 10;
  std::string oms_host = "oms";
  testbed::PlatformSpec platform;
  std::vector<DeploymentSpec> deployments;
  std::vector<WorkloadSpec> workloads;
  testbed::FaultSchedule faults;  // at_ns relative to time 0 of the experiment
  std::size_t max_value_chars = 160;
  std::string chrome_trace, jsonl_trace;
  std::string log_level = "error";
  std::string backend = "sim";  // "sim" (SimGrid) or "sockets" (LoopbackCluster, real time)
};

Duration secs(double s) { return from_seconds(s); }

// The longest a run, a workload's start/think/timeout and its rate may be (11.6 days, or per second):
// seconds become int64 nanoseconds, and duration=1e12 used to overflow that conversion.
constexpr double kMaxScenarioSeconds = 1e6;

std::string seconds_text(double s) {
  std::ostringstream out;
  out << s;
  return out.str();
}

// An integer field that must fit T exactly: nlohmann's get<T> would static_cast a float or wrap a
// negative number into an unsigned one.
template <typename T>
T int_field(const json& j, const char* key, T fallback, const std::string& where) {
  if (!j.contains(key)) return fallback;
  const json& v = j.at(key);
  bool fits = false;  // a float (even 3.0) or a bool is not an integer here
  if (v.is_number_unsigned()) {
    fits = v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max());
  } else if (v.is_number_integer()) {  // negative
    fits = std::is_signed_v<T> && v.get<std::int64_t>() >= static_cast<std::int64_t>(std::numeric_limits<T>::min());
  }
  if (!fits) {
    throw std::invalid_argument(where + ": " + key + " must be an integer in " + std::to_string(std::numeric_limits<T>::min()) +
                                " .. " + std::to_string(std::numeric_limits<T>::max()) + ", got " + v.dump());
  }
  return v.get<T>();
}

std::vector<CallSpec> calls_from(const json& j, const std::string& where) {
  std::vector<CallSpec> out;
  if (!j.is_array()) throw std::invalid_argument(where + ": expected a list of {method, args}");
  for (const auto& c : j) {
    CallSpec cs;
    cs.method = c.at("method").get<std::string>();
    for (const auto& a : c.value("args", json::array())) cs.args.push_back(from_json(a));
    out.push_back(std::move(cs));
  }
  return out;
}

// Parses the JSON shape; semantic checks are validate_scenario's. Throws std::invalid_argument
// (or nlohmann's exceptions, turned into one by parse_scenario) on a malformed document.
Scenario parse_scenario_unchecked(const std::string& text) {
  const json j = json::parse(text);
  if (!j.is_object()) throw std::invalid_argument("a scenario is a JSON object");
  Scenario s;
  if (j.contains("seed")) {
    // nlohmann would convert -1 to 2^64-1 and a float to anything: only an unsigned integer is a seed.
    if (!j["seed"].is_number_unsigned()) {
      throw std::invalid_argument("seed must be an integer in 0 .. 18446744073709551615, got " + j["seed"].dump());
    }
    s.seed = j["seed"].get<std::uint64_t>();
  }
  s.duration = j.value("duration", 10.0);
  s.oms_host = j.value("oms_host", std::string("oms"));
  s.platform = j.at("platform").get<testbed::PlatformSpec>();
  for (const auto& d : j.value("deployments", json::array())) {
    DeploymentSpec ds;
    ds.name = d.at("name").get<std::string>();
    ds.node = d.at("node").get<std::string>();
    ds.spec_yaml = d.at("spec_yaml").get<std::string>();
    ds.init = calls_from(d.value("init", json::array()), "deployment " + ds.name + " init");
    s.deployments.push_back(std::move(ds));
  }
  for (const auto& w : j.value("workloads", json::array())) {
    WorkloadSpec ws;
    ws.client = w.value("client", std::string());
    ws.node = w.at("node").get<std::string>();
    ws.target = w.at("target").get<std::string>();
    ws.calls = calls_from(w.at("calls"), "workload " + ws.client);
    ws.count = int_field<long long>(w, "count", 0, "workload " + ws.client);
    ws.think = w.value("think", 0.0);
    ws.rate = w.value("rate", 0.0);
    ws.start = w.value("start", 0.0);
    ws.timeout = w.value("timeout", 5.0);
    if (ws.client.empty()) ws.client = ws.node;
    s.workloads.push_back(std::move(ws));
  }
  json sched = json::object({{"faults", json::array()}});
  for (auto f : j.value("faults", json::array())) {
    const double at = f.value("at", 0.0);
    f.erase("at");
    if (at < 0) throw std::invalid_argument("fault " + f.dump() + ": negative time");
    f["at_ns"] = secs(at);
    sched["faults"].push_back(f);
  }
  s.faults = testbed::schedule_from_json(sched);
  s.max_value_chars = int_field<std::size_t>(j, "max_value_chars", 160, "scenario");
  s.chrome_trace = j.value("chrome_trace", std::string());
  s.jsonl_trace = j.value("jsonl_trace", std::string());
  s.log_level = j.value("log_level", std::string("error"));
  s.backend = j.value("backend", std::string("sim"));
  return s;
}

Scenario parse_scenario(const std::string& text) {
  try {
    return parse_scenario_unchecked(text);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("malformed scenario JSON: ") + e.what());
  }
}

const ClassRegistry& classes() {
  static const ClassRegistry registry = [] {
    ClassRegistry r;
    scenarios::register_all(r);
    return r;
  }();
  return registry;
}

// ---------------------------------------------------------------- validation (no SimGrid)

// The kernel servers as the OMS will see them: every host but the OMS's, with name=<host>.
std::vector<NodeInfo> kernel_nodes(const Scenario& s) {
  std::vector<NodeInfo> out;
  for (const auto& h : s.platform.hosts) {
    if (h.name == s.oms_host) continue;
    NodeInfo n;
    n.id = h.name;
    if (!h.region.empty()) n.region = h.region;
    n.labels = h.labels;
    n.labels["name"] = h.name;
    out.push_back(std::move(n));
  }
  return out;
}

std::size_t count_matching(const std::vector<NodeInfo>& nodes, const NodeSelector& sel, const std::string& key = "",
                           const std::string& value = "") {
  std::size_t n = 0;
  for (const auto& node : nodes) {
    if (!sel.matches(node)) continue;
    if (!key.empty()) {
      const std::string* v = node.label(key);
      if (v == nullptr || *v != value) continue;
    }
    ++n;
  }
  return n;
}

std::string config_string(const DmSpec& dm, const std::string& key) {
  auto it = dm.config.find(key);
  return it != dm.config.end() && it->second.is<std::string>() ? it->second.as_string() : std::string();
}

// Placement checks that need no simulation: some kernel server satisfies every DM level's
// selector, the cloud label a placement DM needs exists there, and there are enough of them for the
// replicas asked for.
void check_placeable(const std::string& where, const MicroServiceSpec& spec, const std::vector<NodeInfo>& nodes,
                     std::vector<std::string>& errors) {
  for (std::size_t level = 0; level < spec.dms.size(); ++level) {
    const DmSpec& dm = spec.dms[level];
    const NodeSelector& sel = spec.selector_for(level);
    const std::string at = where + ", DM " + dm.name;
    if (count_matching(nodes, sel) == 0) {
      errors.push_back(at + ": unplaceable: no kernel server matches the node selector " + sel.to_string());
      continue;
    }
    for (const auto& [k, v] : {std::pair{"labelKey", "labelValue"}, {"cloudLabelKey", "cloudLabelValue"}}) {
      const std::string key = config_string(dm, k), value = config_string(dm, v);
      if (!key.empty() && count_matching(nodes, sel, key, value) == 0) {
        errors.push_back(at + ": unplaceable: no kernel server is labelled " + key + "=" + value +
                         " (and matches the node selector); add labels={'" + key + "': '" + value + "'} to a host");
      }
    }
    if (auto it = dm.config.find("replicas"); it != dm.config.end() && it->second.is<std::int64_t>()) {
      const Value* r = &it->second;
      const std::size_t have = count_matching(nodes, sel);
      if (static_cast<std::int64_t>(have) < r->as_int()) {
        errors.push_back(at + ": unplaceable: " + std::to_string(r->as_int()) + " replicas need as many distinct kernel servers, only " +
                         std::to_string(have) + " match the node selector");
      }
    }
  }
}

void check_calls(const std::string& where, const ClassInfo& cls, const std::vector<CallSpec>& calls,
                 std::vector<std::string>& errors) {
  for (const auto& c : calls) {
    const MethodInfo* m = cls.method(c.method);
    if (m == nullptr) {
      std::string known;
      for (const auto& [name, info] : cls.methods) known += (known.empty() ? "" : ", ") + name;
      errors.push_back(where + ": class " + cls.name + " has no method '" + c.method + "' (it has: " + known + ")");
    } else if (m->arity != static_cast<int>(c.args.size())) {
      errors.push_back(where + ": " + cls.name + "." + c.method + " takes " + std::to_string(m->arity) +
                       " arguments, got " + std::to_string(c.args.size()));
    }
  }
}

bool is_kernel_host(const Scenario& s, const std::string& node) {
  return node != s.oms_host && s.platform.has_host(node);
}

std::string host_problem(const Scenario& s, const std::string& node) {
  if (node == s.oms_host) return "'" + node + "' runs the OMS only; put clients and objects on another host";
  std::string known;
  for (const auto& h : s.platform.hosts) known += (known.empty() ? "" : ", ") + h.name;
  return "unknown host '" + node + "' (hosts: " + known + ")";
}

// Returns the class of each valid deployment, by name.
std::map<std::string, const ClassInfo*> check_deployments(const Scenario& s, std::vector<std::string>& errors) {
  std::map<std::string, const ClassInfo*> out;
  const auto nodes = kernel_nodes(s);
  for (const auto& d : s.deployments) {
    const std::string where = "deployment '" + d.name + "'";
    if (out.count(d.name) != 0) errors.push_back(where + ": duplicate name");
    if (!is_kernel_host(s, d.node)) errors.push_back(where + ": " + host_problem(s, d.node));
    MicroServiceSpec spec;
    try {
      spec = parse_spec(d.spec_yaml, dms::builtin());
    } catch (const SpecError& e) {
      errors.push_back(where + ": " + e.what());  // SpecError's message names the line and field
      continue;
    } catch (const std::exception& e) {
      errors.push_back(where + ": bad spec: " + e.what());
      continue;
    }
    if (!spec.name.empty() && spec.name != d.name) {
      errors.push_back(where + ": the spec names it '" + spec.name + "'; drop the spec's name or make them equal");
    }
    const ClassInfo* cls = classes().find(spec.class_name);
    if (cls == nullptr) {
      std::string known;
      for (const auto& n : classes().names()) known += (known.empty() ? "" : ", ") + n;
      errors.push_back(where + ": unknown class '" + spec.class_name + "' (classes: " + known + ")");
      continue;
    }
    try {
      cls->instantiate(spec.args);
    } catch (const std::exception& e) {
      errors.push_back(where + ": constructor arguments rejected: " + e.what());
    }
    check_placeable(where, spec, nodes, errors);
    check_calls(where + " init", *cls, d.init, errors);
    out[d.name] = cls;
  }
  return out;
}

void check_workloads(const Scenario& s, const std::map<std::string, const ClassInfo*>& deployed,
                     std::vector<std::string>& errors) {
  std::set<std::string> all_names;
  for (const auto& d : s.deployments) all_names.insert(d.name);
  for (const auto& w : s.workloads) {
    const std::string where = "workload of client '" + w.client + "'";
    if (!is_kernel_host(s, w.node)) errors.push_back(where + ": " + host_problem(s, w.node));
    if (w.calls.empty()) errors.push_back(where + ": no calls");
    if (w.count < 0 || w.rate < 0 || w.think < 0 || w.start < 0 || w.timeout <= 0) {
      errors.push_back(where + ": count, rate, think and start must be >= 0 and timeout > 0");
    }
    // Seconds become int64 nanoseconds: bounded, so the conversion cannot overflow.
    for (const auto& [name, value] : {std::pair{"rate", w.rate}, {"think", w.think}, {"start", w.start}, {"timeout", w.timeout}}) {
      if (!(value <= kMaxScenarioSeconds)) {
        errors.push_back(where + ": " + name + " must be at most " + seconds_text(kMaxScenarioSeconds) + ", got " +
                         seconds_text(value));
      }
    }
    if (w.count == 0 && w.rate == 0) errors.push_back(where + ": give a count (closed loop) or a rate (open loop)");
    auto it = deployed.find(w.target);
    if (it == deployed.end()) {
      if (all_names.count(w.target) == 0) {
        std::string known;
        for (const auto& n : all_names) known += (known.empty() ? "" : ", ") + n;
        errors.push_back(where + ": unknown microservice '" + w.target + "' (deployments: " + known + ")");
      }
      continue;
    }
    check_calls(where, *it->second, w.calls, errors);
  }
}

std::vector<std::string> validate_scenario(const Scenario& s) {
  std::vector<std::string> errors = s.platform.validate();
  if (!s.platform.has_host(s.oms_host)) errors.push_back("the OMS host '" + s.oms_host + "' is not on the platform");
  if (!(s.duration > 0 && s.duration <= kMaxScenarioSeconds)) {
    errors.push_back("duration must be in (0, " + seconds_text(kMaxScenarioSeconds) + "] seconds, got " +
                     seconds_text(s.duration));
  }
  if (s.platform.hosts.empty()) return errors;
  const auto deployed = check_deployments(s, errors);
  check_workloads(s, deployed, errors);
  if (s.backend != "sim" && s.backend != "sockets") {
    errors.push_back("unknown backend '" + s.backend + "' (use sim or sockets)");
  }
  const bool sockets = s.backend == "sockets";
  for (const auto& e : sockets ? testbed::validate_for_sockets(s.faults, s.platform) : testbed::validate(s.faults, s.platform)) {
    errors.push_back("fault schedule: " + e);
  }
  if (sockets) {
    if (!s.chrome_trace.empty() || !s.jsonl_trace.empty()) {
      errors.push_back("traces are recorded by the sim backend only (the sockets backend runs in real time)");
    }
  }
  for (const auto& f : s.faults.faults) {
    if (f.at > secs(s.duration)) {
      errors.push_back(std::string("fault schedule: ") + testbed::describe(f.fault) + " at " + std::to_string(to_seconds(f.at)) +
                       " s is after the end of the run (" + std::to_string(s.duration) + " s)");
    }
  }
  return errors;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& e : v) out += (out.empty() ? "" : "\n") + e;
  return out;
}

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
  void start_workload(const WorkloadSpec& w, Rng rng);
  void closed_loop(const WorkloadSpec& w);
  void open_loop(const WorkloadSpec& w, Rng rng);
  void one_call(const WorkloadSpec& w, Kernel& k, const CallSpec& c);
  json summarize_value(const Value& v) const;
  json records_json() const;

  Scenario s_;
  std::unique_ptr<testbed::Cluster> cluster_;
  Time t0_ = 0;
  Time end_ = 0;
  std::vector<Record> records_;
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

void Experiment::one_call(const WorkloadSpec& w, Kernel& k, const CallSpec& c) {
  Record r{w.client, w.node, w.target, c.method, k.env().now() - t0_, 0, "", nullptr, ""};
  ++in_flight_;
  try {
    Stub stub = k.acquire(w.target);
    Reply reply = stub.invoke(c.method, c.args, secs(w.timeout));
    r.outcome = code_name(reply.status.code);
    if (reply.ok()) r.value = summarize_value(reply.value);
    else r.error = reply.status.message;
  } catch (const SystemError& e) {
    r.outcome = code_name(e.code());
    r.error = e.what();
  }
  --in_flight_;
  r.latency = k.env().now() - t0_ - r.start;
  records_.push_back(std::move(r));
}

void Experiment::closed_loop(const WorkloadSpec& w) {
  Kernel& k = cluster_->kernel(w.node);
  Env& env = k.env();
  env.sleep_for(secs(w.start));
  for (long long i = 0; (w.count == 0 || i < w.count) && env.now() < end_; ++i) {
    one_call(w, k, w.calls[static_cast<std::size_t>(i) % w.calls.size()]);
    if (w.think > 0) env.sleep_for(secs(w.think));
  }
}

// Poisson arrivals from the workload's own seeded stream; every call runs in its own context, so a
// slow reply does not hold back the next arrival.
void Experiment::open_loop(const WorkloadSpec& w, Rng rng) {
  Kernel& k = cluster_->kernel(w.node);
  Env& env = k.env();
  env.sleep_for(secs(w.start));
  for (long long i = 0; (w.count == 0 || i < w.count); ++i) {
    const double gap = -std::log(1.0 - rng.uniform()) / w.rate;
    env.sleep_for(secs(gap));
    if (env.now() >= end_) break;
    const CallSpec& c = w.calls[static_cast<std::size_t>(i) % w.calls.size()];
    env.spawn("call", [this, &w, &k, &c] { one_call(w, k, c); });
  }
}

void Experiment::start_workload(const WorkloadSpec& w, Rng rng) {
  Env& env = cluster_->env(w.node);
  if (w.rate > 0) {
    env.spawn("open:" + w.client, [this, &w, rng]() mutable { open_loop(w, rng); });
  } else {
    env.spawn("closed:" + w.client, [this, &w] { closed_loop(w); });
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
    Rng workload_rng(s_.seed ^ 0xA5A5A5A5DEADBEEFULL);
    for (const auto& w : s_.workloads) start_workload(w, workload_rng.fork());
    cluster_->run_until(end_);
  }
  json out{{"backend", s_.backend}, {"records", records_json()}, {"t0", to_seconds(t0_)}, {"unfinished_calls", in_flight_}};
  add_backend_results(*cluster_, s_.chrome_trace, s_.jsonl_trace, out, errors);
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
