#include "testbed/fault_schedule.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>

#include "testbed/partitions.h"

namespace amino::testbed {

using nlohmann::json;

namespace {

template <class... Ts> struct Overloaded : Ts... { using Ts::operator()...; };
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

constexpr const char* kTriggerType = "on_probe";
constexpr std::int64_t kMaxTriggerCount = 1000000;  // nth: far beyond any run's probes of one kind

BlockMode mode_from(const json& j) {
  const auto s = j.value("mode", std::string("drop"));
  auto m = parse_block_mode(s);
  if (!m) throw std::invalid_argument("unknown partition mode '" + s + "' (use drop or reset)");
  return *m;
}

// Any int64 field: integers, and in-range floats (truncated); anything else is refused.
std::int64_t int64_field(const json& j, const char* key, std::int64_t fallback) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const json& v = j.at(key);
  constexpr double kLimit = 9.2e18;  // just inside +-2^63
  const bool fits = v.is_number_unsigned()  ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)
                    : v.is_number_integer() ? true
                    : v.is_number_float()   ? std::isfinite(v.get<double>()) && std::fabs(v.get<double>()) < kLimit
                                            : false;
  if (!fits) throw std::invalid_argument(std::string(key) + " must be a number within int64, not " + v.dump());
  return v.get<std::int64_t>();
}

// A time or duration field in nanoseconds (`fallback` when absent). nlohmann's get<std::int64_t>
// casts any float, and a float past the int64 range (1e300) is undefined behaviour, so such values
// are rejected here (found by fuzz/fault_schedule_fuzz). In-range floats still truncate as before.
Duration nanoseconds(const json& j, const char* key, Duration fallback) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const json& v = j.at(key);
  if (!v.is_number()) throw std::invalid_argument(std::string(key) + " must be a number of nanoseconds, not " + v.dump());
  return int64_field(j, key, fallback);
}

json link_faults_json(const LinkFaults& f) {
  return {{"drop", f.drop},       {"duplicate", f.duplicate}, {"reorder", f.reorder},
          {"reorder_window_ns", f.reorder_window}, {"delay_ns", f.delay}, {"jitter_ns", f.jitter}};
}

LinkFaults link_faults_from(const json& j) {
  LinkFaults f;
  f.drop = j.value("drop", 0.0);
  f.duplicate = j.value("duplicate", 0.0);
  f.reorder = j.value("reorder", 0.0);
  f.reorder_window = nanoseconds(j, "reorder_window_ns", 0);
  f.delay = nanoseconds(j, "delay_ns", 0);
  f.jitter = nanoseconds(j, "jitter_ns", 0);
  return f;
}

using Parser = std::function<Fault(const json&)>;

const std::map<std::string, Parser>& parsers() {
  static const std::map<std::string, Parser> table = {
      {"partition", [](const json& j) -> Fault {
         return PartitionFault{j.at("groups").get<std::vector<std::vector<NodeId>>>(), mode_from(j)};
       }},
      {"partition_one_way", [](const json& j) -> Fault {
         return OneWayPartitionFault{j.at("from").get<std::vector<NodeId>>(), j.at("to").get<std::vector<NodeId>>(),
                                     mode_from(j)};
       }},
      {"partition_bridge",
       [](const json& j) -> Fault { return BridgePartitionFault{j.at("nodes").get<std::vector<NodeId>>(), mode_from(j)}; }},
      {"partition_majorities_ring",
       [](const json& j) -> Fault { return MajoritiesRingFault{j.at("nodes").get<std::vector<NodeId>>(), mode_from(j)}; }},
      {"heal", [](const json&) -> Fault { return HealFault{}; }},
      {"link", [](const json& j) -> Fault {
         LinkChangeFault f{j.at("link").get<std::string>(), std::nullopt, std::nullopt};
         if (j.contains("latency_ns")) f.latency = nanoseconds(j, "latency_ns", 0);
         if (j.contains("bandwidth")) f.bandwidth = j.at("bandwidth").get<double>();
         return f;
       }},
      {"message_faults", [](const json& j) -> Fault {
         return MessageFaultsFault{j.value("from", std::string("*")), j.value("to", std::string("*")),
                                   link_faults_from(j.value("faults", json::object()))};
       }},
      {"clear_message_faults", [](const json&) -> Fault { return ClearMessageFaultsFault{}; }},
      {"crash", [](const json& j) -> Fault { return CrashFault{j.at("node").get<NodeId>(), j.value("wipe_storage", false)}; }},
      {"restart", [](const json& j) -> Fault { return RestartFault{j.at("node").get<NodeId>()}; }},
      {"pause", [](const json& j) -> Fault { return PauseFault{j.at("node").get<NodeId>()}; }},
      {"resume", [](const json& j) -> Fault { return ResumeFault{j.at("node").get<NodeId>()}; }},
      {"clock", [](const json& j) -> Fault {
         return ClockFault{j.at("node").get<NodeId>(), nanoseconds(j, "offset_ns", 0), j.value("drift", 0.0)};
       }},
      {"torn_write", [](const json& j) -> Fault { return TornWriteFault{j.at("node").get<NodeId>()}; }},
  };
  return table;
}

void need_node(const PlatformSpec& p, const NodeId& n, const std::string& who, std::vector<std::string>& errors) {
  if (!p.has_host(n)) errors.push_back(who + ": unknown node '" + n + "'");
}

void need_nodes(const PlatformSpec& p, const std::vector<NodeId>& ns, const std::string& who,
                std::vector<std::string>& errors) {
  for (const auto& n : ns) need_node(p, n, who, errors);
}

bool link_exists(const PlatformSpec& p, const std::string& link) {
  for (const auto& h : p.hosts) {
    if (uplink_name(h.name) == link) return true;
  }
  for (const auto& l : p.links) {
    if (link_name(l) == link) return true;
  }
  return false;
}

void check_groups(const std::vector<std::vector<NodeId>>& groups, const std::string& who,
                  std::vector<std::string>& errors) {
  if (std::string e = testbed::check_groups(groups); !e.empty()) errors.push_back(who + ": " + e);
}

// Per-node lifecycle used to check the order of node faults within a schedule.
struct NodeLife {
  bool up = true;
  bool paused = false;
};

std::string lifecycle_error(const Fault& f, std::map<NodeId, NodeLife>& life) {
  return std::visit(
      Overloaded{
          [&](const CrashFault& c) -> std::string {
            auto& l = life[c.node];
            if (!l.up) return "crash of node '" + c.node + "' which is already crashed";
            l = {false, false};
            return {};
          },
          [&](const RestartFault& r) -> std::string {
            auto& l = life[r.node];
            if (l.up) return "restart of node '" + r.node + "' which is up";
            l.up = true;
            return {};
          },
          [&](const PauseFault& p) -> std::string {
            auto& l = life[p.node];
            if (!l.up || l.paused) return "pause of node '" + p.node + "' which is crashed or already paused";
            l.paused = true;
            return {};
          },
          [&](const ResumeFault& r) -> std::string {
            auto& l = life[r.node];
            if (!l.paused) return "resume of node '" + r.node + "' which is not paused";
            l.paused = false;
            return {};
          },
          [](const auto&) -> std::string { return {}; },
      },
      f);
}

}  // namespace

const char* fault_type(const Fault& f) {
  return std::visit(Overloaded{
                        [](const PartitionFault&) { return "partition"; },
                        [](const OneWayPartitionFault&) { return "partition_one_way"; },
                        [](const BridgePartitionFault&) { return "partition_bridge"; },
                        [](const MajoritiesRingFault&) { return "partition_majorities_ring"; },
                        [](const HealFault&) { return "heal"; },
                        [](const LinkChangeFault&) { return "link"; },
                        [](const MessageFaultsFault&) { return "message_faults"; },
                        [](const ClearMessageFaultsFault&) { return "clear_message_faults"; },
                        [](const CrashFault&) { return "crash"; },
                        [](const RestartFault&) { return "restart"; },
                        [](const PauseFault&) { return "pause"; },
                        [](const ResumeFault&) { return "resume"; },
                        [](const ClockFault&) { return "clock"; },
                        [](const TornWriteFault&) { return "torn_write"; },
                    },
                    f);
}

json fault_to_json(const Fault& f) {
  json j = std::visit(
      Overloaded{
          [](const PartitionFault& p) -> json { return {{"groups", p.groups}, {"mode", block_mode_name(p.mode)}}; },
          [](const OneWayPartitionFault& p) -> json {
            return {{"from", p.from}, {"to", p.to}, {"mode", block_mode_name(p.mode)}};
          },
          [](const BridgePartitionFault& p) -> json { return {{"nodes", p.nodes}, {"mode", block_mode_name(p.mode)}}; },
          [](const MajoritiesRingFault& p) -> json { return {{"nodes", p.nodes}, {"mode", block_mode_name(p.mode)}}; },
          [](const HealFault&) -> json { return json::object(); },
          [](const LinkChangeFault& l) -> json {
            json o = {{"link", l.link}};
            if (l.latency) o["latency_ns"] = *l.latency;
            if (l.bandwidth) o["bandwidth"] = *l.bandwidth;
            return o;
          },
          [](const MessageFaultsFault& m) -> json {
            return {{"from", m.from}, {"to", m.to}, {"faults", link_faults_json(m.faults)}};
          },
          [](const ClearMessageFaultsFault&) -> json { return json::object(); },
          [](const CrashFault& c) -> json { return {{"node", c.node}, {"wipe_storage", c.wipe_storage}}; },
          [](const RestartFault& r) -> json { return {{"node", r.node}}; },
          [](const PauseFault& p) -> json { return {{"node", p.node}}; },
          [](const ResumeFault& r) -> json { return {{"node", r.node}}; },
          [](const ClockFault& c) -> json { return {{"node", c.node}, {"offset_ns", c.offset}, {"drift", c.drift}}; },
          [](const TornWriteFault& t) -> json { return {{"node", t.node}}; },
      },
      f);
  j["type"] = fault_type(f);
  return j;
}

Fault fault_from_json(const json& j) {
  if (!j.is_object() || !j.contains("type")) throw std::invalid_argument("fault JSON needs a \"type\" field: " + j.dump());
  if (!j.at("type").is_string()) throw std::invalid_argument("a fault's \"type\" must be a string: " + j.dump());
  const auto type = j.at("type").get<std::string>();
  if (type == kTriggerType) {
    throw std::invalid_argument("'on_probe' is a trigger, not a fault: it belongs in a schedule's fault list, not inside a trigger");
  }
  auto it = parsers().find(type);
  if (it == parsers().end()) throw std::invalid_argument("unknown fault type '" + type + "'");
  try {
    return it->second(j);
  } catch (const json::exception& e) {
    throw std::invalid_argument("bad '" + type + "' fault " + j.dump() + ": " + e.what());
  }
}

namespace {

// A fault with its time under `time_key`: "at_ns" in a schedule, "after_ns" (since the probe) in a trigger.
json timed_fault_to_json(const ScheduledFault& sf, const char* time_key) {
  json j = fault_to_json(sf.fault);
  j[time_key] = sf.at;
  return j;
}

}  // namespace

json trigger_to_json(const ProbeTrigger& t) {
  json faults = json::array();
  for (const auto& sf : t.faults) faults.push_back(timed_fault_to_json(sf, "after_ns"));
  json j = {{"type", kTriggerType}, {"probe", t.probe}, {"nth", t.nth}, {"at_ns", t.from}, {"faults", std::move(faults)}};
  if (t.node) j["node"] = *t.node;
  if (t.group) j["group"] = *t.group;
  if (t.until) j["until_ns"] = *t.until;
  return j;
}

ProbeTrigger trigger_from_json(const json& j) {
  if (!j.is_object()) throw std::invalid_argument("a trigger must be a JSON object: " + j.dump());
  try {
    ProbeTrigger t;
    t.probe = j.at("probe").get<std::string>();
    t.nth = int64_field(j, "nth", 1);
    if (j.contains("node")) t.node = j.at("node").get<NodeId>();
    if (j.contains("group")) t.group = j.at("group").get<std::string>();
    t.from = nanoseconds(j, "at_ns", 0);
    if (j.contains("until_ns")) t.until = nanoseconds(j, "until_ns", 0);
    const json& faults = j.at("faults");
    if (!faults.is_array()) throw std::invalid_argument("a trigger's \"faults\" must be a list");
    for (const auto& f : faults) t.faults.push_back({nanoseconds(f, "after_ns", 0), fault_from_json(f)});
    return t;
  } catch (const json::exception& e) {
    throw std::invalid_argument("bad 'on_probe' trigger " + j.dump() + ": " + e.what());
  }
}

json schedule_to_json(const FaultSchedule& s) {
  json arr = json::array();
  for (const auto& sf : s.faults) arr.push_back(timed_fault_to_json(sf, "at_ns"));
  for (const auto& t : s.triggers) arr.push_back(trigger_to_json(t));
  return {{"faults", arr}};
}

FaultSchedule schedule_from_json(const json& j) {
  FaultSchedule s;
  if (!j.is_object() || !j.contains("faults") || !j.at("faults").is_array()) {
    throw std::invalid_argument("a fault schedule is {\"faults\": [...]}, got " + j.dump().substr(0, 200));
  }
  for (const auto& f : j.at("faults")) {
    if (f.is_object() && f.contains("type") && f.at("type") == kTriggerType) {
      s.triggers.push_back(trigger_from_json(f));
    } else {
      s.faults.push_back({nanoseconds(f, "at_ns", 0), fault_from_json(f)});
    }
  }
  return s;
}

std::string describe(const ProbeTrigger& t) {
  json j = trigger_to_json(t);
  j.erase("type");
  return std::string(kTriggerType) + " " + j.dump();
}

std::string describe(const Fault& f) {
  json j = fault_to_json(f);
  j.erase("type");
  return std::string(fault_type(f)) + " " + j.dump();
}

std::vector<std::string> validate(const Fault& f, const PlatformSpec& p) {
  std::vector<std::string> errors;
  const std::string who = fault_type(f);
  std::visit(Overloaded{
                 [&](const PartitionFault& x) {
                   for (const auto& g : x.groups) need_nodes(p, g, who, errors);
                   if (x.groups.size() < 2) errors.push_back(who + ": needs at least two groups");
                   check_groups(x.groups, who, errors);
                 },
                 [&](const OneWayPartitionFault& x) {
                   need_nodes(p, x.from, who, errors);
                   need_nodes(p, x.to, who, errors);
                   check_groups({x.from, x.to}, who, errors);
                 },
                 [&](const BridgePartitionFault& x) {
                   need_nodes(p, x.nodes, who, errors);
                   if (x.nodes.size() < 3) errors.push_back(who + ": needs at least 3 nodes");
                   check_groups({x.nodes}, who, errors);
                 },
                 [&](const MajoritiesRingFault& x) {
                   need_nodes(p, x.nodes, who, errors);
                   if (x.nodes.size() < 3) errors.push_back(who + ": needs at least 3 nodes");
                   check_groups({x.nodes}, who, errors);
                 },
                 [&](const LinkChangeFault& x) {
                   if (!link_exists(p, x.link)) errors.push_back(who + ": unknown link '" + x.link + "'");
                   if (x.latency && *x.latency < 0) errors.push_back(who + ": negative latency");
                   if (x.bandwidth && !(*x.bandwidth > 0)) errors.push_back(who + ": bandwidth must be > 0");
                   if (!x.latency && !x.bandwidth) errors.push_back(who + ": changes neither latency nor bandwidth");
                 },
                 [&](const MessageFaultsFault& x) {
                   if (x.from != "*") need_node(p, x.from, who, errors);
                   if (x.to != "*") need_node(p, x.to, who, errors);
                   if (std::string e = x.faults.check(); !e.empty()) errors.push_back(who + ": " + e);
                 },
                 [&](const CrashFault& x) { need_node(p, x.node, who, errors); },
                 [&](const RestartFault& x) { need_node(p, x.node, who, errors); },
                 [&](const PauseFault& x) { need_node(p, x.node, who, errors); },
                 [&](const ResumeFault& x) { need_node(p, x.node, who, errors); },
                 [&](const ClockFault& x) {
                   need_node(p, x.node, who, errors);
                   if (!(x.drift > -1.0)) errors.push_back(who + ": drift must be > -1 (the clock must move forward)");
                 },
                 [&](const TornWriteFault& x) { need_node(p, x.node, who, errors); },
                 [](const auto&) {},
             },
             f);
  return errors;
}

std::vector<std::string> validate(const FaultSchedule& s, const PlatformSpec& p) {
  std::vector<std::string> errors;
  std::vector<const ScheduledFault*> order;
  for (const auto& sf : s.faults) order.push_back(&sf);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->at < b->at; });
  std::map<NodeId, NodeLife> life;
  for (const ScheduledFault* sf : order) {
    const std::string at = "at " + std::to_string(to_seconds(sf->at)) + " s: ";
    if (sf->at < 0) errors.push_back(at + "negative time");
    for (auto& e : validate(sf->fault, p)) errors.push_back(at + e);
    if (auto e = lifecycle_error(sf->fault, life); !e.empty()) errors.push_back(at + e);
  }
  for (const auto& t : s.triggers) {
    for (auto& e : validate(t, p)) errors.push_back(e);
  }
  return errors;
}

std::vector<std::string> validate(const ProbeTrigger& t, const PlatformSpec& p) {
  std::vector<std::string> errors;
  const std::string who = "on_probe '" + t.probe + "' at " + std::to_string(to_seconds(t.from)) + " s: ";
  if (t.probe.empty()) errors.push_back(who + "names no probe kind");
  if (t.nth < 1 || t.nth > kMaxTriggerCount) {
    errors.push_back(who + "nth must be in [1, " + std::to_string(kMaxTriggerCount) + "], got " + std::to_string(t.nth));
  }
  if (t.node && !p.has_host(*t.node)) errors.push_back(who + "unknown node '" + *t.node + "'");
  if (t.from < 0) errors.push_back(who + "negative time");
  if (t.until && *t.until < t.from) errors.push_back(who + "until_ns is before at_ns");
  if (t.faults.empty()) errors.push_back(who + "has no faults");
  // "$node" is checked as if it were one more host (with its uplink): the probe's node is one.
  PlatformSpec with_probe_node = p;
  HostSpec probe_node;
  probe_node.name = kProbeNode;
  with_probe_node.hosts.push_back(probe_node);
  std::vector<const ScheduledFault*> order;
  for (const auto& sf : t.faults) order.push_back(&sf);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->at < b->at; });
  std::map<NodeId, NodeLife> life;
  for (const ScheduledFault* sf : order) {
    const std::string after = who + "after " + std::to_string(to_seconds(sf->at)) + " s: ";
    if (sf->at < 0) errors.push_back(after + "negative delay");
    for (auto& e : validate(sf->fault, with_probe_node)) errors.push_back(after + e);
    if (auto e = lifecycle_error(sf->fault, life); !e.empty()) errors.push_back(after + e);
  }
  return errors;
}

bool trigger_counts(const ProbeTrigger& t, const ProbeRecord& p) {
  if (p.kind != t.probe || p.time < t.from || (t.until && p.time >= *t.until)) return false;
  if (t.node && p.node != *t.node) return false;
  return !t.group || p.str_of("group") == *t.group;
}

namespace {

NodeId sub(const NodeId& n, const NodeId& node) { return n == kProbeNode ? node : n; }

bool names_probe_node(const std::vector<NodeId>& v) {
  return std::find(v.begin(), v.end(), kProbeNode) != v.end();
}

// A list of nodes: "$node" becomes `node`; when `holds` (some list of the fault names "$node"), a
// list without "$node" loses `node` (it moved to the list that named it).
std::vector<NodeId> sub_list(const std::vector<NodeId>& v, const NodeId& node, bool holds) {
  std::vector<NodeId> out;
  for (const auto& n : v) {
    if (n == kProbeNode) {
      out.push_back(node);
    } else if (!(holds && n == node)) {
      out.push_back(n);
    }
  }
  return out;
}

}  // namespace

Fault resolve_probe_node(const Fault& f, const NodeId& node) {
  return std::visit(
      Overloaded{
          [&](const PartitionFault& x) -> Fault {
            bool holds = false;
            for (const auto& g : x.groups) holds = holds || names_probe_node(g);
            PartitionFault out{{}, x.mode};
            for (const auto& g : x.groups) out.groups.push_back(sub_list(g, node, holds));
            return out;
          },
          [&](const OneWayPartitionFault& x) -> Fault {
            const bool holds = names_probe_node(x.from) || names_probe_node(x.to);
            return OneWayPartitionFault{sub_list(x.from, node, holds), sub_list(x.to, node, holds), x.mode};
          },
          [&](const BridgePartitionFault& x) -> Fault {
            return BridgePartitionFault{sub_list(x.nodes, node, names_probe_node(x.nodes)), x.mode};
          },
          [&](const MajoritiesRingFault& x) -> Fault {
            return MajoritiesRingFault{sub_list(x.nodes, node, names_probe_node(x.nodes)), x.mode};
          },
          [&](const LinkChangeFault& x) -> Fault {
            LinkChangeFault out = x;
            if (out.link == uplink_name(kProbeNode)) out.link = uplink_name(node);
            return out;
          },
          [&](const MessageFaultsFault& x) -> Fault {
            return MessageFaultsFault{sub(x.from, node), sub(x.to, node), x.faults};
          },
          [&](const CrashFault& x) -> Fault { return CrashFault{sub(x.node, node), x.wipe_storage}; },
          [&](const RestartFault& x) -> Fault { return RestartFault{sub(x.node, node)}; },
          [&](const PauseFault& x) -> Fault { return PauseFault{sub(x.node, node)}; },
          [&](const ResumeFault& x) -> Fault { return ResumeFault{sub(x.node, node)}; },
          [&](const ClockFault& x) -> Fault { return ClockFault{sub(x.node, node), x.offset, x.drift}; },
          [&](const TornWriteFault& x) -> Fault { return TornWriteFault{sub(x.node, node)}; },
          [&](const auto& x) -> Fault { return x; },
      },
      f);
}

const NodeId* lifecycle_node(const Fault& f) {
  if (const auto* c = std::get_if<CrashFault>(&f)) return &c->node;
  if (const auto* r = std::get_if<RestartFault>(&f)) return &r->node;
  if (const auto* p = std::get_if<PauseFault>(&f)) return &p->node;
  if (const auto* r = std::get_if<ResumeFault>(&f)) return &r->node;
  return nullptr;
}

bool is_message_fault(const Fault& f) {
  return std::holds_alternative<PartitionFault>(f) || std::holds_alternative<OneWayPartitionFault>(f) ||
         std::holds_alternative<BridgePartitionFault>(f) || std::holds_alternative<MajoritiesRingFault>(f) ||
         std::holds_alternative<HealFault>(f) || std::holds_alternative<MessageFaultsFault>(f) ||
         std::holds_alternative<ClearMessageFaultsFault>(f);
}

namespace {

std::vector<NodeId> ids(const std::vector<NodeId>& names, const std::function<NodeId(const NodeId&)>& id_of) {
  std::vector<NodeId> out;
  out.reserve(names.size());
  for (const auto& n : names) out.push_back(id_of(n));
  return out;
}

void set_message_faults(const MessageFaultsFault& m, FaultState& state, const std::vector<NodeId>& all_nodes,
                        const std::function<NodeId(const NodeId&)>& id_of) {
  if (m.from == "*" && m.to == "*") {
    state.set_default(m.faults);
  } else if (m.from == "*") {
    state.set_for_destination(id_of(m.to), m.faults);
  } else if (m.to != "*") {
    state.set_for_pair(id_of(m.from), id_of(m.to), m.faults);
  } else {
    for (const auto& n : all_nodes) {
      if (n != m.from) state.set_for_pair(id_of(m.from), id_of(n), m.faults);
    }
  }
}

}  // namespace

bool apply_message_fault(const Fault& f, FaultState& state, const std::vector<NodeId>& all_nodes,
                         const std::function<NodeId(const NodeId&)>& id_of) {
  if (!is_message_fault(f)) return false;
  std::visit(
      Overloaded{
          [&](const PartitionFault& p) {
            std::vector<std::vector<NodeId>> groups;
            for (const auto& g : p.groups) groups.push_back(ids(g, id_of));
            state.block_all(full_partition(groups), p.mode);
          },
          [&](const OneWayPartitionFault& p) {
            state.block_all(one_way_partition(ids(p.from, id_of), ids(p.to, id_of)), p.mode);
          },
          [&](const BridgePartitionFault& p) { state.block_all(bridge_partition(ids(p.nodes, id_of)), p.mode); },
          [&](const MajoritiesRingFault& p) {
            state.block_all(majorities_ring_partition(ids(p.nodes, id_of)), p.mode);
          },
          [&](const HealFault&) { state.heal(); },
          [&](const MessageFaultsFault& m) { set_message_faults(m, state, all_nodes, id_of); },
          [&](const ClearMessageFaultsFault&) { state.clear_message_faults(); },
          [&](const auto&) {},
      },
      f);
  return true;
}

std::string sockets_unsupported(const Fault& f) {
  if (is_message_fault(f) || std::holds_alternative<CrashFault>(f) || std::holds_alternative<RestartFault>(f)) return "";
  if (std::holds_alternative<LinkChangeFault>(f)) {
    return "'link' changes SimGrid links; on sockets use message_faults delay_ns/jitter_ns instead";
  }
  if (std::holds_alternative<PauseFault>(f) || std::holds_alternative<ResumeFault>(f)) {
    return "pause/resume is SIGSTOP/SIGCONT of a kernel-server process; a LoopbackCluster runs every node in one "
           "process and cannot pause one of them";
  }
  if (std::holds_alternative<ClockFault>(f)) return "'clock' needs simulated clocks; real clocks cannot be skewed per node";
  return "'torn_write' needs the simulated disk";
}

}  // namespace amino::testbed
