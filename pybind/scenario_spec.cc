#include "pybind/scenario_spec.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "dms/all.h"
#include "runtime/codec.h"
#include "runtime/limits.h"
#include "runtime/spec.h"
#include "runtime/value_json.h"
#include "scenarios/registry.h"
#include "testbed/loopback_cluster.h"  // validate_for_sockets

namespace amino::pyrun {

using nlohmann::json;

namespace {

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

// A time in seconds within a scenario's range (triggers' "until" and "after").
double number_field(const json& j, const char* key, const std::string& where) {
  const json& v = j.contains(key) ? j.at(key) : json(0.0);
  if (!v.is_number() || !(v.get<double>() >= 0 && v.get<double>() <= kMaxScenarioSeconds)) {
    throw std::invalid_argument(where + ": " + key + " must be a number of seconds in [0, " +
                                seconds_text(kMaxScenarioSeconds) + "], got " + v.dump());
  }
  return v.get<double>();
}

std::vector<CallSpec> calls_from(const json& j, const std::string& where) {
  std::vector<CallSpec> out;
  if (!j.is_array()) throw std::invalid_argument(where + ": expected a list of {method, args}");
  for (const auto& c : j) {
    CallSpec cs;
    cs.method = c.at("method").get<std::string>();
    for (const auto& a : c.value("args", json::array())) cs.args.push_back(from_json(a));
    cs.target = c.value("target", std::string());
    out.push_back(std::move(cs));
  }
  return out;
}

// The oms_replicas key: a non-empty list of strings (which hosts, how many: validate_scenario).
std::vector<std::string> host_names(const json& v, const std::string& key) {
  if (!v.is_array()) throw std::invalid_argument(key + " must be a list of host names, got " + v.dump());
  if (v.empty()) {
    throw std::invalid_argument(key + " is an empty list: give 3, 5 or 7 host names, or leave " + key +
                                " out for the single OMS on oms_host");
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      throw std::invalid_argument(key + "[" + std::to_string(i) + "] must be a host name (a string), got " + v[i].dump());
    }
    out.push_back(v[i].get<std::string>());
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
  if (j.contains("oms_replicas")) s.oms_replicas = host_names(j.at("oms_replicas"), "oms_replicas");
  // Replicated, oms_host defaults to the first replica: a scenario names the replicas once.
  s.oms_host = j.value("oms_host", s.oms_replicas.empty() ? std::string("oms") : s.oms_replicas.front());
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
    // A trigger ("on_probe"): its window ends at "until" and each of its faults acts "after" the
    // probe, both in seconds here as well.
    if (f.is_object() && f.value("type", json()) == "on_probe") {
      if (f.contains("until")) f["until_ns"] = secs(number_field(f, "until", "trigger"));
      f.erase("until");
      if (f.contains("faults") && f.at("faults").is_array()) {
        for (auto& g : f.at("faults")) {
          if (!g.is_object()) continue;
          g["after_ns"] = secs(number_field(g, "after", "triggered fault"));
          g.erase("after");
        }
      }
    }
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



// ---------------------------------------------------------------- validation (no SimGrid)

// The kernel servers as the OMS will see them: every host but the OMS's (or its replicas'), with
// name=<host>.
std::vector<NodeInfo> kernel_nodes(const Scenario& s) {
  std::vector<NodeInfo> out;
  for (const auto& h : s.platform.hosts) {
    if (is_oms_host(s, h.name)) continue;
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

// A deployment's class and the methods its DMs intercept (DmDescriptor::control_methods, e.g. the
// transaction DMs' startTransaction): those take no arguments and need not be in the class.
struct Deployed {
  const ClassInfo* cls = nullptr;
  std::set<std::string> control;
};

void check_calls(const std::string& where, const Deployed& d, const std::vector<CallSpec>& calls,
                 std::vector<std::string>& errors) {
  const ClassInfo& cls = *d.cls;
  for (const auto& c : calls) {
    const MethodInfo* m = cls.method(c.method);
    if (m == nullptr && d.control.count(c.method) != 0) {
      if (!c.args.empty()) {
        errors.push_back(where + ": " + c.method + " (intercepted by a DM of the deployment) takes no arguments, got " +
                         std::to_string(c.args.size()));
      }
    } else if (m == nullptr) {
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
  return !is_oms_host(s, node) && s.platform.has_host(node);
}

std::string known_hosts(const Scenario& s) {
  std::string known;
  for (const auto& h : s.platform.hosts) known += (known.empty() ? "" : ", ") + h.name;
  return known;
}

std::string host_problem(const Scenario& s, const std::string& node) {
  if (!s.oms_replicas.empty() && is_oms_host(s, node)) {
    return "'" + node + "' runs an OMS replica only (oms_replicas); put clients and objects on another host";
  }
  if (node == s.oms_host) return "'" + node + "' runs the OMS only; put clients and objects on another host";
  return "unknown host '" + node + "' (hosts: " + known_hosts(s) + ")";
}

// The replicated OMS's hosts: known, distinct, an odd count of 3 to kMaxOmsReplicas, oms_host among
// them. (Clients and objects on them: host_problem.)
void check_oms_replicas(const Scenario& s, std::vector<std::string>& errors) {
  const auto& r = s.oms_replicas;
  const std::size_t n = r.size();
  const std::string count = "oms_replicas: " + std::to_string(n) + " host" + (n == 1 ? "" : "s");
  if (n > kMaxOmsReplicas) {
    errors.push_back(count + ", at most " + std::to_string(kMaxOmsReplicas) + " (limit kMaxOmsReplicas = " +
                     std::to_string(kMaxOmsReplicas) + ")");
  } else if (n < kMinScenarioOmsReplicas) {
    errors.push_back(count + "; a replicated OMS has 3, 5 or 7 (leave oms_replicas out for the single OMS on oms_host)");
  } else if (n % 2 == 0) {
    errors.push_back(count + ", an even count: " + std::to_string(n) + " replicas tolerate no more failures than " +
                     std::to_string(n - 1) + " (a majority of " + std::to_string(n / 2 + 1) + " must be up); use 3, 5 or 7");
  }
  std::set<std::string> seen;
  std::string listed;
  for (const auto& h : r) {
    listed += (listed.empty() ? "" : ", ") + h;
    if (!seen.insert(h).second) {
      errors.push_back("oms_replicas: '" + h + "' is listed twice (each replica needs a host of its own)");
    } else if (!s.platform.has_host(h)) {
      errors.push_back("oms_replicas: unknown host '" + h + "' (hosts: " + known_hosts(s) + ")");
    }
  }
  if (seen.count(s.oms_host) == 0) {
    errors.push_back("oms_host '" + s.oms_host + "' is not one of oms_replicas (" + listed +
                     "); leave oms_host out (it defaults to the first replica) or name one of them");
  }
}

// Returns the class and control methods of each valid deployment, by name.
std::map<std::string, Deployed> check_deployments(const Scenario& s, std::vector<std::string>& errors) {
  std::map<std::string, Deployed> out;
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
    Deployed dep{cls, {}};
    for (const DmSpec& dm : spec.dms) {
      const DmDescriptor* desc = dms::builtin().find(dm.name);
      if (desc == nullptr || !desc->control_methods) continue;
      for (std::string& m : desc->control_methods(dm.config)) dep.control.insert(std::move(m));
    }
    for (const auto& c : d.init) {
      if (!c.target.empty() && c.target != d.name) errors.push_back(where + " init: a call's target must be the deployment itself");
    }
    check_calls(where + " init", dep, d.init, errors);
    out[d.name] = std::move(dep);
  }
  return out;
}

void check_workloads(const Scenario& s, const std::map<std::string, Deployed>& deployed,
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
    // The calls by microservice: the workload's target, or a call's own (a transaction across several).
    std::map<std::string, std::vector<CallSpec>> by_target;
    for (const auto& c : w.calls) by_target[c.target.empty() ? w.target : c.target].push_back(c);
    if (by_target.empty()) by_target[w.target];
    for (const auto& [target, calls] : by_target) {
      auto it = deployed.find(target);
      if (it == deployed.end()) {
        if (all_names.count(target) == 0) {
          std::string known;
          for (const auto& n : all_names) known += (known.empty() ? "" : ", ") + n;
          errors.push_back(where + ": unknown microservice '" + target + "' (deployments: " + known + ")");
        }
        continue;
      }
      check_calls(where, it->second, calls, errors);
    }
  }
}

}  // namespace

bool is_oms_host(const Scenario& s, const std::string& host) {
  if (s.oms_replicas.empty()) return host == s.oms_host;
  return std::find(s.oms_replicas.begin(), s.oms_replicas.end(), host) != s.oms_replicas.end();
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

std::vector<std::string> validate_scenario(const Scenario& s) {
  std::vector<std::string> errors = s.platform.validate();
  if (!s.oms_replicas.empty()) {
    check_oms_replicas(s, errors);
  } else if (!s.platform.has_host(s.oms_host)) {
    errors.push_back("the OMS host '" + s.oms_host + "' is not on the platform");
  }
  if (!(s.duration > 0 && s.duration <= kMaxScenarioSeconds)) {
    errors.push_back("duration must be in (0, " + seconds_text(kMaxScenarioSeconds) + "] seconds, got " +
                     seconds_text(s.duration));
  }
  if (s.platform.hosts.empty()) return errors;
  const auto deployed = check_deployments(s, errors);
  check_workloads(s, deployed, errors);
  if (s.backend != "sim" && s.backend != "sockets" && s.backend != "netns") {
    errors.push_back("unknown backend '" + s.backend + "' (use sim, sockets or netns)");
  }
  const bool sockets = s.backend == "sockets";
  // netns: which fault types the network can express is the launcher's to say
  // (testbed/netns/netns_cluster.py, checked before any namespace is made); here the common checks.
  const bool netns = s.backend == "netns";
  for (const auto& e : sockets ? testbed::validate_for_sockets(s.faults, s.platform) : testbed::validate(s.faults, s.platform)) {
    errors.push_back("fault schedule: " + e);
  }
  if (netns) {
    for (const auto& t : s.faults.triggers) {
      errors.push_back("fault schedule: " + testbed::describe(t) + ": not on the netns backend: " + testbed::kTriggersSimOnly);
    }
  }
  if (sockets || netns) {
    if (!s.chrome_trace.empty() || !s.jsonl_trace.empty()) {
      errors.push_back("traces are recorded by the sim backend only (the " + s.backend + " backend runs in real time)");
    }
  }
  for (const auto& t : s.faults.triggers) {
    if (t.from > secs(s.duration)) {
      errors.push_back("fault schedule: " + testbed::describe(t) + " is armed after the end of the run (" +
                       std::to_string(s.duration) + " s)");
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

LogLevel log_level_from(const std::string& s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "info") return LogLevel::kInfo;
  if (s == "warn") return LogLevel::kWarn;
  return LogLevel::kError;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& e : v) out += (out.empty() ? "" : "\n") + e;
  return out;
}

}  // namespace amino::pyrun
